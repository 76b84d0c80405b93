// `cost-optimizer report [--days N] [--json]`: what DRY_RUN would have paused and deleted over the last N days and the
// money that would have saved (the audit log's dry-run rows, docs/savings.md), and what was actually saved.
import { savingsFromStore } from '../savings/store-savings';
import { wouldHaveFromStore } from '../savings/would-have';
import { groupReportFromStore, parseGroupQuery } from '../owners/group-report-view';
import { groupReportTable } from '../owners/group-report-table';
import { type Command, EXIT, wantsHelp } from './command';
import { loadConfigOrReport, openStoreOrReport } from './config-or-exit';

const HELP = `Usage: cost-optimizer report [--days N] [--json]
       cost-optimizer report --by owner|team [--since DATE] [--per day|week|month] [--json]

What the controller would have paused and deleted in DRY_RUN over the last N days (default 7), and the money that
would have saved; then what it actually saved. A would-be pause counts until the instance was next in use (its first
busy or unknown sample afterwards); a delete counts at most DELETE_SAVINGS_HORIZON_DAYS (default 30).

--by owner|team: what the providers charged (spend, at the prices they report: running price while running,
storage price while stopped) and what pausing and deleting saved, per owner or team, in all and per day (--per
week from Monday, or month; UTC) since DATE (default 30 days ago). An instance counts for its owner or team now.
Reads the database in DATA_DIR (default ./data), shared with a running controller.
`;

const money = (usd: number) => `$${usd.toFixed(2)}`;

export const reportCommand: Command = {
  name: 'report',
  summary: 'what DRY_RUN would have paused, deleted and saved (report --days N); spend and savings per owner or team (report --by team)',
  help: HELP,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    let days = 7;
    let json = false;
    const group: { by?: string; since?: string; per?: string } = {};
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const flag = /^--(by|since|per)(?:=(.*))?$/.exec(a);
      if (a === '--json') json = true;
      else if (flag) {
        const v = flag[2] ?? args[++i];
        if (v === undefined) {
          io.stderr(`cost-optimizer report: --${flag[1]} needs a value\n`);
          return EXIT.usage;
        }
        group[flag[1] as 'by' | 'since' | 'per'] = v;
      } else if (a === '--days' || a.startsWith('--days=')) {
        const v = a === '--days' ? args[++i] : a.slice('--days='.length);
        if (v === undefined || !/^\d+(\.\d+)?$/.test(v) || !(Number(v) > 0) || Number(v) > 3650) {
          io.stderr(`cost-optimizer report: --days needs a number of days between 0 and 3650, got "${(v ?? '').slice(0, 40)}"\n`);
          return EXIT.usage;
        }
        days = Number(v);
      } else {
        io.stderr(`cost-optimizer report: unexpected argument "${a.slice(0, 100)}"; see cost-optimizer report --help\n`);
        return EXIT.usage;
      }
    }
    const groupQuery =
      group.by === undefined && group.since === undefined && group.per === undefined ? null : parseGroupQuery(group.by, group.per, group.since, Date.now());
    if (typeof groupQuery === 'string') {
      io.stderr(`cost-optimizer report: ${groupQuery.replace(/^(by|per|since)/, '--$1')}; see cost-optimizer report --help\n`);
      return EXIT.usage;
    }
    const config = loadConfigOrReport(io);
    if (config === null) return EXIT.usage;
    const store = openStoreOrReport(config, io, 'report');
    if (store === null) return EXIT.failure;
    try {
      const now = Date.now();
      if (groupQuery !== null) {
        const r = groupReportFromStore(store, { ...groupQuery, horizonDays: config.deleteSavingsHorizonDays }, now);
        io.stdout(json ? JSON.stringify(r, null, 2) + '\n' : groupReportTable(r));
        return EXIT.ok;
      }
      const would = wouldHaveFromStore(store, now, { days, threshold: config.pauseThresholdGpu, horizonDays: config.deleteSavingsHorizonDays });
      // The same figures as the dashboard's: every succeeded action, the configured delete horizon.
      const saved = savingsFromStore(store, now, config.deleteSavingsHorizonDays);
      if (json) {
        io.stdout(JSON.stringify({ dryRun: config.dryRun, wouldHave: would, saved }, null, 2) + '\n');
        return EXIT.ok;
      }
      const providers = Object.entries(would.byProvider)
        .map(([p, usd]) => `${p} ${money(usd)}`)
        .join(', ');
      io.stdout(`Dry run, last ${days} day${days === 1 ? '' : 's'} (${would.from} to ${would.to})${config.dryRun ? '' : '; DRY_RUN is off now'}:\n`);
      io.stdout(
        `would have paused ${would.pauses} and deleted ${would.deletes} instance${would.pauses + would.deletes === 1 ? '' : 's'}, ` +
          `saving ${money(would.usd)}${providers === '' ? '' : ` (${providers})`}\n`,
      );
      for (const it of would.items) {
        io.stdout(
          `  ${it.at}  ${it.kind.padEnd(6)}  ${it.instanceId}  ${money(it.usd).padStart(9)}  ${it.reason}` +
            `${it.neededAgainAt === null ? '' : ` (in use again ${it.neededAgainAt})`}\n`,
        );
      }
      io.stdout(
        `Actually saved: ${money(saved.totalUsd)} in all, ${money(saved.lastDayUsd)} in the last day, ${money(saved.lastWeekUsd)} in the last week ` +
          `(${saved.pauses} pauses, ${saved.deletes} deletes; a delete counts for ${saved.deleteHorizonDays} days)\n`,
      );
      return EXIT.ok;
    } finally {
      store.close();
    }
  },
};
