// `cost-optimizer`: the CLI entry (dist/cli.mjs); dispatches to the sub-commands in commands/ (see commands/registry.ts).
import type { CommandIo } from './commands/command';
import { EXIT } from './commands/command';
import { main } from './commands/dispatch';

const io: CommandIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
main(process.argv.slice(2), io).then(
  (code) => finish(code),
  (err: unknown) => {
    process.stderr.write(`cost-optimizer: ${err instanceof Error ? err.message : String(err)}\n`);
    finish(EXIT.failure);
  },
);

function finish(code: number): void {
  process.exitCode = code;
  // Everything is closed by now; should a stray handle keep the loop alive, do not hang a systemd stop or a script.
  setTimeout(() => process.exit(code), 2_000).unref();
}
