// The routing notifier with a real SMTP server on loopback (smtp-server): an owner with an address gets the
// warnings and actions about their instances by e-mail; operator acts and instances of other owners do not.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryInstance } from '../../../test/fakes/memory-provider';
import { makeTempDir, type TempDir } from '../../../test/helpers/temp-dir';
import { silentLogger } from '../log';
import { setOwner, setTeam } from '../owners/directory-service';
import { dbPath, openStore, type Store } from '../store';
import { SmtpMailer } from './mailer';
import { RoutingNotifier, withMention } from './routing-notifier';
import type { Notifier } from './webhook-notifier';

let dir: TempDir;
let store: Store;
let smtp: SMTPServer;
let mails: { to: string[]; data: string }[];
let port: number;

beforeEach(async () => {
  dir = makeTempDir();
  store = openStore(dbPath(dir.path));
  mails = [];
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString()));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  port = (smtp.server.address() as AddressInfo).port;
});
afterEach(async () => {
  await new Promise<void>((r) => smtp.close(() => r()));
  store.close();
  dir.cleanup();
});

class ListNotifier implements Notifier {
  readonly texts: string[] = [];
  notify(t: string) {
    this.texts.push(t);
  }
  async flush() {}
}

describe('RoutingNotifier', () => {
  it('e-mails the owner the warnings and actions about their instance, through a real SMTP server', async () => {
    setOwner(store, 'alice', { slack: 'U0ALICE01', email: 'alice@example.com' }, 1);
    store.upsertInventory('vast', [memoryInstance('1', { labels: { label: '[owner=alice]' } }), memoryInstance('2')], 1);
    const global = new ListNotifier();
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${port}`, 'co@example.com');
    const n = new RoutingNotifier({ global, globalUrl: null, store, logger: silentLogger, mailer });
    n.notify(':pause_button: Paused *box-1* (vast:1; Vast.ai, RTX 4090, $0.500/h): GPU idle for 31 min.', { instanceId: 'vast:1' });
    n.notify(':lock: Hold set on *box-1*', { instanceId: 'vast:1', email: false });
    n.notify(':pause_button: Paused *box-2*', { instanceId: 'vast:2' });
    await n.flush(10_000);
    mailer.close();
    expect(global.texts).toEqual([
      ':pause_button: Paused *box-1* (vast:1; Vast.ai, RTX 4090, $0.500/h): GPU idle for 31 min. <@U0ALICE01>',
      ':lock: Hold set on *box-1* <@U0ALICE01>',
      ':pause_button: Paused *box-2*',
    ]);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toEqual(['alice@example.com']);
    expect(mails[0]!.data).toMatch(/Subject: \[cost-optimizer\] Paused box-1/);
    expect(mails[0]!.data).not.toContain('<@U0ALICE01>');
  });

  it('sends once per destination: a team webhook that is the global one is not sent twice', () => {
    setTeam(store, 'vision', { webhook: 'https://hooks.example.com/same' }, 1);
    store.upsertInventory('vast', [memoryInstance('1', { name: 'x [team=vision]' })], 1);
    const global = new ListNotifier();
    const team = new ListNotifier();
    const n = new RoutingNotifier({ global, globalUrl: 'https://hooks.example.com/same', store, logger: silentLogger, webhook: () => team });
    n.notify('hello', { instanceId: 'vast:1' });
    expect([global.texts, team.texts]).toEqual([['hello'], []]);
    setTeam(store, 'vision', { webhook: 'https://hooks.example.com/team' }, 2);
    n.notify('again', { instanceId: 'vast:1' });
    n.notify('budget', { team: 'vision' });
    n.notify('team digest', { team: 'vision', teamOnly: true });
    expect([global.texts, team.texts]).toEqual([
      ['hello', 'again', 'budget'],
      ['again', 'budget', 'team digest'],
    ]);
    expect(withMention('x <@U1>', 'U1')).toBe('x <@U1>');
  });
});
