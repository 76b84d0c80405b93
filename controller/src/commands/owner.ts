// `cost-optimizer owner set NAME [--slack MEMBER_ID] [--email ADDRESS] [--team TEAM]`, `owner list`, `owner remove
// NAME`: the people directory in the store (docs/owners.md), shared with a running controller and its replicas.
import { ownerJson, setOwner } from '../owners/directory-service';
import { type Command, type CommandIo, EXIT, wantsHelp } from './command';
import { loadConfigOrReport, openStoreOrReport } from './config-or-exit';
import { parseDirectoryArgs } from './directory-args';

const HELP = `Usage: cost-optimizer owner set NAME [--slack MEMBER_ID] [--email ADDRESS] [--team TEAM]
       cost-optimizer owner list [--json]
       cost-optimizer owner remove NAME

An owner is the person an instance marked [owner=NAME] (GCP label cost-optimizer-owner=NAME) belongs to.
--slack   their Slack member id (U... or W...; Slack profile > ... > Copy member ID): messages about their
          instances mention them with <@MEMBER_ID>
--email   with SMTP_URL set, the pause warnings and actions about their instances are also e-mailed
--team    their team: their instances belong to it unless a [team=NAME] marker says otherwise
set merges: options left out keep their values, an empty value ("") clears one.
The database is the one in DATA_DIR (or DATABASE_URL), shared with a running controller.
`;

export const ownerCommand: Command = {
  name: 'owner',
  summary: 'the people directory: owner set NAME [--slack ID] [--email ADDR] [--team TEAM], owner list, owner remove NAME',
  help: HELP,
  run: (args, io) => runOwner(args, io),
};

async function runOwner(args: string[], io: CommandIo): Promise<number> {
  if (wantsHelp(args)) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const p = parseDirectoryArgs(args, { slack: true, email: true, team: true });
  const usage = (why: string) => {
    io.stderr(`cost-optimizer owner: ${why}; see cost-optimizer owner --help\n`);
    return EXIT.usage;
  };
  if (typeof p === 'string') return usage(p);
  if (p.action === 'list' ? p.name !== null : p.name === null) return usage(p.action === 'list' ? 'list takes no name' : `${p.action} needs a NAME`);
  if (!['set', 'list', 'remove'].includes(p.action)) return usage(`unknown action "${p.action.slice(0, 40)}"`);
  if (p.action !== 'set' && p.options.size > 0) return usage(`${p.action} takes no options`);
  const config = loadConfigOrReport(io);
  if (config === null) return EXIT.usage;
  const store = openStoreOrReport(config, io, 'owner');
  if (store === null) return EXIT.failure;
  try {
    if (p.action === 'list') {
      const owners = store.directory.listOwners();
      if (p.json) io.stdout(JSON.stringify({ owners: owners.map(ownerJson) }, null, 2) + '\n');
      else {
        io.stdout(`${'NAME'.padEnd(20)} ${'TEAM'.padEnd(16)} ${'SLACK'.padEnd(14)} ${'EMAIL'.padEnd(30)} SOURCE\n`);
        for (const o of owners)
          io.stdout(`${o.name.padEnd(20)} ${(o.team ?? '-').padEnd(16)} ${(o.slack ?? '-').padEnd(14)} ${(o.email ?? '-').padEnd(30)} ${o.source}\n`);
      }
      return EXIT.ok;
    }
    if (p.action === 'remove') {
      if (store.directory.getOwner(p.name!)?.source === 'file') {
        io.stderr(`cost-optimizer owner: ${p.name} comes from DIRECTORY_FILE: remove it there\n`);
        return EXIT.failure;
      }
      if (!store.directory.removeOwner(p.name!)) {
        io.stderr(`cost-optimizer owner: no owner ${p.name}\n`);
        return EXIT.failure;
      }
      io.stderr(`owner ${p.name} removed\n`);
      return EXIT.ok;
    }
    const fields: Record<string, unknown> = {};
    for (const [k, v] of p.options) fields[k] = v;
    const r = setOwner(store, p.name!, fields, Date.now());
    if (!r.ok) {
      io.stderr(`cost-optimizer owner: ${r.error}\n`);
      return r.status === 400 ? EXIT.usage : EXIT.failure;
    }
    const o = r.value;
    io.stderr(`owner ${o.name} ${r.created ? 'added' : 'updated'}: team ${o.team ?? '-'}, slack ${o.slack ?? '-'}, email ${o.email ?? '-'}\n`);
    return EXIT.ok;
  } finally {
    store.close();
  }
}
