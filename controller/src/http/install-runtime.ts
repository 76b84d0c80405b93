// The Node runtime the controller serves to GPU hosts without Node >= 18: its platform, its sha256 and a gzip copy cached on disk.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { type Logger, silentLogger } from '../log';

export type Libc = 'glibc' | 'musl';

/** What /runtime/info reports; install.sh compares os-arch-libc with `uname` on the host. */
export interface RuntimePlatform {
  os: string;
  arch: string;
  libc: Libc;
  /** `node --version` of the binary, e.g. `v20.20.2`. */
  version: string;
}

export interface RuntimeInfo extends RuntimePlatform {
  sha256: string;
  size: number;
}

export interface RuntimeSourceOptions {
  /** The node binary to serve; default process.execPath (the controller's own node). */
  path?: string;
  /** Platform of that binary; default: this process's (right when path is process.execPath). */
  platform?: Partial<RuntimePlatform>;
  /** Where the gzip copy is kept; default a private directory made under the OS temp dir. */
  cacheDir?: string | null;
  logger?: Logger;
}

let libc: Libc | null = null;

/** The libc this process runs on: glibc builds report their glibc version in the diagnostic report header (~30 ms, once). */
export function currentLibc(): Libc {
  if (libc === null) {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    libc = report?.header?.glibcVersionRuntime ? 'glibc' : 'musl';
  }
  return libc;
}

function versionOf(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, ['--version'], { timeout: 10_000 }, (err, stdout) => {
      if (err) reject(new Error(`cannot run ${path} --version: ${err.message}`));
      else resolve(stdout.trim());
    });
  });
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * One served runtime binary. The hash and the gzip copy are computed once per file version (size + mtime)
 * and shared by concurrent requests: hashing takes ~0.3 s and gzip ~3 s for a 100 MB node.
 */
export class ServedRuntime {
  readonly path: string;
  private readonly platform: Partial<RuntimePlatform>;
  private readonly logger: Logger;
  private cacheDir: string | null;
  private cached: { key: string; info: Promise<RuntimeInfo> } | null = null;
  private gz: { sha256: string; path: Promise<string> } | null = null;

  constructor(opts: RuntimeSourceOptions = {}) {
    this.path = opts.path ?? process.execPath;
    const own = this.path === process.execPath;
    // libc is left to computeInfo (currentLibc() by default): it costs a diagnostic report.
    this.platform = { ...(own ? { os: process.platform, arch: process.arch, version: process.version } : {}), ...opts.platform };
    this.cacheDir = opts.cacheDir ?? null;
    this.logger = opts.logger ?? silentLogger;
  }

  /** Platform, version, size and sha256 of the binary as it is on disk now. */
  async info(): Promise<RuntimeInfo> {
    const st = await stat(this.path);
    const key = `${st.size}:${st.mtimeMs}`;
    if (this.cached?.key !== key) {
      const info = this.computeInfo(st.size);
      this.cached = { key, info };
      // A failure is not cached: the next request tries again.
      info.catch(() => {
        if (this.cached?.info === info) this.cached = null;
      });
    }
    return this.cached.info;
  }

  private async computeInfo(size: number): Promise<RuntimeInfo> {
    const [sha256, version] = await Promise.all([hashFile(this.path), this.platform.version ?? versionOf(this.path)]);
    return {
      os: this.platform.os ?? process.platform,
      arch: this.platform.arch ?? process.arch,
      libc: this.platform.libc ?? currentLibc(),
      version,
      sha256,
      size,
    };
  }

  /** Path of a gzip copy of the binary, made on first use and kept while the binary is unchanged. */
  async gzipPath(): Promise<string> {
    const { sha256 } = await this.info();
    if (this.gz?.sha256 !== sha256) {
      const path = this.makeGzip(sha256);
      this.gz = { sha256, path };
      path.catch((err: unknown) => {
        this.logger.error('install: cannot make the gzip copy of the Node runtime', err);
        if (this.gz?.path === path) this.gz = null;
      });
    }
    return this.gz.path;
  }

  private async makeGzip(sha256: string): Promise<string> {
    const dir = await this.ensureCacheDir();
    const final = join(dir, `node-${sha256}.gz`);
    const exists = await stat(final).then(
      () => true,
      () => false,
    );
    if (exists) return final;
    const partial = join(dir, `.node-${randomBytes(6).toString('hex')}.gz.part`);
    try {
      await pipeline(createReadStream(this.path), createGzip({ level: 6 }), createWriteStream(partial, { mode: 0o644 }));
      await rename(partial, final);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    this.logger.info(`install: cached a gzip copy of the Node runtime in ${final}`);
    // Copies of earlier node versions (before an upgrade of the controller's node) are never served again.
    for (const name of await readdir(dir)) {
      if (/^node-[0-9a-f]{64}\.gz$/.test(name) && join(dir, name) !== final) await rm(join(dir, name), { force: true });
    }
    return final;
  }

  private async ensureCacheDir(): Promise<string> {
    if (this.cacheDir === null) {
      // A fresh private directory: a predictable name in a shared /tmp could be pre-created by someone else.
      this.cacheDir = await mkdtemp(join(tmpdir(), 'cost-optimizer-runtime-'));
    } else {
      await mkdir(this.cacheDir, { recursive: true, mode: 0o700 });
    }
    return this.cacheDir;
  }
}
