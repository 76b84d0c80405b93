// Reads the host's interactive evidence (terminal input, Jupyter kernels) once per report interval, in the
// background, and hands the latest result to each batch. No child process; a missed or slow read only makes the
// next batch carry the previous result.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Interactive } from '../../../protocol';
import type { Logger } from '../../../protocol/log';
import { agentNow } from '../clock';
import { readNotebookActivity } from './jupyter-kernels';
import { readTerminalInput } from './terminal-input';

const EPOCH_MIN = 1_577_836_800_000;
const EPOCH_MAX = 4_102_444_800_000;

export interface InteractiveWatchOptions {
  /** Where the pseudo-terminals are (/dev/pts). */
  terminalsDir: string;
  /** Runtime directories always looked at ($JUPYTER_RUNTIME_DIR, /root/.local/share/jupyter/runtime...). */
  jupyterRuntimeDirs: readonly string[];
  /** Each home directory under it adds <home>/.local/share/jupyter/runtime (looked up at every read); null: none. */
  homesDir: string | null;
  intervalMs: number;
  logger: Logger;
}

/** The runtime directories of every user, as jupyter_core's jupyter_runtime_dir() puts them by default. */
export async function jupyterRuntimeDirs(fixed: readonly string[], homesDir: string | null): Promise<string[]> {
  const dirs = [...fixed];
  if (homesDir !== null) {
    try {
      for (const h of await readdir(homesDir)) dirs.push(join(homesDir, h, '.local/share/jupyter/runtime'));
    } catch {
      // No /home (a container running as root): the fixed directories are all there is.
    }
  }
  return [...new Set(dirs)];
}

/** Wall-clock ms to the agent's clock (clock.ts), dropped when outside what the protocol accepts. */
function toAgentClock(wallMs: number | null): number | null {
  if (wallMs === null || !Number.isFinite(wallMs)) return null;
  const t = Math.floor(wallMs + (agentNow() - Date.now()));
  return t >= EPOCH_MIN && t <= EPOCH_MAX ? t : null;
}

export class InteractiveWatch {
  private current: Interactive | undefined;
  private timer: NodeJS.Timeout | null = null;
  private reading = false;
  private lastProblems = '';

  constructor(private readonly opts: InteractiveWatchOptions) {}

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The latest reading, or undefined before the first one finished. */
  latest(): Interactive | undefined {
    return this.current;
  }

  /** One read of everything; exposed for tests. */
  async refresh(): Promise<Interactive | undefined> {
    if (this.reading) return this.current;
    this.reading = true;
    try {
      const dirs = await jupyterRuntimeDirs(this.opts.jupyterRuntimeDirs, this.opts.homesDir);
      const [term, nb] = await Promise.all([readTerminalInput(this.opts.terminalsDir), readNotebookActivity(dirs)]);
      this.current = {
        terminalInputAt: toAgentClock(term.at),
        terminals: term.status,
        notebookActivityAt: toAgentClock(nb.at),
        notebookBusy: nb.busy,
        notebooks: nb.status,
      };
      const problems = [term.problem, nb.problem].filter((p) => p !== null).join('; ');
      if (problems !== this.lastProblems) {
        // Logged on change only: a permanent condition is one line, not one every report interval.
        if (problems) this.opts.logger.warn(`interactive activity: no evidence from ${problems}`);
        else if (this.lastProblems) this.opts.logger.info('interactive activity: readable again');
        this.lastProblems = problems;
      }
    } catch (e) {
      this.opts.logger.error('interactive activity: read failed', e);
    } finally {
      this.reading = false;
    }
    return this.current;
  }
}
