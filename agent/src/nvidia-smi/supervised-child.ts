// One long-lived child process (nvidia-smi in loop mode) split into lines, restarted with exponential backoff when it
// exits, killed and restarted when it goes silent. Never one spawn per reading: docs/architecture.md's target is one child a day.
import { type ChildProcess, spawn } from 'node:child_process';
import { Backoff } from '../../../protocol/backoff';
import { agentNow } from '../clock';

export interface ChildExit {
  /** Exit status, null when killed by a signal or never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the spawn itself failed (ENOENT: no such binary, EACCES: not executable). */
  errno: string | null;
  /** True when we killed it because it printed nothing for `silenceMs`. */
  stalled: boolean;
  /** How long it ran, in ms. */
  ranMs: number;
  /** Delay before the next start, in ms. */
  restartInMs: number;
  /** True when stop() ended it: an expected exit, not a failure. */
  stopped: boolean;
}

export interface SupervisedChildOptions {
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  onStdoutLine: (line: string) => void;
  onStderrLine?: (line: string) => void;
  onStart?: () => void;
  onExit: (exit: ChildExit) => void;
  /** Restart delays (default 1 s doubling to 60 s). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** A child that ran this long before exiting restarts after the minimum delay again (default 30 s). */
  stableMs?: number;
  /** Kill and restart when stdout is silent this long (0: never). */
  silenceMs?: number;
}

/** Longest line kept; nvidia-smi lines are ~100 bytes, so anything longer is garbage and is cut. */
const MAX_LINE = 64 * 1024;

/** Splits a stream of text into lines, with a bound on the unfinished tail. */
export class LineSplitter {
  private tail = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    const text = this.tail + chunk;
    const lines = text.split('\n');
    this.tail = lines.pop() ?? '';
    for (const l of lines) this.emit(l);
    if (this.tail.length > MAX_LINE) {
      this.emit(this.tail.slice(0, MAX_LINE));
      this.tail = '';
    }
  }

  flush(): void {
    if (this.tail !== '') this.emit(this.tail);
    this.tail = '';
  }

  private emit(line: string): void {
    const l = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (l.trim() !== '') this.onLine(l);
  }
}

export class SupervisedChild {
  private child: ChildProcess | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private silenceTimer: NodeJS.Timeout | null = null;
  private stopped = true;
  private startedAt = 0;
  private lastOutputAt = 0;
  private starts = 0;
  private readonly backoff: Backoff;
  private exitWaiters: (() => void)[] = [];

  constructor(private readonly opts: SupervisedChildOptions) {
    this.backoff = new Backoff({ minMs: opts.backoffMinMs ?? 1000, maxMs: opts.backoffMaxMs ?? 60_000, jitter: 'none' });
  }

  /** Times the child was started (spawn attempts included). */
  get startCount(): number {
    return this.starts;
  }

  /** True while a child process is alive. */
  get running(): boolean {
    return this.child !== null;
  }

  /** When the live child started (epoch ms), 0 when none. */
  get runningSince(): number {
    return this.child ? this.startedAt : 0;
  }

  /** Arguments for the next start (the running child keeps its own): the GPU reader's query once the driver is known. */
  setArgs(args: readonly string[]): void {
    this.opts.args = [...args];
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.spawnNow();
  }

  /** Kill the child (SIGTERM, then SIGKILL after `graceMs`) and stop restarting it. */
  async stop(graceMs = 2000): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(kill);
  }

  private spawnNow(): void {
    this.restartTimer = null;
    if (this.stopped) return;
    this.starts++;
    this.startedAt = agentNow();
    this.lastOutputAt = this.startedAt;
    let finished = false;
    let errno: string | null = null;
    let stalled = false;
    const child = spawn(this.opts.command, [...this.opts.args], {
      env: this.opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const out = new LineSplitter((l) => this.opts.onStdoutLine(l));
    const err = new LineSplitter((l) => this.opts.onStderrLine?.(l));
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      this.lastOutputAt = agentNow();
      out.push(d);
    });
    child.stderr!.on('data', (d: string) => err.push(d));

    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (finished) return;
      finished = true;
      out.flush();
      err.flush();
      if (this.silenceTimer) clearInterval(this.silenceTimer);
      this.silenceTimer = null;
      this.child = null;
      const ranMs = agentNow() - this.startedAt;
      if (ranMs >= (this.opts.stableMs ?? 30_000)) this.backoff.reset();
      const restartInMs = this.stopped ? 0 : this.backoff.next();
      for (const w of this.exitWaiters.splice(0)) w();
      this.opts.onExit({ code, signal, errno, stalled, ranMs, restartInMs, stopped: this.stopped });
      if (!this.stopped) this.restartTimer = setTimeout(() => this.spawnNow(), restartInMs);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      // Spawn failures (ENOENT, EACCES) come here and there is no 'exit'; a failed kill also lands here.
      if (child.pid === undefined) {
        errno = e.code ?? 'ESPAWN';
        finish(null, null);
      }
    });
    // 'close' waits for the pipes as well, so the last lines are in before we report the exit.
    child.on('close', (code, signal) => finish(code, signal));
    if (child.pid !== undefined) this.opts.onStart?.();

    const silenceMs = this.opts.silenceMs ?? 0;
    if (silenceMs > 0) {
      this.silenceTimer = setInterval(
        () => {
          if (agentNow() - this.lastOutputAt >= silenceMs && !finished) {
            stalled = true;
            child.kill('SIGKILL');
          }
        },
        Math.max(100, Math.min(silenceMs / 4, 5000)),
      );
      this.silenceTimer.unref();
    }
  }
}
