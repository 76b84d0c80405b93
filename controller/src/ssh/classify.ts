// Turns the outcome of one `ssh ... nvidia-smi` run into a result (pure): GPU stats, or the reason there are none.
import { parseOutput } from '../../../protocol/nvidia-smi/parse';
import { splitFieldsLine } from '../../../protocol/nvidia-smi/query';
import { statsOf } from '../../../protocol/nvidia-smi/aggregate';
import type { GpuStats } from '../../../protocol';
import { DRIVER_FAILURE_TEXT as DRIVER_TEXT, driverFailureExit } from '../../../protocol/nvidia-smi-failure';
import type { RunOutcome } from './run-remote';
import type { SshFailureCode } from './ssh-result';
import { withoutTerminalInput } from './terminal-input';

export type Classified = { ok: true; gpus: GpuStats[] } | { ok: false; code: SshFailureCode; message: string };

// ssh exits 255 on its own errors; these are the lines OpenSSH 8-9 prints for them (sshconnect.c, sshconnect2.c).
const AUTH = /permission denied|too many authentication failures|no more authentication methods|no supported authentication methods/i;
const HOSTKEY = /host key verification failed|remote host identification has changed|host key for .* has changed|no .*host key is known/i;
const TIMEOUT = /timed out|timeout/i;
const SSH_OWN =
  /^ssh:|^kex_exchange_identification|connection (refused|closed|reset)|could not resolve hostname|no route to host|network is unreachable|broken pipe|banner exchange|control ?socket|mux_client|ssh_exchange_identification|^[^\s]+@[^\s]+: /im;
const NOT_FOUND = /command not found|nvidia-smi: not found|no such file or directory/i;

/** The last non-empty line of `s`, trimmed and bounded: enough for status and explain. */
export function lastLine(s: string, max = 300): string {
  const lines = s
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return (lines[lines.length - 1] ?? '').slice(0, max);
}

function fail(code: SshFailureCode, message: string): Classified {
  return { ok: false, code, message };
}

export function classify(output: RunOutcome, timeoutMs: number): Classified {
  // The terminal-input section after nvidia-smi's output is read by the poller (terminal-input.ts), not here.
  const run = { ...output, stdout: withoutTerminalInput(output.stdout) };
  const errLine = lastLine(run.stderr);
  if (run.spawnError !== null) return fail('unreachable', `cannot run the ssh client: ${run.spawnError}`);
  if (run.timedOut) return fail('timeout', `no answer within ${(timeoutMs / 1000).toFixed(1)} s${errLine ? ` (${errLine})` : ''}`);
  if (run.truncated) return fail('parse', 'nvidia-smi printed more than the output limit');
  if (run.exitCode === null) return fail('unreachable', `ssh ended by signal ${run.signal ?? 'unknown'}`);

  const code = run.exitCode;
  // 255 is ssh's own failure, but also nvidia-smi's "other error": ssh's messages tell them apart.
  if (code === 255 && (SSH_OWN.test(run.stderr) || AUTH.test(run.stderr) || HOSTKEY.test(run.stderr) || run.stdout.trim() === '')) {
    if (HOSTKEY.test(run.stderr)) return fail('hostkey', errLine || 'host key verification failed');
    if (AUTH.test(run.stderr)) return fail('auth', errLine || 'permission denied');
    if (TIMEOUT.test(run.stderr)) return fail('timeout', errLine);
    if (!DRIVER_TEXT.test(run.stderr)) return fail('unreachable', errLine || 'ssh exited 255 without a message');
  }
  // 127 / 126: the remote script's own lines (protocol/nvidia-smi/query.ts), "nvidia-smi not found on PATH (...)" and
  // "nvidia-smi at /x/y is not executable by uid N", or a shell's.
  if (code === 127 || code === 126 || (code !== 0 && NOT_FOUND.test(run.stderr)))
    return fail('missing', errLine || (code === 126 ? 'nvidia-smi is not executable on the remote host' : 'nvidia-smi not found on the remote PATH'));
  // nvidia-smi's own exit statuses and messages for an unreachable GPU (protocol/nvidia-smi-failure.ts): unknown, never idle.
  if (driverFailureExit(code) !== null || (code !== 0 && (DRIVER_TEXT.test(run.stdout) || DRIVER_TEXT.test(run.stderr)))) {
    return fail('driver', lastLine(run.stdout) || errLine || `nvidia-smi exited ${code}`);
  }
  if (code !== 0) return fail('exited', `nvidia-smi exited ${code}${errLine ? `: ${errLine}` : lastLine(run.stdout) ? `: ${lastLine(run.stdout)}` : ''}`);

  // The script's first line names the fields the host's driver was asked for (the agent's discovery, same rule).
  const { fields, rest } = splitFieldsLine(run.stdout);
  if (fields === null) return fail('parse', `no field list before the readings: ${JSON.stringify(lastLine(run.stdout, 120))}`);
  const parsed = parseOutput(rest, fields);
  const driver = parsed.errors.find((e) => e.code === 'driver');
  if (driver) return fail('driver', driver.line);
  // A line we cannot read may be a GPU we cannot see: treating the rest as the whole host could call it idle.
  const garbled = parsed.errors[0];
  if (garbled) return fail('parse', `unreadable nvidia-smi line: ${JSON.stringify(garbled.line.slice(0, 120))}`);
  if (parsed.readings.length === 0) return fail('parse', 'nvidia-smi listed no GPU');
  const indexes = new Set(parsed.readings.map((r) => r.index));
  if (indexes.size !== parsed.readings.length) return fail('parse', 'nvidia-smi listed a GPU index twice');
  return { ok: true, gpus: statsOf(parsed.readings) };
}
