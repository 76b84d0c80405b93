// Starts the real controller (the composition root: store, ingest, optimizer, HTTP on a real socket) inside the test
// process, on a free port with a temp DATA_DIR, capturing log lines so tests can check what was logged. By default no
// provider, no SSH and no cycle loop: a test that wants them says so in `opts`.
import { parseConfig } from '../../controller/src/config/config';
import { createLogger } from '../../controller/src/log';
import { type ControllerOverrides, type RunningController, startController } from '../../controller/src/compose/start-controller';
import { makeTempDir, type TempDir } from './temp-dir';

export interface TestController {
  server: RunningController;
  url: string;
  wsUrl: string;
  dir: TempDir;
  logs: string[];
  /** The admin credential (ADMIN_TOKEN or the generated one) as request headers. */
  adminHeaders(): Record<string, string>;
  stop(): Promise<void>;
}

export async function startTestController(env: Record<string, string> = {}, opts: Omit<ControllerOverrides, 'logger'> = {}): Promise<TestController> {
  const dir = makeTempDir('co-ctl-');
  const logs: string[] = [];
  const config = parseConfig({ DATA_DIR: dir.path, PORT: '0', HOST: '127.0.0.1', ...env });
  const logger = createLogger({ level: 'debug', secrets: [config.adminToken], sink: (_l, line) => logs.push(line) });
  const server = await startController(config, { logger, providers: [], sshPoller: null, loop: false, ...opts });
  let stopped = false;
  return {
    server,
    url: server.url,
    wsUrl: server.url.replace(/^http/, 'ws') + '/agent',
    dir,
    logs,
    adminHeaders: () => ({ authorization: `Bearer ${server.config.adminToken}` }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      dir.cleanup();
    },
  };
}

/** Polls `check` until it returns true (or a value other than false/undefined); fails after timeoutMs. */
export async function waitFor<T>(check: () => T | false | undefined | Promise<T | false | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== false && v !== undefined) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
