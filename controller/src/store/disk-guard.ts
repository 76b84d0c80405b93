// The disk guard: below a free-space floor on the database's file system nothing new is stored, so the controller
// never half-writes its database, and what is not stored is a gap to the engine (a gap never pauses anything).
import { statfsSync } from 'node:fs';
import type { Logger } from '../log';

export interface DiskGuardOptions {
  /** Directory whose file system holds the database. */
  dir: string;
  /** Free space below which samples are refused, MiB; 0 turns the guard off. */
  minFreeMb: number;
  /** How often free space is read (a statfs per check). Default 5 s. */
  checkIntervalMs?: number;
  logger: Logger;
  now?: () => number;
  /** Free bytes of the file system holding `dir`; tests replace it. */
  freeBytes?: (dir: string) => number;
}

export const freeBytesOf = (dir: string): number => {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
};

export class DiskGuard {
  private low = false;
  private checkedAt = -Infinity;
  private readonly minFreeBytes: number;
  private readonly everyMs: number;
  private readonly now: () => number;
  private readonly freeBytes: (dir: string) => number;

  constructor(private readonly opts: DiskGuardOptions) {
    if (!(opts.minFreeMb >= 0)) throw new Error('DiskGuard: minFreeMb must be >= 0');
    this.minFreeBytes = opts.minFreeMb * 1024 * 1024;
    this.everyMs = opts.checkIntervalMs ?? 5_000;
    this.now = opts.now ?? Date.now;
    this.freeBytes = opts.freeBytes ?? freeBytesOf;
  }

  /** Why nothing may be stored now, or null. Reads free space at most once per interval; logs each transition once. */
  refusal(): string | null {
    if (this.minFreeBytes <= 0) return null;
    const t = this.now();
    if (t - this.checkedAt >= this.everyMs) {
      this.checkedAt = t;
      const { dir, logger } = this.opts;
      let free: number;
      try {
        free = this.freeBytes(dir);
      } catch (err) {
        // Unknown free space must not stop ingest of a working disk; the failure is logged each check.
        logger.error(`reading free space of ${dir} failed; samples keep being stored`, err);
        free = Infinity;
      }
      const low = free < this.minFreeBytes;
      const mb = Math.floor(free / 1048576);
      if (low && !this.low) {
        logger.error(
          `disk: ${mb} MiB free in ${dir}, below MIN_FREE_DISK_MB=${this.opts.minFreeMb}: refusing new samples (agents keep them and retry; instances without data are never paused)`,
        );
      } else if (!low && this.low) {
        logger.info(`disk: ${mb} MiB free in ${dir} again; storing samples`);
      }
      this.low = low;
    }
    return this.low ? `controller disk below its free-space floor (MIN_FREE_DISK_MB=${this.opts.minFreeMb}); batch not stored, retry later` : null;
  }
}
