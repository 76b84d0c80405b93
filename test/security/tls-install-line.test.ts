// The install line printed by `cost-optimizer token create` on a fresh host (the installer tests' temporary root):
// run as printed, it installs the real agent over pinned TLS and the agent streams to the real controller. The same
// line with another pin (a man in the middle answering for the controller) installs nothing and sends nothing.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, ROOT } from '../helpers/build';
import { freePort } from '../helpers/free-port';
import { waitFor } from '../helpers/in-process-controller';
import { freshHost, runLine } from '../helpers/fresh-host';
import { contentOf, killLeftovers, modeOf, snapshot } from '../helpers/install-host';
import { storedSeqs } from '../helpers/sample-db';
import { killAllControllers, spawnController, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { selfSigned } from '../helpers/tls-certs';

const dir = makeTempDir('co-sec-line-');
const roots: string[] = [];
let ctl: SpawnedController;
let env: Record<string, string>;
let pin: string;

beforeAll(async () => {
  ensureBuilt();
  const port = await freePort();
  const cert = selfSigned(dir.path, 'controller');
  pin = cert.pin;
  env = {
    PORT: String(port),
    TLS_CERT_FILE: cert.certFile,
    TLS_KEY_FILE: cert.keyFile,
    ADMIN_TOKEN: 'admin-token-for-install-line-0123456789',
    PUBLIC_URL: `https://127.0.0.1:${port}`,
  };
  ctl = await spawnController({ dataDir: join(dir.path, 'data'), env });
});
afterAll(() => {
  for (const r of roots) killLeftovers(r);
  killAllControllers();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
  dir.cleanup();
});

function tokenCreate(id: string): { token: string; line: string } {
  const out = execFileSync(process.execPath, [CLI, 'token', 'create', id], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp', DATA_DIR: ctl.dataDir, ...env },
    encoding: 'utf8',
  });
  const [token, line] = out.split('\n');
  return { token: token!, line: line! };
}

describe('the install line from token create', () => {
  it('installs on a fresh host and the agent streams over pinned TLS, with nothing else typed', async () => {
    const { token, line } = tokenCreate('manual:fresh-host');
    expect(line).toContain(`--pinnedpubkey '${pin}'`);
    expect(line).toContain('--proto =https');
    const host = freshHost();
    roots.push(...host.dirs);
    const r = await runLine(line, host);
    expect(r.out).not.toContain(token);
    expect(r.code, r.out).toBe(0);
    const envFile = join(host.root, 'etc/cost-optimizer/agent.env');
    expect(modeOf(envFile)).toBe('600');
    const written = readFileSync(envFile, 'utf8');
    expect(written).toContain(`CONTROLLER_PIN='${pin}'`);
    expect(written).toContain(`CONTROLLER_URL='wss://127.0.0.1:${ctl.port}/agent'`);
    await waitFor(
      () => (storedSeqs(ctl.dataDir).find((s) => s.instanceId === 'manual:fresh-host')?.seqs.length ?? 0) >= 2,
      60_000,
      'the installed agent streaming',
    );
    execFileSync('/usr/bin/dash', [join(host.root, 'opt/cost-optimizer/supervise'), 'stop']);
  });

  it('with another pin (an impostor answering for the controller) installs nothing', async () => {
    const { line } = tokenCreate('manual:mitm-host');
    const wrong = selfSigned(dir.path, 'impostor').pin;
    const host = freshHost();
    roots.push(...host.dirs);
    const before = contentOf(snapshot(host.root));
    const r = await runLine(line.split(pin).join(wrong), host);
    // curl | sh: curl refuses the key before sending the request, so sh reads an empty script (and exits 0).
    expect(r.out).toMatch(/curl: \(90\)|pinned public key/i);
    expect(contentOf(snapshot(host.root))).toEqual(before);
    expect(storedSeqs(ctl.dataDir).find((s) => s.instanceId === 'manual:mitm-host')).toBeUndefined();
  });
});
