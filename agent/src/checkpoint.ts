// Runs the host's own checkpoint hook (CHECKPOINT_CMD, configured on the agent) when the controller asks to prepare
// a pause. The controller sends only a request id and a timeout: nothing from the message reaches the shell.
import { spawn } from 'node:child_process';
import type { PreparePauseResult } from '../../protocol';
import { PROTOCOL_VERSION } from '../../protocol';
import { agentNow } from './clock';

export interface CheckpointOptions {
  /** The agent's CHECKPOINT_CMD; null means no hook: outcome 'none'. */
  command: string | null;
  /** Effective limit: the smaller of the controller's request and the agent's CHECKPOINT_TIMEOUT_MS. */
  timeoutMs: number;
  env: Record<string, string>;
  /** After SIGTERM to the group on timeout, SIGKILL follows this much later. */
  killGraceMs?: number;
}

const OUTPUT_MAX = 4096;

/** Keeps only the last OUTPUT_MAX characters of what the hook printed. */
class Tail {
  private text = '';
  add(chunk: string): void {
    this.text += chunk;
    if (this.text.length > OUTPUT_MAX * 2) this.text = this.text.slice(-OUTPUT_MAX);
  }
  value(): string {
    return this.text.slice(-OUTPUT_MAX);
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the whole group is already gone, which is what we wanted.
  }
}

/** Run the hook with `sh -c` in its own process group; never rejects. */
export function runCheckpoint(requestId: string, opts: CheckpointOptions): Promise<PreparePauseResult> {
  const started = agentNow();
  const result = (outcome: PreparePauseResult['outcome'], exitCode: number | null, output: string): PreparePauseResult => ({
    v: PROTOCOL_VERSION,
    type: 'prepare-pause-result',
    requestId,
    outcome,
    exitCode,
    durationMs: Math.max(0, agentNow() - started),
    output: output.slice(-OUTPUT_MAX),
  });
  if (opts.command === null) return Promise.resolve(result('none', null, ''));
  const command = opts.command;

  return new Promise((resolve) => {
    const tail = new Tail();
    let timedOut = false;
    let done = false;
    // detached: the hook leads a new process group, so a timeout can kill everything it started, not just sh.
    const child = spawn('sh', ['-c', command], { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => tail.add(d));
    child.stderr!.on('data', (d: string) => tail.add(d));

    let killTimer: NodeJS.Timeout | null = null;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), opts.killGraceMs ?? 3000);
    }, opts.timeoutMs);

    const finish = (code: number | null, spawnError?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // Background processes the hook left behind may hold the pipes open; we stop reading them here.
      child.stdout!.destroy();
      child.stderr!.destroy();
      if (timedOut && child.pid !== undefined) {
        // The group gets its SIGKILL even if sh itself went on SIGTERM: a leftover child must not keep writing.
        if (killTimer) clearTimeout(killTimer);
        killGroup(child.pid, 'SIGKILL');
      }
      if (spawnError) resolve(result('failed', null, `could not run the checkpoint command: ${spawnError.message}`));
      else if (timedOut) resolve(result('timeout', code, tail.value()));
      else resolve(result(code === 0 ? 'ok' : 'failed', code, tail.value()));
    };
    child.on('error', (e) => finish(null, e));
    // 'close' comes once the pipes are drained (all output in); a background process the hook left holding them
    // must not hold the answer, so 'exit' finishes anyway shortly after.
    child.on('exit', (code) => setTimeout(() => finish(code), 300).unref());
    child.on('close', (code) => finish(code));
  });
}
