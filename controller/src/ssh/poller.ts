// The SSH fallback poller: runs the agent's nvidia-smi query over the system OpenSSH client on hosts with no live
// agent, with bounded concurrency, a hard deadline per host, per-host backoff and one reused connection per host.
import { existsSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SshConfig } from '../config/config';
import { ConfigError } from '../domain/errors';
import { errorMessage, silentLogger, type Logger } from '../log';
import { HostBackoff, DEFAULT_HOST_BACKOFF, type HostBackoffOptions } from './backoff';
import { classify } from './classify';
import { terminalInputOf } from './terminal-input';
import { resolveControlDir } from './control-dir';
import { runCommand } from './run-remote';
import { buildSshArgs, controlCommandArgs, controlSocketName, optionPath, resolveTarget, targetKey, type ResolvedTarget } from './ssh-args';
import { CONNECTION_FAILURES, type SshFailure, type SshFailureCode, type SshResult, type SshTarget } from './ssh-result';

export interface SshPollerOptions {
  config: SshConfig & { dataDir: string };
  logger?: Logger;
  /** Epoch ms clock for t0/t1 and backoff; tests pass their own. */
  now?: () => number;
  /** Reuse one authenticated connection per host between sweeps (ControlMaster/ControlPersist). Default true. */
  reuse?: boolean;
  /** Idle seconds before a master exits by itself; longer than a cycle so the next sweep finds it. Default 300. */
  controlPersistSec?: number;
  backoff?: HostBackoffOptions;
  /** The ssh client; default `ssh` from PATH (the operator's OpenSSH, with its ~/.ssh/config and agent). */
  sshBinary?: string;
}

/** How long closing or checking a master may take before we give up on it. */
const CONTROL_OP_TIMEOUT_MS = 3_000;
const SOCKET_NAME = /^cm-[0-9a-f]{20}$/;

export class SshPoller {
  private readonly cfg: SshConfig & { dataDir: string };
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly ssh: string;
  private readonly knownHostsFile: string;
  private readonly controlDir: string | null;
  private readonly persistSec: number;
  private readonly backoff: HostBackoff;
  private readonly inFlight = new Set<string>();
  /** Hosts whose last poll failed, with the code: only transitions are logged above debug. */
  private readonly failing = new Map<string, SshFailureCode>();
  private closed = false;
  private keyWarned = false;

  constructor(opts: SshPollerOptions) {
    const c = opts.config;
    if (!(c.timeoutSec > 0) || !Number.isInteger(c.concurrency) || c.concurrency < 1) {
      throw new ConfigError('SSH_TIMEOUT_SECONDS', 'the SSH poller needs a positive timeout and a concurrency >= 1');
    }
    this.cfg = c;
    this.log = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
    this.ssh = opts.sshBinary ?? 'ssh';
    this.persistSec = opts.controlPersistSec ?? 300;
    this.backoff = new HostBackoff(opts.backoff ?? DEFAULT_HOST_BACKOFF);
    const dataDir = resolve(c.dataDir);
    mkdirSync(dataDir, { recursive: true });
    this.knownHostsFile = join(dataDir, 'known_hosts');
    try {
      optionPath(this.knownHostsFile);
    } catch (err) {
      throw new ConfigError('DATA_DIR', `cannot be used for ssh's known_hosts file: ${errorMessage(err)}`);
    }
    let controlDir: string | null = null;
    if (opts.reuse ?? true) {
      try {
        const cd = resolveControlDir(dataDir);
        controlDir = cd.dir;
        if (cd.fallback) this.log.info(`ssh: DATA_DIR path too long for control sockets; using ${cd.dir}`);
      } catch (err) {
        this.log.warn(`ssh: connection reuse off, every poll pays a full handshake: ${errorMessage(err)}`);
      }
    }
    this.controlDir = controlDir;
  }

  /** Where the master for `t` listens, or null without connection reuse / for an unsafe target. */
  controlPathFor(t: SshTarget): string | null {
    const r = resolveTarget(t, this.cfg.user);
    if (this.controlDir === null || 'error' in r) return null;
    return join(this.controlDir, controlSocketName(targetKey(r)));
  }

  /**
   * Polls every target once, at most `concurrency` at a time; results in the order of `targets`. Every host gets a
   * result (failures included); it throws only when called after close(). `targets` is the whole list for this cycle:
   * failure state of hosts not in it is forgotten.
   */
  async sweep(targets: readonly SshTarget[]): Promise<SshResult[]> {
    if (this.closed) throw new Error('ssh poller is closed');
    const started = performance.now();
    this.backoff.prune(this.now());
    // Checked each sweep: the operator may add the key file while the controller runs.
    const keyFile = existsSync(this.cfg.keyPath) ? this.cfg.keyPath : null;
    if (keyFile === null && !this.keyWarned && targets.length > 0) {
      this.keyWarned = true;
      this.log.warn(`ssh: SSH_KEY_PATH ${this.cfg.keyPath} does not exist; relying on ssh's own keys and agent`);
    }
    const results: SshResult[] = new Array(targets.length);
    let next = 0;
    const worker = async () => {
      while (next < targets.length) {
        const i = next++;
        const t = targets[i]!;
        try {
          results[i] = await this.pollOne(t, keyFile);
        } catch (err) {
          // pollOne handles every expected failure; this is a bug, but one host must not sink the sweep.
          this.log.error(`ssh poll of ${t.instanceId} failed unexpectedly`, err);
          const at = this.now();
          results[i] = { instanceId: t.instanceId, target: t, ok: false, code: 'unreachable', message: errorMessage(err), t0: at, t1: at, durationMs: 0 };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.cfg.concurrency, targets.length) }, worker));
    this.forgetAbsent(targets);
    this.logSweep(results, performance.now() - started);
    return results;
  }

  private async pollOne(t: SshTarget, keyFile: string | null): Promise<SshResult> {
    const t0 = this.now();
    const skipped = (code: SshFailureCode, message: string): SshFailure => ({
      instanceId: t.instanceId,
      target: t,
      ok: false,
      code,
      message,
      t0,
      t1: t0,
      durationMs: 0,
    });
    const r = resolveTarget(t, this.cfg.user);
    if ('error' in r) return skipped('invalid', r.error);
    const key = targetKey(r);
    if (this.inFlight.has(key)) return skipped('busy', 'the previous poll of this host is still running');
    const blocked = this.backoff.blocked(key, t0);
    if (blocked) {
      return skipped(
        'backoff',
        `not tried after ${blocked.failures} failure(s) (${this.failing.get(key) ?? 'failed'}); next try after ${new Date(blocked.until).toISOString()}`,
      );
    }

    this.inFlight.add(key);
    try {
      const timeoutMs = this.cfg.timeoutSec * 1000;
      const controlPath = this.controlDir === null ? null : join(this.controlDir, controlSocketName(key));
      const args = buildSshArgs(r, {
        // Below the hard deadline so ssh reports what it was waiting for instead of being killed silently.
        connectTimeoutSec: Math.max(1, Math.floor(this.cfg.timeoutSec * 0.7)),
        knownHostsFile: this.knownHostsFile,
        keyFile,
        control: controlPath === null ? null : { path: controlPath, persistSec: this.persistSec },
        serverAliveIntervalSec: 10,
        serverAliveCountMax: 3,
      });
      const run = await runCommand(this.ssh, args, { timeoutMs });
      const t1 = this.now();
      const c = classify(run, timeoutMs);
      if (c.ok) {
        this.backoff.success(key);
        const was = this.failing.get(key);
        if (was !== undefined) {
          this.failing.delete(key);
          this.log.info(`ssh ${r.instanceId}: readings again after ${was}`);
        }
        return {
          instanceId: t.instanceId,
          target: t,
          ok: true,
          gpus: c.gpus,
          procs: null,
          interactive: terminalInputOf(run.stdout, t1),
          t0,
          t1,
          durationMs: run.durationMs,
        };
      }
      if (this.failing.get(key) !== c.code) this.log.warn(`ssh ${r.instanceId} (${r.user}@${r.host}:${r.port}): ${c.code}: ${c.message}`);
      else this.log.debug(`ssh ${r.instanceId}: still ${c.code}: ${c.message}`);
      this.failing.set(key, c.code);
      if (CONNECTION_FAILURES.has(c.code)) {
        this.backoff.failure(key, t0);
        // A master whose host stopped answering would hang every later client until its keepalive gives up.
        if (controlPath !== null) await this.dropMaster(controlPath, r);
      }
      return { instanceId: t.instanceId, target: t, ok: false, code: c.code, message: c.message, t0, t1, durationMs: run.durationMs };
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** True when a master for `t` is up and answers `ssh -O check`. */
  async masterAlive(t: SshTarget): Promise<boolean> {
    const path = this.controlPathFor(t);
    const r = resolveTarget(t, this.cfg.user);
    if (path === null || 'error' in r || !existsSync(path)) return false;
    const run = await runCommand(this.ssh, controlCommandArgs('check', path, r), { timeoutMs: CONTROL_OP_TIMEOUT_MS });
    return run.exitCode === 0;
  }

  private async dropMaster(path: string, t: Pick<ResolvedTarget, 'host' | 'port' | 'user'>): Promise<void> {
    if (!existsSync(path)) return;
    const run = await runCommand(this.ssh, controlCommandArgs('exit', path, t), { timeoutMs: CONTROL_OP_TIMEOUT_MS });
    if (run.exitCode !== 0 && existsSync(path)) {
      // Wedged or dead master: unlink its socket so the next poll starts a fresh one; its keepalive ends it.
      try {
        unlinkSync(path);
      } catch (err) {
        this.log.warn(`ssh: cannot remove control socket ${path}: ${errorMessage(err)}`);
      }
    }
  }

  /**
   * Refuses further sweeps and ends every master in our control directory (also those a previous run left), one
   * `ssh -O exit` each. Call it after the last sweep resolved: a poll still running could start a new master.
   * `keepMasters` skips the exits (fast shutdown): the masters end by themselves after ControlPersist idle seconds,
   * and a controller restarted within that time finds them at the same paths and starts warm.
   */
  async close(opts: { keepMasters?: boolean } = {}): Promise<void> {
    this.closed = true;
    if (this.controlDir === null || opts.keepMasters) return;
    let names: string[];
    try {
      names = readdirSync(this.controlDir).filter((n) => SOCKET_NAME.test(n));
    } catch (err) {
      this.log.warn(`ssh: cannot list control sockets in ${this.controlDir}: ${errorMessage(err)}`);
      return;
    }
    // The control path alone selects the master; the destination is only there because ssh requires one.
    const any = { host: 'localhost', port: this.cfg.port, user: 'root' };
    const queue = [...names];
    const worker = async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) await this.dropMaster(join(this.controlDir!, n), any);
    };
    await Promise.all(Array.from({ length: Math.min(this.cfg.concurrency, queue.length) }, worker));
  }

  private forgetAbsent(targets: readonly SshTarget[]): void {
    if (this.failing.size === 0) return;
    const present = new Set<string>();
    for (const t of targets) {
      const r = resolveTarget(t, this.cfg.user);
      if (!('error' in r)) present.add(targetKey(r));
    }
    for (const k of this.failing.keys()) if (!present.has(k)) this.failing.delete(k);
  }

  private logSweep(results: readonly SshResult[], ms: number): void {
    if (results.length === 0) return;
    const counts = new Map<string, number>();
    for (const r of results) {
      const k = r.ok ? 'ok' : r.code;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const parts = [...counts.entries()].map(([k, n]) => `${n} ${k}`).join(', ');
    this.log.info(`ssh sweep: ${results.length} host(s) in ${(ms / 1000).toFixed(1)} s: ${parts}`);
  }
}
