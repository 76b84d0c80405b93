// The CLI on the controller host, from a bare shell: with the service's env file (--env-file) `token create` prints a
// pinned install line for the controller's own certificate and `status` reaches it over HTTPS by that pin; without
// the settings, it refuses to print an https line that curl on a fresh host would refuse (exit 60).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from 'node:util';
import { spkiPin } from '../../controller/src/tls/pin';
import { CLI, ensureBuilt } from '../helpers/build';
import { freePort } from '../helpers/free-port';
import { killAllControllers, spawnController, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { certificateAuthority } from '../helpers/tls-certs';

const dir = makeTempDir('co-cli-settings-');
/** A working directory with no .env, as a root shell in /root would be. */
const shell = join(dir.path, 'shell');
const bareEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: shell };

function cli(args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: shell, env: { ...bareEnv, ...extraEnv }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The service's env file, and the controller started from it as systemd would (its contents as the environment). */
async function serviceFromFile(name: string, settings: string): Promise<{ file: string; ctl: SpawnedController }> {
  const file = join(dir.path, `${name}.env`);
  writeFileSync(file, settings, { mode: 0o600 });
  const env = parseEnv(settings) as Record<string, string>;
  const ctl = await spawnController({ dataDir: env['DATA_DIR']!, env });
  return { file, ctl };
}

beforeAll(() => {
  ensureBuilt();
  mkdirSync(shell, { recursive: true });
});
afterAll(() => {
  killAllControllers();
  dir.cleanup();
});

describe('setup A: the controller makes its own certificate (HOST=0.0.0.0)', () => {
  let file: string;
  let ctl: SpawnedController;
  let pin: string;
  beforeAll(async () => {
    const port = await freePort();
    const dataDir = join(dir.path, 'a-data');
    ({ file, ctl } = await serviceFromFile('a', `# the service's settings\nHOST=0.0.0.0\nPORT=${port}\nDATA_DIR=${dataDir}\n`));
    expect(ctl.url.startsWith('https://')).toBe(true);
    pin = spkiPin(readFileSync(join(dataDir, 'tls-cert.pem')));
    expect(ctl.output()).toContain(pin);
  });

  it('token create --env-file prints a line pinned to the running controller, and the pin fetches install.sh', () => {
    const r = cli(['token', 'create', 'vast:123', '--env-file', file]);
    expect(r.code, r.stderr).toBe(0);
    const [token, line] = r.stdout.split('\n');
    expect(token).toMatch(/^co_/);
    expect(line).toContain(`--pinnedpubkey '${pin}'`);
    expect(line).toContain(`--pin '${pin}'`);
    // The line's own curl, against this controller (the line names this machine; 127.0.0.1 is the same socket).
    const fetched = spawnSync('curl', ['-fsSk', '--proto', '=https', '--pinnedpubkey', pin, `${ctl.url}/install.sh`, '-o', '/dev/null'], { timeout: 30_000 });
    expect(fetched.status).toBe(0);
  });

  it('status --env-file reaches it over HTTPS, trusting its key', () => {
    const r = cli(['status', '--env-file', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no instances known yet|vast:123/);
    const withUrl = cli(['status', '--json', `--env-file=${file}`, '--url', ctl.url]);
    expect(withUrl.code, withUrl.stderr).toBe(0);
    expect(JSON.parse(withUrl.stdout)).toHaveProperty('instances');
  });

  it('without the settings, an https PUBLIC_URL it cannot pin gets no line and no token', () => {
    const r = cli(['token', 'create', 'vast:124'], { PUBLIC_URL: ctl.url });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cannot pin https:\/\/127\.0\.0\.1:\d+: .*--env-file/);
    expect(r.stderr).toContain('no token created');
  });

  it('an --env-file that does not exist stops the command, naming the file', () => {
    // Node 20 itself checks a `--env-file` even after the script's name (nodejs/node#54232) and exits 9 before the
    // CLI runs; the CLI's own check (config error, exit 2) answers where Node does not.
    const r = cli(['status', '--env-file', join(dir.path, 'nope.env')]);
    expect(r.code === 2 || r.code === 9).toBe(true);
    expect(r.stderr).toMatch(/nope\.env/);
    expect(r.stdout).toBe('');
  });
});

describe('setup B: a CA-issued certificate in TLS_CERT_FILE', () => {
  it('status trusts the controller by its key, though 127.0.0.1 has no CA chain the CLI knows', async () => {
    const ca = certificateAuthority(dir.path, 'b-ca');
    const leaf = ca.issue('b-controller');
    const port = await freePort();
    const { file } = await serviceFromFile(
      'b',
      `HOST=0.0.0.0\nPORT=${port}\nDATA_DIR=${join(dir.path, 'b-data')}\nTLS_CERT_FILE=${leaf.certFile}\nTLS_KEY_FILE=${leaf.keyFile}\n`,
    );
    const r = cli(['status', '--env-file', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const t = cli(['token', 'create', 'vast:200', '--env-file', file]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout.split('\n')[1]).toContain(`--pinnedpubkey '${leaf.pin}'`);
  });
});
