// The ssh argv: exact query, safe destination, options and paths ssh would otherwise rewrite.
import { describe, expect, it } from 'vitest';
import { discoverAndQueryScript } from '../../../protocol/nvidia-smi/query';
import { TERMINAL_INPUT_SUFFIX } from './terminal-input';
import {
  buildSshArgs,
  controlSocketName,
  hostKeyAlias,
  expansionSafe,
  optionPath,
  REMOTE_COMMAND,
  resolveTarget,
  targetKey,
  type SshArgsOptions,
} from './ssh-args';

const opts: SshArgsOptions = {
  connectTimeoutSec: 4.2,
  knownHostsFile: '/var/lib/co/known_hosts',
  keyFile: '/root/.ssh/id_ed25519',
  control: { path: '/var/lib/co/ssh/cm-0123456789abcdef0123', persistSec: 300 },
  serverAliveIntervalSec: 5,
  serverAliveCountMax: 3,
};
const t = { instanceId: 'vast:1', host: 'ssh4.vast.ai', port: 10600, user: 'root' };

/** The value of `-o Name=...` in argv, or undefined. */
function opt(args: string[], name: string): string | undefined {
  for (let i = 0; i < args.length - 1; i++) if (args[i] === '-o' && args[i + 1]!.startsWith(`${name}=`)) return args[i + 1]!.slice(name.length + 1);
  return undefined;
}

describe('buildSshArgs', () => {
  it('runs the agent discovery and query, one-shot, after -- and the destination', () => {
    const a = buildSshArgs(t, opts);
    expect(REMOTE_COMMAND).toEqual(['sh', '-c', `'${[discoverAndQueryScript(), ...TERMINAL_INPUT_SUFFIX].join(' ')}'`]);
    expect(discoverAndQueryScript()).not.toContain("'"); // it travels single-quoted
    expect(REMOTE_COMMAND.join(' ')).not.toMatch(/-lms|-l /);
    const dd = a.indexOf('--');
    expect(a.slice(dd)).toEqual(['--', 'ssh4.vast.ai', ...REMOTE_COMMAND]);
    expect(a.slice(dd - 4, dd)).toEqual(['-p', '10600', '-l', 'root']);
  });

  it("never forwards the operator's ssh-agent and offers only the configured key", () => {
    const a = buildSshArgs(t, opts);
    expect(opt(a, 'ForwardAgent')).toBe('no');
    expect(opt(a, 'IdentitiesOnly')).toBe('yes');
  });

  it('sets batch mode, timeouts, accept-new host keys in our own known_hosts, and connection reuse', () => {
    const a = buildSshArgs(t, opts);
    expect(opt(a, 'BatchMode')).toBe('yes');
    expect(opt(a, 'ConnectTimeout')).toBe('5');
    expect(opt(a, 'StrictHostKeyChecking')).toBe('accept-new');
    expect(opt(a, 'UserKnownHostsFile')).toBe('/var/lib/co/known_hosts');
    expect(opt(a, 'HostKeyAlias')).toBe(hostKeyAlias('vast:1'));
    expect(hostKeyAlias('vast:1')).toMatch(/^co-[0-9a-f]{24}$/);
    expect(hostKeyAlias('vast:2')).not.toBe(hostKeyAlias('vast:1'));
    expect(opt(a, 'ControlMaster')).toBe('auto');
    expect(opt(a, 'ControlPath')).toBe(opts.control!.path);
    expect(opt(a, 'ControlPersist')).toBe('300');
    expect(a[a.indexOf('-i') + 1]).toBe('/root/.ssh/id_ed25519');
  });

  it('without reuse turns multiplexing off (an operator ControlMaster in ~/.ssh/config included) and omits a missing key', () => {
    const a = buildSshArgs(t, { ...opts, control: null, keyFile: null });
    expect(opt(a, 'ControlMaster')).toBe('no');
    expect(opt(a, 'ControlPath')).toBe('none');
    expect(a).not.toContain('-i');
  });

  it('quotes paths with spaces and doubles % so ssh does not expand them', () => {
    expect(optionPath('/data dir/known_hosts')).toBe('"/data dir/known_hosts"');
    expect(optionPath('/data/100%/kh')).toBe('/data/100%%/kh');
    expect(() => optionPath('/a"b')).toThrow(/not usable/);
    expect(() => expansionSafe('/x/${HOME}/k')).toThrow(/not usable/);
    expect(buildSshArgs(t, { ...opts, keyFile: '/k/%h' })).toContain('/k/%%h');
  });
});

describe('resolveTarget', () => {
  it('applies the default user and accepts host names, IPv4 and IPv6', () => {
    expect(resolveTarget({ instanceId: 'a', host: '192.0.2.45', port: 22 }, 'ubuntu')).toEqual({
      instanceId: 'a',
      host: '192.0.2.45',
      port: 22,
      user: 'ubuntu',
    });
    expect(resolveTarget({ instanceId: 'a', host: '[2001:db8::1]', port: 2222 }, 'root')).toMatchObject({ host: '2001:db8::1' });
    expect(resolveTarget({ instanceId: 'a', host: 'ssh4.vast.ai', port: 1, user: 'me' }, 'root')).toMatchObject({ user: 'me' });
  });

  it('refuses anything ssh could read as an option, a token or a second word', () => {
    const bad = [
      { host: '-oProxyCommand=sh', port: 22 },
      { host: 'a b', port: 22 },
      { host: 'host%h', port: 22 },
      { host: 'ssh://x', port: 22 },
      { host: '', port: 22 },
      { host: 'h', port: 0 },
      { host: 'h', port: 65536 },
      { host: 'h', port: 22.5 },
      { host: 'h', port: 22, user: '-l' },
      { host: 'h', port: 22, user: 'a@b' },
      { host: 'h', port: 22, user: 'root;id' },
    ];
    for (const b of bad) expect(resolveTarget({ instanceId: 'x', ...b }, 'root')).toHaveProperty('error');
  });
});

describe('controlSocketName', () => {
  it('is short, stable and different per instance and endpoint', () => {
    const k1 = targetKey(t);
    const k2 = targetKey({ ...t, instanceId: 'vast:2' }); // a new instance behind a recycled port
    const k3 = targetKey({ ...t, port: 10601 });
    expect(controlSocketName(k1)).toMatch(/^cm-[0-9a-f]{20}$/);
    expect(controlSocketName(k1)).toBe(controlSocketName(targetKey({ ...t })));
    expect(new Set([k1, k2, k3].map(controlSocketName)).size).toBe(3);
  });
});
