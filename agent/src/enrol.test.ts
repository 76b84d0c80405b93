// The agent's side of enrolment against a real local HTTP server: the claim it sends, the token it keeps (0600,
// reused without asking again), the refusal line that names no single check, and the URL it derives.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/helpers/temp-dir';
import { EnrolError, enrolUrl, keepToken, obtainAgentToken, readKeptToken } from './enrol';
import { memoryLogger } from '../../test/support/memory-logger';

const JOIN = 'coj_' + 'j'.repeat(43);
const dirs: { cleanup(): void }[] = [];
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  for (const d of dirs.splice(0)) d.cleanup();
});

function tempDir(): string {
  const d = makeTempDir('co-enrol-');
  dirs.push(d);
  return d.path;
}

async function controller(
  answer: (req: IncomingMessage, body: string) => [number, object],
): Promise<{ url: string; requests: { auth?: string; body: string }[] }> {
  const requests: { auth?: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests.push({ auth: req.headers.authorization, body });
      const [status, json] = answer(req, body);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/agent`, requests };
}

const vast = { provider: 'vast' as const, providerId: '801', source: 'vast-env' as const };

describe('enrolment (agent side)', () => {
  it('derives the enrolment URL from the agent URL', () => {
    expect(enrolUrl('wss://ctl.example:8443/agent?x=1')).toBe('https://ctl.example:8443/agent/enrol');
    expect(enrolUrl('ws://127.0.0.1:8080/agent')).toBe('http://127.0.0.1:8080/agent/enrol');
  });

  it('claims its identity with the join token, keeps the granted token 0600 and reuses it', async () => {
    const ctl = await controller(() => [201, { instanceId: 'vast:801', token: 'co_granted' }]);
    const stateDir = join(tempDir(), 'state');
    const log = memoryLogger();
    const token = await obtainAgentToken({ controllerUrl: ctl.url, joinToken: JOIN, stateDir, identity: vast, logger: log.logger });
    expect(token).toBe('co_granted');
    expect(ctl.requests).toEqual([{ auth: `Bearer ${JOIN}`, body: JSON.stringify({ v: 1, instanceId: 'vast:801', source: 'vast-env' }) }]);
    expect(statSync(join(stateDir, 'agent-token')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(stateDir, 'agent-token'), 'utf8')).toBe('co_granted\n');
    // Again: the kept token, no request.
    expect(await obtainAgentToken({ controllerUrl: ctl.url, joinToken: JOIN, stateDir, identity: vast, logger: log.logger })).toBe('co_granted');
    expect(ctl.requests).toHaveLength(1);
  });

  it('runs on the kept token once the join token is spent, and says what to do when there is neither', async () => {
    const ctl = await controller(() => [201, { instanceId: 'vast:801', token: 'co_granted' }]);
    const stateDir = join(tempDir(), 'state');
    const log = memoryLogger();
    await expect(obtainAgentToken({ controllerUrl: ctl.url, joinToken: null, stateDir, identity: vast, logger: log.logger })).rejects.toThrow(
      /no agent token is kept .* and no JOIN_TOKEN is set/,
    );
    keepToken(stateDir, 'co_kept');
    expect(await obtainAgentToken({ controllerUrl: ctl.url, joinToken: null, stateDir, identity: vast, logger: log.logger })).toBe('co_kept');
    expect(ctl.requests).toHaveLength(0);
  });

  it('retries a refusal with a line that names every condition and no single one', async () => {
    let n = 0;
    const ctl = await controller(() => (++n < 3 ? [403, { error: 'enrolment refused' }] : [201, { instanceId: 'vast:801', token: 'co_late' }]));
    const log = memoryLogger();
    const token = await obtainAgentToken({
      controllerUrl: ctl.url,
      joinToken: JOIN,
      stateDir: tempDir(),
      identity: vast,
      logger: log.logger,
      retryMinMs: 1,
      retryMaxMs: 2,
    });
    expect(token).toBe('co_late');
    const refusals = log.lines.filter((l) => l.includes('refused'));
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toMatch(/valid join token.*lists as running.*no agent connected.*public address/);
    expect(log.lines.join('\n')).not.toContain(JOIN);
  });

  it('stops with a clear error when it cannot tell which instance it is', async () => {
    const ctl = await controller(() => [500, {}]);
    const p = obtainAgentToken({
      controllerUrl: ctl.url,
      joinToken: JOIN,
      stateDir: tempDir(),
      identity: { provider: null, providerId: null, source: 'none' },
      logger: memoryLogger().logger,
    });
    await expect(p).rejects.toThrow(EnrolError);
    await expect(p).rejects.toThrow(/INSTANCE_ID/);
    expect(ctl.requests).toHaveLength(0);
  });

  it('ignores a damaged kept token and writes over it', () => {
    const stateDir = tempDir();
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, 'agent-token'), 'two words\n');
    const log = memoryLogger();
    expect(readKeptToken(stateDir, log.logger)).toBeNull();
    expect(log.lines.some((l) => l.includes('not a token'))).toBe(true);
    keepToken(stateDir, 'co_new');
    expect(readKeptToken(stateDir, log.logger)).toBe('co_new');
  });

  it('reports with the granted token even when it cannot keep it, and says so', async () => {
    const ctl = await controller(() => [201, { instanceId: 'vast:801', token: 'co_unkept' }]);
    const blocker = join(tempDir(), 'file');
    writeFileSync(blocker, 'not a directory');
    const log = memoryLogger();
    const token = await obtainAgentToken({ controllerUrl: ctl.url, joinToken: JOIN, stateDir: join(blocker, 'state'), identity: vast, logger: log.logger });
    expect(token).toBe('co_unkept');
    expect(log.lines.some((l) => l.includes('cannot keep the agent token') && l.includes('AGENT_STATE_DIR'))).toBe(true);
  });

  it('discards a token kept for another instance (a copied state directory) and enrols as its own instance, with a WARN', async () => {
    const ctl = await controller((_req, body) => {
      const id = (JSON.parse(body) as { instanceId: string }).instanceId;
      return [201, { instanceId: id, token: `co_for_${id.replace(':', '_')}` }];
    });
    const original = join(tempDir(), 'state');
    const log = memoryLogger();
    expect(await obtainAgentToken({ controllerUrl: ctl.url, joinToken: JOIN, stateDir: original, identity: vast, logger: log.logger })).toBe('co_for_vast_801');
    expect(readFileSync(join(original, 'agent-token.instance'), 'utf8')).toBe('vast:801\n');
    // The same state directory, on another instance (a committed image, a copied disk).
    const copy = join(tempDir(), 'copy');
    mkdirSync(copy, { recursive: true });
    for (const f of ['agent-token', 'agent-token.instance']) writeFileSync(join(copy, f), readFileSync(join(original, f)));
    const other = { provider: 'vast' as const, providerId: '802', source: 'vast-env' as const };
    const token = await obtainAgentToken({ controllerUrl: ctl.url, joinToken: JOIN, stateDir: copy, identity: other, logger: log.logger });
    expect(token).toBe('co_for_vast_802');
    expect(ctl.requests.map((r) => (JSON.parse(r.body) as { instanceId: string }).instanceId)).toEqual(['vast:801', 'vast:802']);
    expect(log.lines.some((l) => l.includes('WARN') && l.includes('granted for vast:801 but this is vast:802'))).toBe(true);
    expect(readFileSync(join(copy, 'agent-token.instance'), 'utf8')).toBe('vast:802\n');
    // The original keeps its own token.
    expect(await obtainAgentToken({ controllerUrl: ctl.url, joinToken: JOIN, stateDir: original, identity: vast, logger: log.logger })).toBe('co_for_vast_801');
    expect(ctl.requests).toHaveLength(2);
  });
});
