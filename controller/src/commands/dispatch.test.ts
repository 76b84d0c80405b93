// Top-level CLI dispatch: help, version, unknown commands and exit codes.
import { describe, expect, it } from 'vitest';
import type { Command, CommandIo } from './command';
import { main, takeEnvFile } from './dispatch';

function io() {
  const out = { stdout: '', stderr: '' };
  const sink: CommandIo = { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t) };
  return { out, sink };
}

const echo: Command = {
  name: 'echo',
  summary: 'prints its arguments',
  help: 'Usage: cost-optimizer echo <words>\n',
  run: async (args, io) => {
    io.stdout(args.join(' ') + '\n');
    return 0;
  },
};

describe('cli dispatch', () => {
  it('runs the named command with the remaining arguments', async () => {
    const { out, sink } = io();
    expect(await main(['echo', 'a', 'b'], sink, [echo])).toBe(0);
    expect(out.stdout).toBe('a b\n');
  });

  it('prints the command list for --help and usage errors', async () => {
    const a = io();
    expect(await main(['--help'], a.sink, [echo])).toBe(0);
    expect(a.out.stdout).toMatch(/echo\s+prints its arguments/);
    const b = io();
    expect(await main([], b.sink, [echo])).toBe(2);
    expect(b.out.stderr).toMatch(/Usage: cost-optimizer <command>/);
    const c = io();
    expect(await main(['help', 'echo'], c.sink, [echo])).toBe(0);
    expect(c.out.stdout).toBe(echo.help);
  });

  it('rejects unknown commands with exit code 2', async () => {
    const { out, sink } = io();
    expect(await main(['nope'], sink, [echo])).toBe(2);
    expect(out.stderr).toBe('cost-optimizer: unknown command "nope"; see cost-optimizer --help\n');
  });
});

describe('--env-file', () => {
  it('is taken out of the arguments wherever it stands', () => {
    expect(takeEnvFile(['token', 'create', 'vast:1', '--env-file', '/etc/x.env'])).toEqual({
      envFile: '/etc/x.env',
      rest: ['token', 'create', 'vast:1'],
      error: null,
    });
    expect(takeEnvFile(['--env-file=/a.env', 'status', '--json'])).toEqual({ envFile: '/a.env', rest: ['status', '--json'], error: null });
    expect(takeEnvFile(['status', '--env-file']).error).toMatch(/needs a path/);
  });

  it('reaches the command through its io', async () => {
    const seen: (string | null | undefined)[] = [];
    const probe: Command = { name: 'probe', summary: '', help: '', run: async (args, io) => (seen.push(io.envFile, args.join(' ')), 0) };
    const { sink } = io();
    expect(await main(['probe', '--env-file', '/s.env', 'x'], sink, [probe])).toBe(0);
    expect(seen).toEqual(['/s.env', 'x']);
  });
});
