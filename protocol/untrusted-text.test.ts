import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, stripControl } from './untrusted-text';

describe('stripControl', () => {
  it('removes ANSI colour, cursor and OSC title sequences entirely', () => {
    expect(stripControl('\u001b[31mred\u001b[0m')).toBe('red');
    expect(stripControl('a\u001b[2J\u001b[1;1Hb')).toBe('ab');
    expect(stripControl('x\u001b]0;pwned\u0007y')).toBe('xy');
    expect(stripControl('x\u001b]8;;https://evil\u001b\\link\u001b]8;;\u001b\\y')).toBe('xlinky');
    expect(stripControl('\u009b31mc1')).toBe('c1');
  });
  it('turns line breaks and tabs into spaces so no fake log line can start', () => {
    expect(stripControl('host\n2026-01-01T00:00:00Z INFO forged')).toBe('host 2026-01-01T00:00:00Z INFO forged');
    expect(stripControl('a\r\n\tb')).toBe('a b');
  });
  it('drops other C0, DEL and C1 characters and keeps plain spaces and other text', () => {
    expect(stripControl('a\u0000b\u0007c\u007fd\u0085e\u009ff')).toBe('abcdef');
    expect(stripControl('  H200 80GB  née ✓ ')).toBe('  H200 80GB  née ✓ ');
  });
  it('drops bidi overrides and Unicode line separators', () => {
    expect(stripControl('abc\u202edcba\u2028x')).toBe('abcdcbax');
  });
});

describe('escapeMrkdwn', () => {
  it('makes mentions and disguised links literal', () => {
    expect(escapeMrkdwn('<!channel> pay')).toBe('&lt;!channel&gt; pay');
    expect(escapeMrkdwn('<https://evil.example|docs>')).toBe('&lt;https://evil.example|docs&gt;');
  });
  it('escapes & first so an existing entity is not half-decoded', () => {
    expect(escapeMrkdwn('a &lt; b & c')).toBe('a &amp;lt; b &amp; c');
  });
  it('leaves ordinary text alone', () => {
    expect(escapeMrkdwn('llama-finetune [protect] 100%')).toBe('llama-finetune [protect] 100%');
  });
});
