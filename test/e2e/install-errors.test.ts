// End-to-end: install.sh's clear errors (missing token, unreachable controller, bad options, a pinned hash that differs),
// and the documented one-liner `curl -fsSL <controller>/install.sh | sh -s -- --token <token>` with the served URL.
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentOf, INSTALL_SH, killLeftovers, makeRoot, runInstaller, SHELLS, snapshot } from '../helpers/install-host';
import { fakeAgentSource, type InstallServer, startInstallServer } from '../helpers/install-server';
import { waitFor } from '../helpers/in-process-controller';

const TOKEN = 'agt_errors.Test-token_0123456789';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe.each(SHELLS)('install.sh errors under %s', (shell) => {
  let srv: InstallServer;
  const roots: string[] = [];
  const root = () => {
    const r = makeRoot();
    roots.push(r);
    return r;
  };
  beforeAll(async () => {
    srv = await startInstallServer({ agentSource: fakeAgentSource('v1'), runtime: null });
  });
  afterAll(async () => {
    for (const r of roots) killLeftovers(r);
    await srv.close();
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  // Each case: the arguments, the message expected on stderr; the root must be left untouched.
  const cases: [string, (r: string) => string[], RegExp][] = [
    ['a missing token', (r) => ['--controller', srv.url, '--prefix', r], /missing token: pass --token <token>.*cost-optimizer token create/],
    ['no controller URL', (r) => ['--token', TOKEN, '--prefix', r], /no controller URL: pass --controller/],
    ['a controller URL that is not http(s)', (r) => ['--token', TOKEN, '--controller', 'ftp://x', '--prefix', r], /must start with http:\/\/ or https:\/\//],
    ['a URL with a quote', (r) => ['--token', TOKEN, '--controller', "http://a'b", '--prefix', r], /holds characters/],
    ['a token with a space', (r) => ['--token', 'a b', '--controller', srv.url, '--prefix', r], /the token holds unexpected characters/],
    [
      'an unknown --init',
      (r) => ['--token', TOKEN, '--controller', srv.url, '--prefix', r, '--init', 'upstart'],
      /--init must be systemd, openrc, none or auto/,
    ],
    ['an unknown option', (r) => ['--token', TOKEN, '--bogus', '--prefix', r], /unknown option '--bogus'/],
    ['a relative --prefix', () => ['--token', TOKEN, '--prefix', 'rel/dir'], /--prefix must be an absolute path/],
    ['--token without a value', () => ['--token'], /--token needs a value/],
    [
      'plain http to a non-loopback controller',
      (r) => ['--token', TOKEN, '--controller', 'http://192.0.2.1:8080', '--prefix', r],
      /refusing plain http:\/\/ to http:\/\/192\.0\.2\.1:8080.*--insecure/,
    ],
    [
      // user info before the host: curl would go to attacker.example, so this is not loopback
      'plain http to a host behind loopback-looking user info',
      (r) => ['--token', TOKEN, '--controller', 'http://127.0.0.1@attacker.example', '--prefix', r],
      /refusing plain http:\/\/ to http:\/\/127\.0\.0\.1@attacker\.example.*--insecure/,
    ],
    [
      'plain http to a DNS name that starts with 127.',
      (r) => ['--token', TOKEN, '--controller', 'http://127.rebind.attacker.example:8080', '--prefix', r],
      /refusing plain http:\/\/ to http:\/\/127\.rebind\.attacker\.example:8080.*--insecure/,
    ],
    [
      'a --pin that is no pin',
      (r) => ['--token', TOKEN, '--controller', srv.url, '--prefix', r, '--pin', 'sha256//abc'],
      /--pin must be sha256\/\/<44 base64 characters>/,
    ],
    [
      'a --pin with an http URL',
      (r) => ['--token', TOKEN, '--controller', srv.url, '--prefix', r, '--pin', `sha256//${'A'.repeat(43)}=`],
      /--pin needs an https:\/\/ controller URL/,
    ],
    ['a --sha256 that is no sha256', (r) => ['--token', TOKEN, '--prefix', r, '--sha256', 'abc'], /--sha256 must be 64 hex digits/],
    [
      'a pinned --sha256 that differs from the served one',
      (r) => ['--token', TOKEN, '--controller', srv.url, '--prefix', r, '--sha256', 'a'.repeat(64)],
      /checksum mismatch: the controller announces agent\.js sha256 [0-9a-f]{64} but --sha256 says a{64}; nothing was installed/,
    ],
  ];

  it.each(cases)('%s: a clear error, nothing installed', async (_what, argsOf, message) => {
    const r = root();
    const before = contentOf(snapshot(r));
    const res = await runInstaller(shell, ['--init', 'none', '--no-start', ...argsOf(r)]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^cost-optimizer install: error: /m);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toContain(TOKEN);
    expect(contentOf(snapshot(r))).toEqual(before);
  });

  it('an unreachable controller: a clear error naming the URL, nothing installed', async () => {
    const r = root();
    const before = contentOf(snapshot(r));
    const url = `http://127.0.0.1:${await closedPort()}`;
    const res = await runInstaller(shell, ['--token', TOKEN, '--controller', url, '--prefix', r, '--init', 'none']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`could not download ${url}/agent\\.js\\.sha256 \\((curl|wget) exit status \\d+\\): .*reachable`));
    expect(contentOf(snapshot(r))).toEqual(before);
  });

  it('a pinned --sha256 that matches installs', async () => {
    const r = root();
    // Upper case, as some tools print it.
    const pin = (await (await fetch(`${srv.url}/agent.js.sha256`)).text()).split(' ')[0]!.toUpperCase();
    const res = await runInstaller(shell, ['--token', TOKEN, '--controller', srv.url, '--prefix', r, '--init', 'none', '--no-start', '--sha256', pin]);
    expect(res.code).toBe(0);
    expect(readFileSync(join(r, 'opt/cost-optimizer/agent.js'), 'utf8')).toBe(fakeAgentSource('v1'));
  });

  it('curl <controller>/install.sh | JOIN_TOKEN=... sh: the start-up-script line writes the join token and a state dir', async () => {
    const r = root();
    const join0 = 'coj_' + 'J'.repeat(43);
    const sh = shell === 'dash' ? 'dash' : 'busybox sh';
    // The one line docs/enrolment.md gives for a Vast.ai on-start script (plus the test's prefix).
    const cmd = `curl -fsSL ${srv.url}/install.sh | JOIN_TOKEN=${join0} ${sh} -s -- --prefix ${r} --init none --no-start`;
    const out = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile('/bin/sh', ['-c', cmd], (err, _o, stderr) => done({ code: err ? Number(err.code) : 0, stderr })),
    );
    expect(out.code).toBe(0);
    const env = readFileSync(join(r, 'etc/cost-optimizer/agent.env'), 'utf8');
    expect(env).toContain(`JOIN_TOKEN='${join0}'`);
    expect(env).toContain(`AGENT_STATE_DIR='${join(r, 'var/lib/cost-optimizer-agent')}'`);
    expect(env).not.toContain('AGENT_TOKEN');
    // A re-run without a token keeps it; an agent token given later replaces it.
    expect((await runInstaller(shell, ['--controller', srv.url, '--prefix', r, '--init', 'none', '--no-start'])).stdout).toContain('keeping the token');
    expect(readFileSync(join(r, 'etc/cost-optimizer/agent.env'), 'utf8')).toContain(`JOIN_TOKEN='${join0}'`);
    await runInstaller(shell, ['--token', TOKEN, '--controller', srv.url, '--prefix', r, '--init', 'none', '--no-start'], { env: { JOIN_TOKEN: join0 } });
    const after = readFileSync(join(r, 'etc/cost-optimizer/agent.env'), 'utf8');
    expect(after).toContain(`AGENT_TOKEN='${TOKEN}'`);
    expect(after).not.toContain('JOIN_TOKEN');
  });

  it('the join token is spent once the agent kept its own token: the launcher removes it, a re-run does not write it back', async () => {
    const r = root();
    const join0 = 'coj_' + 'S'.repeat(43);
    const envFile = join(r, 'etc/cost-optimizer/agent.env');
    const opts = ['--controller', srv.url, '--prefix', r, '--init', 'none', '--no-start'];
    expect((await runInstaller(shell, opts, { env: { JOIN_TOKEN: join0 } })).code).toBe(0);
    expect(readFileSync(envFile, 'utf8')).toContain(`JOIN_TOKEN='${join0}'`);
    // The launcher started before the enrolment: it keeps the join token until the agent has its own.
    const launch = () => spawn(join(r, 'opt/cost-optimizer/run-agent'), [], { stdio: 'ignore', detached: true });
    const first = launch();
    // The agent enrols and keeps its token (as agent/src/enrol.ts does); the launcher's watcher spends the join token.
    writeFileSync(join(r, 'var/lib/cost-optimizer-agent/agent-token'), 'co_kept\n', { mode: 0o600 });
    try {
      await waitFor(() => !readFileSync(envFile, 'utf8').includes('JOIN_TOKEN'), 30_000, 'the join token removed from the env file');
    } finally {
      process.kill(-first.pid!, 'SIGKILL');
    }
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(envFile, 'utf8')).toContain(`AGENT_STATE_DIR='${join(r, 'var/lib/cost-optimizer-agent')}'`);
    // The on-start script runs the same line at every container start: the join token is not written back.
    const again = await runInstaller(shell, opts, { env: { JOIN_TOKEN: join0 } });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('the join token is spent');
    expect(readFileSync(envFile, 'utf8')).not.toContain('JOIN_TOKEN');
    expect(readFileSync(envFile, 'utf8')).not.toContain('AGENT_TOKEN');
  });

  it('--help prints the usage and changes nothing', async () => {
    const res = await runInstaller(shell, ['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('curl -fsSL http://<controller>/install.sh | sh -s -- --token <token>');
    expect(res.stdout).toContain('--uninstall');
  });

  it('curl <controller>/install.sh | sh -s -- --token: the served script knows its controller', async () => {
    const r = root();
    const sh = shell === 'dash' ? 'dash' : 'busybox sh';
    const cmd = `curl -fsSL ${srv.url}/install.sh | ${sh} -s -- --token ${TOKEN} --prefix ${r} --init none --no-start`;
    const out = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile('/bin/sh', ['-c', cmd], (err, _o, stderr) => done({ code: err ? Number(err.code) : 0, stderr })),
    );
    expect(out.stderr).not.toMatch(/error/);
    expect(out.code).toBe(0);
    expect(readFileSync(join(r, 'etc/cost-optimizer/agent.env'), 'utf8')).toContain(`CONTROLLER_URL='ws://127.0.0.1:${new URL(srv.url).port}/agent'`);
    // The file in the repository is unchanged: the URL is filled in per request.
    expect(readFileSync(INSTALL_SH, 'utf8')).toContain("CONTROLLER_URL_DEFAULT='@@CONTROLLER_URL@@'");
  });
});
