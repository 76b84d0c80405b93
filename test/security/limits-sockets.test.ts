// Attack: opening sockets and never authenticating, to use up the controller's memory and file descriptors before
// any token is checked. Sockets that are not agent connections are capped (MAX_UNAUTHENTICATED_SOCKETS) and must send
// their headers within HTTP_HEADERS_TIMEOUT_SECONDS. Live agents do not count against the cap. In-process
// controller, real sockets.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController, waitFor } from '../helpers/in-process-controller';
import { SimAgent } from '../sim-agent';

let ctl: TestController;
beforeAll(async () => {
  ctl = await startTestController({ MAX_UNAUTHENTICATED_SOCKETS: '3', HTTP_HEADERS_TIMEOUT_SECONDS: '60' });
});
afterAll(async () => {
  await ctl.stop();
});

function silentSocket(): Promise<{ socket: Socket; closed: Promise<void> }> {
  const u = new URL(ctl.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => resolve({ socket, closed: new Promise((r) => socket.once('close', () => r())) }));
    socket.on('error', reject);
  });
}

describe('sockets that never authenticate', () => {
  it('are capped: past MAX_UNAUTHENTICATED_SOCKETS new ones are closed at once, live agents do not count', async () => {
    const agent = new SimAgent({ url: ctl.wsUrl, token: ctl.server.store.createToken('manual:sockets', Date.now()), gpus: 1 });
    await agent.connect();
    const held = [await silentSocket(), await silentSocket(), await silentSocket()];
    const extra = await silentSocket();
    await extra.closed; // closed by the controller without a byte
    expect(ctl.logs.filter((l) => l.includes('MAX_UNAUTHENTICATED_SOCKETS'))).toHaveLength(1);
    for (const h of held) h.socket.destroy();
    await waitFor(
      async () => {
        const probe = new SimAgent({ url: ctl.wsUrl, token: ctl.server.store.createToken('manual:sockets-2', Date.now()), gpus: 1 });
        try {
          await probe.connect();
          await probe.close();
          return true;
        } catch {
          return false;
        }
      },
      10_000,
      'a new agent once the silent sockets are gone',
    );
    await agent.close();
  });
});
