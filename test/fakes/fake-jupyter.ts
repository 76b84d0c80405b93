// A stand-in for a running Jupyter server (jupyter_server is not installable here): a loopback HTTP server that
// answers `GET <base_url>api/kernels` as jupyter_server does (a JSON list of kernel models with id, name,
// last_activity, execution_state, connections), only with `Authorization: token <token>` (403 otherwise), and the
// runtime file jpserver-<pid>.json that `jupyter server list` finds it by, in the given runtime directory.
import { writeFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface FakeKernel {
  execution_state: 'idle' | 'busy' | 'starting';
  /** ISO time. */
  last_activity: string;
}

export interface FakeJupyter {
  port: number;
  runtimeFile: string;
  /** Authorization headers seen, in order. */
  auth: (string | undefined)[];
  setKernels(k: FakeKernel[]): void;
  close(): Promise<void>;
}

export async function startFakeJupyter(opts: {
  runtimeDir: string;
  token: string;
  kernels?: FakeKernel[];
  baseUrl?: string;
  pid?: number;
}): Promise<FakeJupyter> {
  let kernels = opts.kernels ?? [];
  const base = opts.baseUrl ?? '/';
  const auth: (string | undefined)[] = [];
  const server: Server = createServer((req, res) => {
    auth.push(req.headers.authorization);
    if (req.headers.authorization !== `token ${opts.token}`) {
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Forbidden', reason: null }));
      return;
    }
    if (req.method !== 'GET' || req.url !== `${base}api/kernels`) {
      res.writeHead(404).end();
      return;
    }
    const body = kernels.map((k, i) => ({ id: `0d6f6c3e-5a7b-4c1e-9f00-00000000000${i}`, name: 'python3', connections: 1, ...k }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const pid = opts.pid ?? process.pid;
  const runtimeFile = join(opts.runtimeDir, `jpserver-${pid}.json`);
  // The fields jupyter_server's ServerApp.server_info() writes.
  writeFileSync(
    runtimeFile,
    JSON.stringify(
      {
        base_url: base,
        hostname: 'localhost',
        password: false,
        pid,
        port,
        root_dir: '/root',
        secure: false,
        sock: '',
        token: opts.token,
        url: `http://localhost:${port}${base}`,
        version: '2.14.2',
      },
      null,
      1,
    ),
    { mode: 0o600 },
  );
  return {
    port,
    runtimeFile,
    auth,
    setKernels: (k) => (kernels = k),
    close: () =>
      new Promise<void>((r) => {
        rmSync(runtimeFile, { force: true });
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
