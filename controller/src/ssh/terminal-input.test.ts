// The terminal-input section of the SSH command: parsed with the host's clock corrected, missing or odd = no evidence.
import { describe, expect, it } from 'vitest';
import { TERMINAL_INPUT_MARKER, terminalInputOf, withoutTerminalInput } from './terminal-input';

const GPU = '0, GPU-1, 3, 1200, 81559, 35, 70.5\n';
const NOW = 1_796_300_000_000;

describe('terminal input over SSH', () => {
  it('takes the newest terminal access time, moved to the controller clock by the host clock offset', () => {
    // the host's clock is 100 s behind the controller's; its terminals were last read 300 s and 60 s before its now
    const hostNow = NOW / 1000 - 100;
    const out = `${GPU}${TERMINAL_INPUT_MARKER}\n${hostNow}\n${hostNow - 300}\n${hostNow - 60}\n`;
    expect(withoutTerminalInput(out)).toBe(GPU);
    expect(terminalInputOf(out, NOW)).toEqual({
      reportedAt: NOW,
      terminalInputAt: NOW - 60_000,
      terminals: 'ok',
      notebookActivityAt: null,
      notebookBusy: false,
      notebooks: 'not-read',
    });
  });

  it('no terminal on the host: "none"; no section or an unexpected one: no report at all', () => {
    expect(terminalInputOf(`${GPU}${TERMINAL_INPUT_MARKER}\n${NOW / 1000}\n`, NOW)).toMatchObject({ terminals: 'none', terminalInputAt: null });
    expect(terminalInputOf(GPU, NOW)).toBeNull();
    expect(withoutTerminalInput(GPU)).toBe(GPU);
    expect(terminalInputOf(`${GPU}${TERMINAL_INPUT_MARKER}\n`, NOW)).toBeNull();
    expect(terminalInputOf(`${GPU}${TERMINAL_INPUT_MARKER}\n${NOW / 1000}\nstat: cannot stat\n`, NOW)).toBeNull();
  });
});
