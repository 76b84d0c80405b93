// Wires the agent together: nvidia-smi readers -> per-interval batches -> bounded buffer -> controller link.
import { randomUUID } from 'node:crypto';
import { type AgentHealth, type Batch, type Hello, type HostFacts, type Identity, PROTOCOL_VERSION } from '../../protocol';
import type { Logger } from '../../protocol/log';
import { HostActivityReader } from './activity/host-activity';
import { InteractiveWatch } from './activity/interactive-watch';
import { readInhibitions } from './inhibit/inhibit-entry';
import { BatchBuffer } from './batch-buffer';
import type { AgentConfig } from './config';
import { collectHostFacts } from './host-facts';
import { detectIdentity } from './identity';
import { GpuReader } from './nvidia-smi/read';
import { ProcsReader } from './nvidia-smi/procs';
import { PreparePauseHandler } from './prepare-pause';
import { AGENT_VERSION } from './version';
import { ControllerLink } from './ws-client';
import { agentNow } from './clock';

/** The protocol carries at most this many GPUs per batch and hello. */
const MAX_GPUS = 64;

export interface AgentDeps {
  logger: Logger;
  /** Injectable for tests; defaults collect them for real. */
  hostFacts?: () => Promise<HostFacts>;
  identity?: () => Promise<Identity>;
  /** Shorter delays for tests. */
  tuning?: {
    readerBackoffMinMs?: number;
    wsBackoffMinMs?: number;
    wsBackoffMaxMs?: number;
    pingIntervalMs?: number;
    checkpointKillGraceMs?: number;
  };
}

export class Agent {
  readonly runId = randomUUID();
  readonly buffer: BatchBuffer;
  readonly reader: GpuReader;
  readonly procs: ProcsReader;
  readonly connection: ControllerLink;
  readonly interactive: InteractiveWatch;
  readonly hostActivity: HostActivityReader;
  private reportIntervalMs: number;
  private seq = 0;
  private t0 = agentNow();
  private reportTimer: NodeJS.Timeout | null = null;
  private host: HostFacts | null = null;
  private identity: Identity = { provider: null, providerId: null, source: 'none' };
  private stopped = false;

  constructor(
    /** The token is resolved by then: AGENT_TOKEN, or the one enrolment kept (main.ts). */
    private readonly config: AgentConfig & { token: string },
    private readonly deps: AgentDeps,
  ) {
    const { logger, tuning = {} } = deps;
    this.reportIntervalMs = config.reportIntervalMs;
    this.buffer = new BatchBuffer(this.runId, config.bufferMaxBatches);
    this.reader = new GpuReader({
      nvidiaSmi: config.nvidiaSmi,
      sampleIntervalMs: config.sampleIntervalMs,
      env: config.childEnv,
      logger,
      backoffMinMs: tuning.readerBackoffMinMs,
    });
    this.procs = new ProcsReader({
      nvidiaSmi: config.nvidiaSmi,
      reportIntervalMs: config.reportIntervalMs,
      env: config.childEnv,
      logger,
      backoffMinMs: tuning.readerBackoffMinMs,
    });
    // Read at report interval, not per sample: the batch carries the latest reading.
    this.interactive = new InteractiveWatch({
      terminalsDir: config.terminalsDir,
      jupyterRuntimeDirs: config.jupyterRuntimeDirs,
      homesDir: config.homesDir,
      intervalMs: config.reportIntervalMs,
      logger,
    });
    this.hostActivity = new HostActivityReader({ hostProc: config.hostProc, hostSys: config.hostSys, logger });
    const pause = new PreparePauseHandler({
      command: config.checkpointCmd,
      maxTimeoutMs: config.checkpointTimeoutMs,
      env: config.childEnv,
      logger,
      killGraceMs: tuning.checkpointKillGraceMs,
    });
    this.connection = new ControllerLink({
      urls: config.controllerUrls,
      token: config.token,
      pin: config.controllerPin,
      runId: this.runId,
      buffer: this.buffer,
      logger,
      userAgent: `cost-optimizer-agent/${AGENT_VERSION}`,
      instanceClaim: () =>
        this.identity.provider === null || this.identity.providerId === null ? null : `${this.identity.provider}:${this.identity.providerId}`,
      hello: () => this.hello(),
      onWelcome: (w) => {
        const ms = w.config.reportIntervalMs;
        if (ms !== undefined && ms !== this.reportIntervalMs && ms >= config.sampleIntervalMs) {
          logger.info(`controller asks for reports every ${ms} ms (was ${this.reportIntervalMs} ms)`);
          this.reportIntervalMs = ms;
        }
      },
      onPreparePause: (req) => pause.handle(req),
      // Three report intervals (30 s by default); never under 15 s, so compressed test timings on a busy
      // machine do not tear down a healthy link while the controller commits.
      ackTimeoutMs: () => Math.max(15_000, 3 * this.reportIntervalMs),
      backoffMinMs: tuning.wsBackoffMinMs,
      backoffMaxMs: tuning.wsBackoffMaxMs,
      pingIntervalMs: tuning.pingIntervalMs,
    });
  }

  /** nvidia-smi processes started so far (both readers, restarts included). */
  get spawnCount(): number {
    return this.reader.spawnCount + this.procs.spawnCount;
  }

  async start(): Promise<void> {
    const { logger } = this.deps;
    logger.info(`agent ${AGENT_VERSION} starting (run ${this.runId}); controller ${this.config.controllerUrls.join(', ')}`);
    this.t0 = agentNow();
    this.reader.start();
    this.procs.start();
    this.interactive.start();
    this.hostActivity.prime();
    this.scheduleReport();
    const [host, identity] = await Promise.all([
      (this.deps.hostFacts ?? (() => collectHostFacts({ logger })))(),
      (
        this.deps.identity ??
        (() =>
          detectIdentity({
            instanceIdOverride: this.config.instanceId,
            vastContainerId: this.config.vastContainerId,
            logger,
          }))
      )(),
      // The hello lists the GPUs: give nvidia-smi time to print its first reading (it ends early if nvidia-smi fails).
      this.reader.waitForFirstReading(5000),
    ]);
    this.host = host;
    this.identity = identity;
    logger.info(
      `host ${host.hostname}, ${this.reader.gpuInfo().length} GPU(s) seen, identity ${identity.provider ?? '-'}:${identity.providerId ?? '-'} (${identity.source})`,
    );
    if (!this.stopped) this.connection.start();
  }

  /** Stop readers, send the last partial batch if connected, close with 1000. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.reportTimer) clearTimeout(this.reportTimer);
    this.reportTimer = null;
    this.interactive.stop();
    await Promise.all([this.reader.stop(), this.procs.stop()]);
    if (this.connection.ready) {
      this.report();
      await this.connection.waitForAcks(2000);
    }
    await this.connection.close();
    this.deps.logger.info('agent stopped');
  }

  private scheduleReport(): void {
    // Anchored to t0 so intervals do not drift by the timer's lateness.
    const due = Math.max(0, this.t0 + this.reportIntervalMs - agentNow());
    this.reportTimer = setTimeout(() => {
      this.report();
      if (!this.stopped) this.scheduleReport();
    }, due);
  }

  /** Ends the current interval: builds its batch, buffers it and sends whatever the link can take. */
  report(): Batch {
    const t1 = Math.max(this.t0, agentNow());
    const { gpus, health } = this.reader.takeInterval();
    const procs = this.procs.take(this.t0, t1);
    const batch: Batch = {
      v: PROTOCOL_VERSION,
      type: 'batch',
      runId: this.runId,
      seq: ++this.seq,
      t0: this.t0,
      t1,
      sentAt: t1,
      gpus: gpus.slice(0, MAX_GPUS),
      // nvidia-smi trouble makes the count meaningless too.
      procs: health.state === 'error' ? null : procs,
      health: this.tooManyGpus(gpus.length, health),
      dropped: this.buffer.dropped,
    };
    const interactive = this.interactive.latest();
    if (interactive !== undefined) batch.interactive = interactive;
    // Work the GPU cannot see: a few small file reads per report, no child process.
    batch.host = this.hostActivity.take();
    batch.inhibitions = this.inhibitions(t1);
    this.t0 = t1;
    this.buffer.push(batch);
    this.connection.flush();
    return batch;
  }

  /** The inhibitions in force now, on the agent's clock (entries carry wall-clock times). */
  private inhibitions(nowAgent: number): NonNullable<Batch['inhibitions']> {
    const wall = Date.now();
    const shift = nowAgent - wall;
    return readInhibitions(this.config.inhibitDir, this.config.hostProc, wall)
      .slice(0, 16)
      .map((i) => ({ ...i, since: Math.max(0, i.since + shift), until: Math.max(0, i.until + shift) }));
  }

  private tooManyGpus(n: number, health: AgentHealth): AgentHealth {
    if (n <= MAX_GPUS || health.state === 'error') return health;
    // GPUs beyond the protocol's limit are not reported: the interval cannot be called idle.
    return { state: 'error', code: 'parse', message: `${n} GPUs; only the first ${MAX_GPUS} are reported` };
  }

  private hello(): Hello {
    return {
      v: PROTOCOL_VERSION,
      type: 'hello',
      agentVersion: AGENT_VERSION.slice(0, 64),
      runId: this.runId,
      sentAt: agentNow(),
      host: this.host ?? {
        hostname: '',
        os: '',
        kernel: '',
        arch: '',
        cpuModel: '',
        cpuCores: 0,
        memTotalMiB: 0,
        nodeVersion: process.version,
      },
      identity: this.identity,
      gpus: this.reader.gpuInfo().slice(0, MAX_GPUS),
      sampleIntervalMs: this.config.sampleIntervalMs,
      reportIntervalMs: this.reportIntervalMs,
      checkpointConfigured: this.config.checkpointCmd !== null,
    };
  }
}
