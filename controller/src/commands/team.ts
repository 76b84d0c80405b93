// `cost-optimizer team set NAME [--webhook URL] [--budget USD_PER_MONTH] [--idle 2h] [--no-delete|--delete]`,
// `team list`, `team remove NAME`: teams in the store (docs/owners.md).
import { setTeam, teamJson } from '../owners/directory-service';
import { type Command, type CommandIo, EXIT, wantsHelp } from './command';
import { loadConfigOrReport, openStoreOrReport } from './config-or-exit';
import { parseDirectoryArgs } from './directory-args';

const HELP = `Usage: cost-optimizer team set NAME [--webhook URL] [--budget USD_PER_MONTH] [--idle DURATION] [--no-delete | --delete]
       cost-optimizer team list [--json]
       cost-optimizer team remove NAME

A team's instances are those marked [team=NAME] (GCP label cost-optimizer-team=NAME), enrolled with a join token
made by "token create --join --team NAME", or owned by an owner of the team.
--webhook    a Slack-compatible incoming webhook: the team's instances' messages go there too (WEBHOOK_URL
             still gets everything), with the team's part of the daily digest
--budget     USD per calendar month (UTC): an alert at 80 % and 100 % of the month's spend so far, and when the
             forecast passes it; to the team's webhook and WEBHOOK_URL. Budgets inform, they never pause anything.
--idle       the team's default idle window (2h, 90m, 1d): markers can lengthen it, never shorten it
--no-delete  the team's instances are paused, never deleted (--delete undoes it)
set merges: options left out keep their values, an empty value ("") clears one.
`;

export const teamCommand: Command = {
  name: 'team',
  summary: 'teams: team set NAME [--webhook URL] [--budget USD] [--idle 2h] [--no-delete], team list, team remove NAME',
  help: HELP,
  run: (args, io) => runTeam(args, io),
};

async function runTeam(args: string[], io: CommandIo): Promise<number> {
  if (wantsHelp(args)) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const p = parseDirectoryArgs(args, { webhook: true, budget: true, idle: true, 'no-delete': false, delete: false });
  const usage = (why: string) => {
    io.stderr(`cost-optimizer team: ${why}; see cost-optimizer team --help\n`);
    return EXIT.usage;
  };
  if (typeof p === 'string') return usage(p);
  if (p.action === 'list' ? p.name !== null : p.name === null) return usage(p.action === 'list' ? 'list takes no name' : `${p.action} needs a NAME`);
  if (!['set', 'list', 'remove'].includes(p.action)) return usage(`unknown action "${p.action.slice(0, 40)}"`);
  if (p.action !== 'set' && p.options.size > 0) return usage(`${p.action} takes no options`);
  if (p.options.has('no-delete') && p.options.has('delete')) return usage('--no-delete and --delete contradict each other');
  const config = loadConfigOrReport(io);
  if (config === null) return EXIT.usage;
  const store = openStoreOrReport(config, io, 'team');
  if (store === null) return EXIT.failure;
  try {
    if (p.action === 'list') {
      const teams = store.directory.listTeams();
      if (p.json) io.stdout(JSON.stringify({ teams: teams.map(teamJson) }, null, 2) + '\n');
      else {
        io.stdout(`${'NAME'.padEnd(20)} ${'BUDGET/MONTH'.padStart(12)} ${'WEBHOOK'.padEnd(36)} POLICY\n`);
        for (const t of teams.map(teamJson)) {
          const policy = [t.idleMinutes === null ? '' : `idle ${t.idleMinutes} min`, t.noDelete ? 'no-delete' : ''].filter(Boolean).join(', ') || '-';
          io.stdout(
            `${t.name.padEnd(20)} ${(t.monthlyBudget === null ? '-' : `$${t.monthlyBudget.toFixed(2)}`).padStart(12)} ${(t.webhook ?? '-').padEnd(36)} ${policy}${t.source === 'file' ? ' (file)' : ''}\n`,
          );
        }
      }
      return EXIT.ok;
    }
    if (p.action === 'remove') {
      if (store.directory.getTeam(p.name!)?.source === 'file') {
        io.stderr(`cost-optimizer team: ${p.name} comes from DIRECTORY_FILE: remove it there\n`);
        return EXIT.failure;
      }
      if (!store.directory.removeTeam(p.name!)) {
        io.stderr(`cost-optimizer team: no team ${p.name}\n`);
        return EXIT.failure;
      }
      io.stderr(`team ${p.name} removed\n`);
      return EXIT.ok;
    }
    const fields: Record<string, unknown> = {};
    if (p.options.has('webhook')) fields['webhook'] = p.options.get('webhook');
    if (p.options.has('budget')) fields['monthlyBudget'] = p.options.get('budget');
    if (p.options.has('idle')) fields['idle'] = p.options.get('idle');
    if (p.options.has('no-delete')) fields['noDelete'] = true;
    if (p.options.has('delete')) fields['noDelete'] = false;
    const r = setTeam(store, p.name!, fields, Date.now());
    if (!r.ok) {
      io.stderr(`cost-optimizer team: ${r.error}\n`);
      return r.status === 400 ? EXIT.usage : EXIT.failure;
    }
    const t = teamJson(r.value);
    io.stderr(
      `team ${t.name} ${r.created ? 'added' : 'updated'}: webhook ${t.webhook ?? '-'}, budget ${t.monthlyBudget === null ? '-' : `$${t.monthlyBudget}/month`}` +
        `${t.idleMinutes === null ? '' : `, idle ${t.idleMinutes} min`}${t.noDelete ? ', no-delete' : ''}\n`,
    );
    return EXIT.ok;
  } finally {
    store.close();
  }
}
