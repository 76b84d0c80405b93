// `node dist/cli.mjs doctor` from a bare shell against real things on loopback: the Vast.ai fake, a real sshd running
// the fake nvidia-smi, a webhook receiver, openssl-made certificates and a SQLite store with an agent's samples. A
// sound set-up passes every line (exit 0); each kind of failure exits 1 with its named line and its fix; no secret of
// the settings ever appears in the output.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../controller/src/config/config';
import { openControllerStore } from '../../controller/src/compose/open-store';
import { FAKE_NVIDIA_SMI, writeFakeState } from '../../controller/src/fake-world/fake-nvidia-smi';
import { fakeBinDir, generateKeyPair, startSshd, type Sshd } from '../../controller/src/fake-world/sshd';
import { startVastFake, vastInstance, type VastFake } from '../../controller/src/fake-world/vast-fake';
import { spkiPin } from '../../controller/src/tls/pin';
import { CLI, ensureBuilt } from '../helpers/build';
import { gpus, OK } from '../helpers/gpu-stats';
import { makeTempDir } from '../helpers/temp-dir';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const tmp = makeTempDir('co-e2e-doctor-');
const shell = join(tmp.path, 'shell');
const ADMIN = 'doctor-admin-token-0123456789abcdef';
const WEBHOOK_PATH = '/services/T0DOCTOR/B0DOCTOR/hooksecretXYZ123456';
let vast: VastFake;
let sshd: Sshd;
let hook: WebhookReceiver;
let goneHook: { url: string; close(): Promise<void> };
let key: string;
let strangerKey: string;
let cert: { certFile: string; keyFile: string; pin: string };
let otherKey: string;
let agentToken: string;

/** A self-signed EC certificate valid for a year (the helper's last two days, which doctor would warn about). */
function yearCert(name: string): { certFile: string; keyFile: string; pin: string } {
  const certFile = join(tmp.path, `${name}.crt`);
  const keyFile = join(tmp.path, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '365',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    {
      stdio: 'ignore',
    },
  );
  chmodSync(keyFile, 0o600);
  return { certFile, keyFile, pin: spkiPin(readFileSync(certFile)) };
}

/** A webhook whose hook was revoked: every POST gets 404 (Slack answers `no_service`). */
async function startGoneHook(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = 404;
      res.end('no_service');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${WEBHOOK_PATH}`, close: () => new Promise((r) => server.close(() => r())) };
}

function goodEnv(dataDir = join(tmp.path, 'data')): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    ADMIN_TOKEN: ADMIN,
    VAST_API_KEY: vast.apiKey,
    VAST_API_URL: vast.url,
    TLS_CERT_FILE: cert.certFile,
    TLS_KEY_FILE: cert.keyFile,
    PUBLIC_URL: 'https://gpu-controller.example:8443',
    WEBHOOK_URL: hook.url,
    SSH_USER: sshd.user,
    SSH_KEY_PATH: key,
    SSH_TIMEOUT_SECONDS: '10',
  };
}

/** Runs the CLI without blocking this process: the Vast.ai fake and the webhook receiver answer from its event loop. */
async function doctor(env: Record<string, string>, args: string[] = []) {
  const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, 'doctor', ...args],
      { cwd: shell, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: shell, ...env }, encoding: 'utf8', timeout: 60_000 },
      (_err, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }),
    );
  });
  const out = r.stdout + r.stderr;
  // No run, passing or failing, prints a secret of its settings.
  for (const secret of [ADMIN, vast.apiKey, 'wrong-key-0000000000', WEBHOOK_PATH, 'hooksecretXYZ123456', agentToken]) expect(out).not.toContain(secret);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, out };
}

/** A store in `dataDir` with an agent token for vast:901 whose last sample ended `ageMs` ago. */
function storeWithAgent(dataDir: string, ageMs: number): string {
  mkdirSync(dataDir, { recursive: true });
  const store = openControllerStore(parseConfig({ DATA_DIR: dataDir }));
  try {
    const now = Date.now();
    const token = store.createToken('vast:901', now - 3_600_000);
    const t1 = now - ageMs;
    store.insertSamples(
      [{ instanceId: 'vast:901', source: 'agent', t0: t1 - 10_000, t1, gpus: gpus(1, 50), procs: 1, health: OK, run: { runId: 'run-1', seq: 1 } }],
      now,
    );
    return token;
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(shell, { recursive: true });
  key = (await generateKeyPair(join(tmp.path, 'id_ed25519'))).privateKey;
  strangerKey = (await generateKeyPair(join(tmp.path, 'stranger_ed25519'))).privateKey;
  const state = join(tmp.path, 'gpu.json');
  writeFakeState(state, { gpus: [{ util: 0 }, { util: 0 }] });
  sshd = await startSshd({
    dir: join(tmp.path, 'sshd'),
    authorizedKeys: [`${key}.pub`],
    binDir: fakeBinDir(join(tmp.path, 'sshd'), FAKE_NVIDIA_SMI),
    env: { FAKE_NVIDIA_SMI_STATE: state },
  });
  const start = Math.floor(Date.now() / 1000) - 7200;
  vast = await startVastFake({
    instances: [
      vastInstance({ id: 901, startDate: start, raw: { ssh_host: '127.0.0.1', ssh_port: sshd.port } }),
      vastInstance({ id: 902, startDate: start, raw: { ssh_host: null, ssh_port: null } }),
    ],
  });
  hook = await startWebhookReceiver(WEBHOOK_PATH);
  goneHook = await startGoneHook();
  cert = yearCert('controller');
  otherKey = yearCert('other').keyFile;
  agentToken = storeWithAgent(join(tmp.path, 'data'), 10_000);
}, 120_000);

afterAll(async () => {
  await sshd?.stop();
  await vast?.close();
  await hook?.close();
  await goneHook?.close();
  tmp.cleanup();
});

describe('cost-optimizer doctor (the built CLI)', () => {
  it('passes every check on a sound set-up, in order, with the pin token create prints and a delivered test message', { timeout: 90_000 }, async () => {
    const r = await doctor(goodEnv(), ['--send-test', '--ssh', 'vast:901']);
    expect(r.stderr).toBe('');
    expect(r.code, r.out).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      'ok   config',
      'ok   database',
      'ok   Vast.ai',
      'ok   TLS',
      'ok   webhook',
      'ok   SSH key',
      'ok   known_hosts',
      'ok   SSH vast',
      'ok   agents',
    ]);
    expect(r.stdout).toContain(`pin ${cert.pin} (what \`token create\` prints)`);
    expect(r.stdout).toMatch(/ok {3}webhook: http:\/\/127\.0\.0\.1:\d+\/\*\*\*: test message delivered/);
    expect(hook.texts.some((t) => t.includes('cost-optimizer doctor'))).toBe(true);
    expect(r.stdout).toMatch(/ok {3}SSH key: .*id_ed25519 \(ssh-ed25519 SHA256:\S+, mode 0600\)/);
    expect(r.stdout).toMatch(/ok {3}SSH vast:901: \S+@127\.0\.0\.1:\d+: nvidia-smi answered in \d+ ms, 2 GPUs/);
    expect(r.stdout).toContain('ok   agents: 1 connected, 0 silent, 0 never seen');
    // Without --send-test nothing is sent: the shape alone.
    const sent = hook.texts.length;
    const shapeOnly = await doctor(goodEnv());
    expect(shapeOnly.code, shapeOnly.out).toBe(0);
    expect(shapeOnly.stdout).toContain('(shape only; --send-test sends a test message)');
    expect(hook.texts.length).toBe(sent);
  });

  it('names Vast.ai when the key is refused', { timeout: 60_000 }, async () => {
    const r = await doctor({ ...goodEnv(), VAST_API_KEY: 'wrong-key-0000000000' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL Vast\.ai: the API key was refused \(401\); fix: check VAST_API_KEY in the controller's settings/m);
    expect(r.stderr).toContain('cost-optimizer doctor: failed: Vast.ai');
  });

  it('names the database when DATA_DIR cannot hold it', { timeout: 60_000 }, async () => {
    const file = join(tmp.path, 'not-a-dir');
    writeFileSync(file, '');
    const r = await doctor({ ...goodEnv(), DATA_DIR: file });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL database: .*; fix: make DATA_DIR \(.*not-a-dir\) writable/m);
    expect(r.stdout).toMatch(/^FAIL agents: not checked: the database did not open/m);
  });

  it("names TLS when the key is not the certificate's, or readable by everyone", { timeout: 60_000 }, async () => {
    const wrong = await doctor({ ...goodEnv(), TLS_KEY_FILE: otherKey });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/^FAIL TLS: .*are not a matching PEM certificate and key.*; fix: point TLS_KEY_FILE at the key of the certificate/m);
    const open = join(tmp.path, 'open.key');
    copyFileSync(cert.keyFile, open);
    chmodSync(open, 0o644);
    const r = await doctor({ ...goodEnv(), TLS_KEY_FILE: open });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL TLS: the key .*open\.key is readable by every user \(mode 0644\); fix: chmod 600 .*open\.key$/m);
  });

  it('names the webhook: a revoked hook with --send-test, a plain-http URL to another host by its shape', { timeout: 60_000 }, async () => {
    const gone = await doctor({ ...goodEnv(), WEBHOOK_URL: goneHook.url }, ['--send-test']);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toMatch(/^FAIL webhook: http:\/\/127\.0\.0\.1:\d+\/\*\*\* refused the test message \(HTTP 404\); fix: the hook is unknown or revoked/m);
    const plain = await doctor({ ...goodEnv(), WEBHOOK_URL: `http://chat.example${WEBHOOK_PATH}` });
    expect(plain.code).toBe(1);
    expect(plain.stdout).toMatch(/^FAIL webhook: WEBHOOK_URL http:\/\/chat\.example\/\*\*\* is plain http:\/\/ to another host.*; fix: /m);
  });

  it('names the SSH key when other users can read it, and known_hosts when others can write it', { timeout: 60_000 }, async () => {
    const open = join(tmp.path, 'open_ed25519');
    copyFileSync(key, open);
    chmodSync(open, 0o644);
    const r = await doctor({ ...goodEnv(), SSH_KEY_PATH: open });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL SSH key: .*open_ed25519 is readable by other users \(mode 0644\): ssh refuses such a key; fix: chmod 600 /m);
    const dataDir = join(tmp.path, 'kh-data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'known_hosts'), '');
    chmodSync(join(dataDir, 'known_hosts'), 0o666);
    const kh = await doctor(goodEnv(dataDir));
    expect(kh.code).toBe(1);
    expect(kh.stdout).toMatch(/^FAIL known_hosts: .*known_hosts is writable by other users \(mode 0666\).*; fix: chmod 644 /m);
  });

  it('names the host --ssh names when it refuses the key, or is unknown', { timeout: 60_000 }, async () => {
    const r = await doctor({ ...goodEnv(), SSH_KEY_PATH: strangerKey }, ['--ssh', 'vast:901', '--ssh=vast:999']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^FAIL SSH vast:901: \S+@127\.0\.0\.1:\d+: auth: .*; fix: add .*stranger_ed25519\.pub to ~\S+\/\.ssh\/authorized_keys on the host/m,
    );
    expect(r.stdout).toMatch(/^FAIL SSH vast:999: no such instance in the providers' lists; fix: /m);
    expect(r.stderr).toContain('failed: SSH vast:901, SSH vast:999');
  });

  it('names a silent agent on a running instance', { timeout: 60_000 }, async () => {
    const dataDir = join(tmp.path, 'silent-data');
    storeWithAgent(dataDir, 3_600_000);
    const r = await doctor(goodEnv(dataDir));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^FAIL agents: 0 connected, 1 silent, 0 never seen; silent on a running instance: vast:901 \(last sample 60 min ago\); fix: on each host: systemctl status cost-optimizer-agent/m,
    );
  });
});
