// Reads the GPUs through ONE long-lived `nvidia-smi --query-gpu=... -lms <interval>` child (node_exporter's read()
// half; protocol/nvidia-smi/parse.ts is the pure half), aggregates its readings per report interval and tracks the
// reader's health. Before the first start it asks the driver once which fields it knows (`--help-query-gpu`): one
// unknown field makes nvidia-smi reject the whole query, and drivers differ in the engine fields they list.
import type { AgentHealth, GpuInfo, GpuStats } from '../../../protocol';
import type { Logger } from '../../../protocol/log';
import { DRIVER_FAILURE_TEXT, driverFailureExit } from '../../../protocol/nvidia-smi-failure';
import { Aggregator } from '../../../protocol/nvidia-smi/aggregate';
import { type GpuReading, parseLine } from '../../../protocol/nvidia-smi/parse';
import { execFile } from 'node:child_process';
import { BASE_FIELDS, fieldsFor, HELP_QUERY_GPU_ARGS, listedFields, loopArgs, type QueryField } from '../../../protocol/nvidia-smi/query';
import { type ChildExit, SupervisedChild } from './supervised-child';
import { spawnProblem } from './spawn-problem';

/** What nvidia-smi prints when a query names a field its driver does not know (the whole query is refused). */
const NOT_A_FIELD = /is not a valid field to query/i;

export type HealthError = Extract<AgentHealth, { state: 'error' }>;
type HealthCode = HealthError['code'];

const SEVERITY: Record<HealthCode, number> = { missing: 4, driver: 3, exited: 2, parse: 1 };

export interface GpuReaderOptions {
  nvidiaSmi: string;
  sampleIntervalMs: number;
  env: Record<string, string>;
  logger: Logger;
  /** Restart delays (default 1 s .. 60 s); tests shorten them. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  stableMs?: number;
  /** Restart a child that prints nothing this long (default max(15 s, 5 readings)). */
  silenceMs?: number;
}

function worse(a: HealthError | null, b: HealthError): HealthError {
  return a !== null && SEVERITY[a.code] >= SEVERITY[b.code] ? a : b;
}

function error(code: HealthCode, message: string): HealthError {
  return { state: 'error', code, message: message.slice(0, 1024) };
}

export class GpuReader {
  private readonly child: SupervisedChild;
  private aggregator = new Aggregator();
  /** Error that holds until readings flow again (child not running, keeps dying). */
  private current: HealthError | null = null;
  /** Worst error seen during the current report interval. */
  private intervalWorst: HealthError | null = null;
  private garbled = 0;
  private firstGarbled = '';
  private driverLine: string | null = null;
  private lastStderr = '';
  private readonly gpus = new Map<number, GpuInfo>();
  private firstReading: ((ok: boolean) => void)[] = [];
  /** The query's fields: the core ones until the driver's list is known. */
  private fields: readonly QueryField[] = BASE_FIELDS;
  /** True once the driver's field list was read; until then each restart asks again. */
  private discovered = false;
  private discovering: Promise<void> | null = null;
  private helpRuns = 0;
  private stopped = true;
  private rejected = false;

  constructor(private readonly opts: GpuReaderOptions) {
    this.child = new SupervisedChild({
      command: opts.nvidiaSmi,
      args: loopArgs(opts.sampleIntervalMs),
      env: opts.env,
      backoffMinMs: opts.backoffMinMs,
      backoffMaxMs: opts.backoffMaxMs,
      stableMs: opts.stableMs,
      silenceMs: opts.silenceMs ?? Math.max(15_000, opts.sampleIntervalMs * 5),
      onStart: () => {
        this.driverLine = null;
        this.lastStderr = '';
        opts.logger.debug(`nvidia-smi started (${opts.nvidiaSmi}, every ${opts.sampleIntervalMs} ms)`);
      },
      onStdoutLine: (l) => this.onLine(l),
      onStderrLine: (l) => this.onStderr(l),
      onExit: (e) => this.onExit(e),
    });
  }

  /** nvidia-smi processes started so far: the field-list run(s) and the query child's starts (restarts included). */
  get spawnCount(): number {
    return this.helpRuns + this.child.startCount;
  }

  /** The fields queried now (engine fields only where the driver lists them). */
  get queryFields(): readonly QueryField[] {
    return this.fields;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.discover().then(() => {
      if (!this.stopped) this.child.start();
    });
  }

  stop(): Promise<void> {
    // A field-list run still under way ends on its own (10 s at most); the query child is then not started.
    this.stopped = true;
    return this.child.stop();
  }

  /** Reads the driver's field list once (a short run, not one per sample) and sets the query for the next start. */
  private discover(): Promise<void> {
    if (this.discovered) return Promise.resolve();
    this.discovering ??= new Promise<void>((resolve) => {
      this.helpRuns++;
      execFile(this.opts.nvidiaSmi, [...HELP_QUERY_GPU_ARGS], { env: this.opts.env, timeout: 10_000, maxBuffer: 4 << 20, encoding: 'utf8' }, (err, stdout) => {
        const listed = listedFields(stdout ?? '');
        if (listed.has('utilization.gpu')) {
          this.discovered = true;
          this.setFields(fieldsFor(listed));
        } else {
          // Asked again before the next restart; meanwhile the core query, which every driver knows.
          this.opts.logger.warn(
            `nvidia-smi --help-query-gpu gave no field list (${err ? err.message.split('\n')[0] : 'empty output'}); reading SM utilization only until it does`,
          );
          this.setFields(BASE_FIELDS);
        }
        this.discovering = null;
        resolve();
      });
    });
    return this.discovering;
  }

  private setFields(fields: readonly QueryField[]): void {
    this.fields = fields;
    this.child.setArgs(loopArgs(this.opts.sampleIntervalMs, fields));
    const engines = fields.slice(BASE_FIELDS.length);
    this.opts.logger.debug(`nvidia-smi query: ${engines.length === 0 ? 'SM only' : `SM and ${engines.join(', ')}`}`);
  }

  /** Resolves true at the first reading; false when nvidia-smi exits first or after `timeoutMs`. */
  waitForFirstReading(timeoutMs: number): Promise<boolean> {
    if (this.gpus.size > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.firstReading.push((ok) => {
        clearTimeout(t);
        resolve(ok);
      });
    });
  }

  /** GPUs seen so far, by index. */
  gpuInfo(): GpuInfo[] {
    return [...this.gpus.values()].sort((a, b) => a.index - b.index);
  }

  /** Health right now, without ending the interval. */
  get failing(): boolean {
    return this.current !== null;
  }

  /** Ends the report interval: per-GPU stats of its readings and the interval's health. */
  takeInterval(): { gpus: GpuStats[]; health: AgentHealth } {
    let worst = this.intervalWorst;
    if (this.garbled > 0) {
      // Any unreadable line makes the interval unknown: the line may have been a busy GPU we can no longer see.
      worst = worse(worst, error('parse', `${this.garbled} unreadable line(s) from nvidia-smi, e.g. "${this.firstGarbled}"`));
    }
    const health: AgentHealth = this.current ?? worst ?? { state: 'ok' };
    this.intervalWorst = null;
    this.garbled = 0;
    this.firstGarbled = '';
    return { gpus: this.aggregator.take(), health };
  }

  private onLine(line: string): void {
    if (NOT_A_FIELD.test(line)) this.rejected = true;
    const r = parseLine(line, this.fields);
    if (r.kind === 'reading') {
      this.onReading(r.reading);
      return;
    }
    // The shared list also knows the GPU-lost lines ("fallen off the bus") that the parser's own older list misses.
    if (r.code === 'driver' || DRIVER_FAILURE_TEXT.test(r.line)) {
      this.noteDriver(r.line);
      return;
    }
    if (this.garbled === 0) this.firstGarbled = r.line.slice(0, 200);
    this.garbled++;
  }

  private onStderr(line: string): void {
    if (NOT_A_FIELD.test(line)) this.rejected = true;
    this.lastStderr = line.slice(0, 300);
    const r = parseLine(line);
    if (r.kind === 'error' && (r.code === 'driver' || DRIVER_FAILURE_TEXT.test(r.line))) this.noteDriver(r.line);
    else this.opts.logger.debug(`nvidia-smi stderr: ${this.lastStderr}`);
  }

  private noteDriver(line: string): void {
    if (this.driverLine === null) this.opts.logger.warn(`nvidia-smi cannot reach the driver: ${line}`);
    this.driverLine = line;
    this.intervalWorst = worse(this.intervalWorst, error('driver', line));
  }

  private onReading(reading: GpuReading): void {
    if (this.current !== null) {
      this.opts.logger.info('nvidia-smi readings resumed');
      this.current = null;
    }
    this.aggregator.add(reading);
    const known = this.gpus.get(reading.index);
    if (!known || known.uuid !== reading.uuid || known.name !== (reading.name ?? '') || known.memTotalMiB !== reading.memTotalMiB) {
      this.gpus.set(reading.index, {
        index: reading.index,
        uuid: reading.uuid,
        name: reading.name ?? '',
        memTotalMiB: reading.memTotalMiB,
      });
    }
    for (const f of this.firstReading.splice(0)) f(true);
  }

  private onExit(e: ChildExit): void {
    if (e.stopped) return;
    if (this.rejected && this.fields.length > BASE_FIELDS.length) {
      // The driver listed a field its query refuses: fall back to the core query rather than read nothing.
      this.rejected = false;
      this.opts.logger.warn(`nvidia-smi refused the engine fields it listed; reading SM utilization only`);
      this.setFields(BASE_FIELDS);
    } else if (!this.discovered) void this.discover();
    const bin = this.opts.nvidiaSmi;
    const after = `after ${(e.ranMs / 1000).toFixed(1)} s; retrying in ${(e.restartInMs / 1000).toFixed(1)} s`;
    let err: HealthError;
    if (e.errno === 'ENOENT' || e.errno === 'EACCES') {
      const problem = spawnProblem(bin, e.errno, this.opts.env['PATH'], process.getuid?.() ?? null);
      err = error('missing', problem.includes('not found') ? `${problem}; is the NVIDIA driver installed?` : problem);
    } else if (e.errno !== null) err = error('exited', `nvidia-smi could not start (${e.errno}) ${after}`);
    else if (this.driverLine !== null || driverFailureExit(e.code) !== null) {
      err = error('driver', this.driverLine ?? `nvidia-smi exited with code ${e.code}: ${driverFailureExit(e.code)}`);
    } else if (e.stalled) err = error('exited', `nvidia-smi printed nothing for a while and was restarted ${after}`);
    else {
      const how = e.signal ? `signal ${e.signal}` : `code ${e.code}`;
      err = error('exited', `nvidia-smi exited (${how}) ${after}${this.lastStderr ? `: ${this.lastStderr}` : ''}`);
    }
    if (this.current === null || this.current.message !== err.message) {
      const line = `${err.message}${err.code === 'exited' ? '' : ` (retrying in ${(e.restartInMs / 1000).toFixed(1)} s)`}`;
      if (this.current?.code === err.code) this.opts.logger.debug(line);
      else this.opts.logger.warn(line);
    }
    this.current = err;
    this.intervalWorst = worse(this.intervalWorst, err);
    for (const f of this.firstReading.splice(0)) f(false);
  }
}
