// A real nginx in front of a controller, as docs/tls.md tells users to run it: TLS on its port, plain HTTP to the
// controller on loopback, WebSocket upgrade on /agent, X-Forwarded-* set. Or a load balancer in front of several
// replicas (docs/scale-out.md). Temporary prefix, stopped with SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? null;

/** A foreground nginx with every file in `dir`, up to the opening of its http block. */
function preamble(dir: string): string {
  return `daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'tmp')};
  proxy_temp_path ${join(dir, 'tmp')};
  fastcgi_temp_path ${join(dir, 'tmp')};
  uwsgi_temp_path ${join(dir, 'tmp')};
  scgi_temp_path ${join(dir, 'tmp')};
`;
}

/** The server block of docs/tls.md with test paths filled in. */
export function nginxConfig(o: { dir: string; listenPort: number; upstreamPort: number; certFile: string; keyFile: string }): string {
  return `${preamble(o.dir)}
  # --- from docs/tls.md ---
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${o.listenPort} ssl;
    ssl_certificate ${o.certFile};
    ssl_certificate_key ${o.keyFile};
    location / {
      proxy_pass http://127.0.0.1:${o.upstreamPort};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host:$server_port;
      proxy_set_header X-Forwarded-For $remote_addr;
    }
    location = /agent {
      proxy_pass http://127.0.0.1:${o.upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
    }
  }
  # --- end ---
}
`;
}

/** Plain HTTP on `listenPort`, balanced over `upstreamPorts` (replicas), WebSocket upgrades passed through. */
export function nginxBalancerConfig(o: { dir: string; listenPort: number; upstreamPorts: readonly number[] }): string {
  return `${preamble(o.dir)}
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream replicas {
${o.upstreamPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=30s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${o.listenPort};
    location / {
      proxy_pass http://replicas;
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
    }
  }
}
`;
}

export interface RunningNginx {
  proc: ChildProcess;
  stop(): Promise<void>;
}

export function startNginx(o: { dir: string; listenPort: number; upstreamPort: number; certFile: string; keyFile: string }): Promise<RunningNginx> {
  return runNginx(o.dir, o.listenPort, nginxConfig(o));
}

/** nginx balancing plain HTTP and WebSockets over several replicas (nginxBalancerConfig). */
export function startNginxBalancer(o: { dir: string; listenPort: number; upstreamPorts: readonly number[] }): Promise<RunningNginx> {
  return runNginx(o.dir, o.listenPort, nginxBalancerConfig(o));
}

async function runNginx(dir: string, listenPort: number, config: string): Promise<RunningNginx> {
  if (NGINX === null) throw new Error('nginx is not installed');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, config);
  const proc = spawn(NGINX, ['-p', dir, '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  // Up when the port accepts connections; nginx prints nothing on success.
  const { connect } = await import('node:net');
  for (let i = 0; ; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(listenPort, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) break;
    if (proc.exitCode !== null || i > 200) throw new Error(`nginx did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}
