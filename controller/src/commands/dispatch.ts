// Parses the top-level arguments and runs the sub-command (help, version, unknown commands).
import { allowInsecureAdmin } from './api-client';
import { type Command, type CommandIo, EXIT } from './command';
import { COMMANDS } from './registry';
import { VERSION } from '../version';

function topHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: cost-optimizer <command> [options]

Watches rented GPU instances and pauses or deletes the idle ones.

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Every command reads the controller's settings from the environment, over one file: --env-file PATH, else
/etc/cost-optimizer/controller.env when this user can read it, else .env in the working directory.

Run "cost-optimizer <command> --help" for a command's options. Version ${VERSION}.
--insecure (any command) lets the admin credential go over plain http:// to a host other than this one.
`;
}

/** Takes `--env-file PATH` / `--env-file=PATH` out of the arguments, wherever it stands. */
export function takeEnvFile(argv: readonly string[]): { envFile: string | null; rest: string[]; error: string | null } {
  let envFile: string | null = null;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--env-file' || a.startsWith('--env-file=')) {
      const v = a === '--env-file' ? argv[++i] : a.slice('--env-file='.length);
      if (v === undefined || v === '') return { envFile, rest, error: '--env-file needs a path' };
      envFile = v;
    } else rest.push(a);
  }
  return { envFile, rest, error: null };
}

export async function main(args: string[], baseIo: CommandIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  const taken = takeEnvFile(args);
  if (taken.error !== null) {
    baseIo.stderr(`cost-optimizer: ${taken.error}\n`);
    return EXIT.usage;
  }
  const io: CommandIo = { ...baseIo, envFile: taken.envFile ?? baseIo.envFile ?? null };
  const [name, ...rest] = taken.rest;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const sub = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    (name === undefined ? io.stderr : io.stdout)(sub ? sub.help : topHelp(commands));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(VERSION + '\n');
    return EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr(`cost-optimizer: unknown command "${name.slice(0, 100)}"; see cost-optimizer --help\n`);
    return EXIT.usage;
  }
  // --insecure applies to every command that calls the controller: the admin credential may then go over plain
  // http:// to another host (api-client.ts); without it such a call is refused.
  allowInsecureAdmin(rest.includes('--insecure'));
  return command.run(
    rest.filter((a) => a !== '--insecure'),
    io,
  );
}
