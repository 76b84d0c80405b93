// Terminal input over SSH (docs/what-counts-as-work.md "People at the keyboard"): the same single SSH command that
// runs nvidia-smi then prints a marker, the host's clock and the access time of each pseudo-terminal, and exits with
// nvidia-smi's status. This file is that part of the remote command and its parser, kept apart from the GPU query.
import type { InteractiveActivity } from '../domain/interactive';

export const TERMINAL_INPUT_MARKER = '@@cost-optimizer-terminal-input@@';

/**
 * Appended to the nvidia-smi argv and run by `sh -c` (ssh-args.ts). stat errors (no terminal: the glob stays literal)
 * are silenced; the exit status stays nvidia-smi's, so classify() reads failures as before. The host may point
 * TERMINALS_DIR (the agent's setting's name) elsewhere in the SSH session's environment, e.g. with sshd's SetEnv
 * when the terminals that matter are a container's mounted at another path.
 */
export const TERMINAL_INPUT_SUFFIX: readonly string[] = [
  ';',
  'rc=$?;',
  'echo',
  TERMINAL_INPUT_MARKER + ';',
  'date',
  '+%s;',
  'stat',
  '-L',
  '-c',
  '%X',
  '${TERMINALS_DIR:-/dev/pts}/[0-9]*',
  '2>/dev/null;',
  'exit',
  '$rc',
];

/** The output without the terminal-input section: what the nvidia-smi parser reads. */
export function withoutTerminalInput(stdout: string): string {
  const i = stdout.indexOf(TERMINAL_INPUT_MARKER);
  return i < 0 ? stdout : stdout.slice(0, i);
}

/**
 * The section as the controller's interactive report, or null when it is missing or unreadable (no evidence).
 * `receivedAt` (controller clock) and the host's `date +%s` correct the host's clock, as for agent batches.
 */
export function terminalInputOf(stdout: string, receivedAt: number): InteractiveActivity | null {
  const i = stdout.indexOf(TERMINAL_INPUT_MARKER);
  if (i < 0) return null;
  const lines = stdout
    .slice(i + TERMINAL_INPUT_MARKER.length)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const [clock, ...atimes] = lines;
  if (clock === undefined || !/^\d{9,11}$/.test(clock)) return null;
  const offset = receivedAt - Number(clock) * 1000;
  let latest: number | null = null;
  for (const a of atimes) {
    if (!/^\d{1,11}$/.test(a)) return null; // not what stat prints: do not guess
    const t = Number(a) * 1000 + offset;
    if (latest === null || t > latest) latest = t;
  }
  return {
    reportedAt: receivedAt,
    terminalInputAt: latest,
    terminals: latest === null ? 'none' : 'ok',
    notebookActivityAt: null,
    notebookBusy: false,
    // Over SSH only terminals are read: no claim either way about Jupyter.
    notebooks: 'not-read',
  };
}
