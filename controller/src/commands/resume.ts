// `cost-optimizer resume <id> [--url URL]`: starts a paused instance at its provider, through the running controller
// (POST /api/instances/:id/resume), which re-checks its state first and records the act in the audit log as `cli`.
import { ApiError, cliAdminToken, controllerUrl, localPin, readFlags, sendJson } from './api-client';
import { type Command, EXIT, wantsHelp } from './command';
import { loadConfigOrReport } from './config-or-exit';

const HELP = `Usage: cost-optimizer resume <instance-id> [--url URL]

Starts a paused (stopped) instance at its provider through the running controller. The controller reads the
instance from the provider first and refuses when it is not paused. The act is recorded in the audit log (actor
cli) and announced. The instance then gets a full idle window before any new pause.
On some providers a resume can wait for a free GPU on the same machine.
`;

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'start a paused instance (resume <instance-id>)',
  help: HELP,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    const flags = readFlags(args);
    if (flags.error || flags.rest.length !== 1 || flags.json) {
      io.stderr(
        `cost-optimizer resume: ${flags.error ?? (flags.json ? 'unknown option --json' : 'expected one instance id')}; see cost-optimizer resume --help\n`,
      );
      return EXIT.usage;
    }
    const id = flags.rest[0]!;
    const config = loadConfigOrReport(io);
    if (config === null) return EXIT.usage;
    try {
      await sendJson(controllerUrl(config, flags.url), 'POST', `/api/instances/${encodeURIComponent(id)}/resume`, {}, cliAdminToken(config), localPin(config));
      io.stdout(`resume of ${id} requested; the provider is starting it\n`);
      return EXIT.ok;
    } catch (err) {
      io.stderr(`cost-optimizer resume: ${err instanceof ApiError ? err.message : String(err)}\n`);
      return EXIT.failure;
    }
  },
};
