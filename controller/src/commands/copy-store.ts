// `cost-optimizer copy-store --to <DATABASE_URL>`: copies this deployment's store (SQLite in DATA_DIR, or
// DATABASE_URL) into an empty PostgreSQL database and prints what it copied (docs/scale-out.md).
import { dbPath, openStore } from '../store';
import { CopyRefused, copyStore } from '../store/copy-store';
import { errorMessage } from '../log';
import { type Command, EXIT, wantsHelp } from './command';
import { loadConfigOrReport, openStoreOrReport } from './config-or-exit';

const HELP = `Usage: cost-optimizer copy-store --to postgres://USER@HOST/DB

Copies the current store (the SQLite file in DATA_DIR, or DATABASE_URL when set) into an empty PostgreSQL database,
then prints the rows copied per table. Agent tokens, instances with their idle clocks, the audit log, holds and join
tokens carry over, so existing agents keep working once the controllers run with DATABASE_URL set to the target.
Raw samples older than twice the pause window (at least 6 hours) stay behind: the rules no longer read them.
Stop the controller first, so nothing is written while it copies. Refuses a target that already holds data.
`;

export const copyStoreCommand: Command = {
  name: 'copy-store',
  summary: 'copy this store into an empty PostgreSQL database (copy-store --to postgres://...)',
  help: HELP,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    let to: string | null = null;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--to') to = args[++i] ?? null;
      else if (a.startsWith('--to=')) to = a.slice('--to='.length);
      else {
        io.stderr(`cost-optimizer copy-store: unexpected argument "${a.slice(0, 100)}"; see cost-optimizer copy-store --help\n`);
        return EXIT.usage;
      }
    }
    if (to === null || !/^postgres(ql)?:\/\/\S+$/i.test(to)) {
      io.stderr('cost-optimizer copy-store: --to needs a postgres:// or postgresql:// URL\n');
      return EXIT.usage;
    }
    const config = loadConfigOrReport(io);
    if (config === null) return EXIT.usage;
    if (config.databaseUrl === to) {
      io.stderr('cost-optimizer copy-store: --to is the store itself (DATABASE_URL)\n');
      return EXIT.usage;
    }
    const from = openStoreOrReport(config, io, 'copy-store');
    if (from === null) return EXIT.failure;
    const fromName = config.databaseUrl !== null ? 'DATABASE_URL' : dbPath(config.dataDir);
    try {
      let target;
      try {
        target = openStore(to);
      } catch (err) {
        io.stderr(`cost-optimizer copy-store: cannot open the target: ${errorMessage(err)}\n`);
        return EXIT.failure;
      }
      try {
        const windowMs = 2 * config.pauseWindowMinutes * 60_000;
        const counts = copyStore(from, target, { samplesSince: Date.now() - Math.max(windowMs, 6 * 3_600_000) });
        io.stdout(`copied ${fromName} into the PostgreSQL database:\n`);
        for (const [table, n] of Object.entries(counts)) io.stdout(`  ${table.padEnd(22)} ${String(n).padStart(10)}\n`);
        io.stdout('Start the controllers with DATABASE_URL set to it (docs/scale-out.md).\n');
        return EXIT.ok;
      } finally {
        target.close();
      }
    } catch (err) {
      io.stderr(`cost-optimizer copy-store: ${err instanceof CopyRefused ? err.message : `copy failed, nothing was written: ${errorMessage(err)}`}\n`);
      return EXIT.failure;
    } finally {
      from.close();
    }
  },
};
