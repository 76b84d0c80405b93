// Runs one child process (the ssh client) with an argv array, a hard deadline and capped output; never throws.
import { spawn } from 'node:child_process';

export interface RunOptions {
  /** Hard limit: the child's whole process group is SIGKILLed when it is reached. */
  timeoutMs: number;
  /** stdout beyond this is dropped and the run flagged `truncated` (nvidia-smi prints ~100 bytes per GPU). */
  maxStdoutBytes?: number;
  /** Only the tail of stderr is kept: the error line ssh prints last is the one that matters. */
  maxStderrBytes?: number;
  env?: NodeJS.ProcessEnv;
}

export interface RunOutcome {
  /** Exit status; null when killed by a signal or when the program could not be started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the deadline killed it. */
  timedOut: boolean;
  truncated: boolean;
  /** Set when the program could not be started at all (ENOENT: no ssh client installed). */
  spawnError: string | null;
  durationMs: number;
}

/**
 * How long to wait for stderr to close once the child exited and its stdout is drained. With ControlPersist the
 * backgrounded master points its own stdio at /dev/null, but a ProxyCommand started before it detached keeps our
 * stderr pipe open for the master's whole life: waiting for stderr alone would hang the poll. stdout is always read
 * to its end (it is the data; only ssh itself holds it), bounded by the deadline.
 */
const STDERR_GRACE_MS = 250;
/** After the deadline's SIGKILL, how long to wait for the pipes before giving up on them. */
const KILL_GRACE_MS = 1_000;

export function runCommand(file: string, args: readonly string[], opts: RunOptions): Promise<RunOutcome> {
  const maxOut = opts.maxStdoutBytes ?? 64 * 1024;
  const maxErr = opts.maxStderrBytes ?? 8 * 1024;
  const started = performance.now();
  return new Promise((resolveRun) => {
    let stdout = '';
    let stdoutBytes = 0;
    let stderr = '';
    let truncated = false;
    let timedOut = false;
    let settled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let outClosed = false;
    let errClosed = false;
    let graceTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    // detached: the child leads its own process group, so the deadline also kills what it started (a ProxyCommand,
    // a master that has not detached yet). A master that did detach (setsid) is left alone, as it should be.
    // Without opts.env the child inherits this process's environment (ssh needs SSH_AUTH_SOCK, HOME).
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...(opts.env ? { env: opts.env } : {}) });

    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        try {
          child.kill('SIGKILL');
        } catch {
          // already gone: nothing left to kill
        }
      }
    };

    const finish = (spawnError: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(graceTimer);
      clearTimeout(killTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolveRun({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout,
        stderr,
        timedOut,
        truncated,
        spawnError,
        durationMs: Math.round(performance.now() - started),
      });
    };

    // Done when the child exited and stdout hit EOF; stderr gets a short grace (see STDERR_GRACE_MS). A timer that
    // started at 'exit' instead could fire before a loaded event loop read the output: the poll would look empty.
    const check = () => {
      if (settled || exit === null || !outClosed) return;
      if (errClosed) finish(null);
      else graceTimer ??= setTimeout(() => finish(null), STDERR_GRACE_MS);
    };

    const deadline = setTimeout(() => {
      timedOut = true;
      killGroup();
      killTimer = setTimeout(() => finish(null), KILL_GRACE_MS);
    }, opts.timeoutMs);

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (stdoutBytes >= maxOut) return;
      const room = maxOut - stdoutBytes;
      const bytes = Buffer.byteLength(chunk);
      if (bytes > room) {
        stdout += Buffer.from(chunk).subarray(0, room).toString('utf8');
        stdoutBytes = maxOut;
        truncated = true;
        killGroup(); // no nvidia-smi answer is this long: stop reading garbage
      } else {
        stdout += chunk;
        stdoutBytes += bytes;
      }
    });
    child.stdout.on('close', () => {
      outClosed = true;
      check();
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > maxErr) stderr = stderr.slice(-maxErr);
    });
    child.stderr.on('close', () => {
      errClosed = true;
      check();
    });
    child.on('error', (err) => finish(err.message));
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      check();
    });
  });
}
