// `cost-optimizer doctor`: checks the set-up in order, one line per check with a fix when it fails; exits non-zero
// naming what failed. This first cut checks the config, the database and each configured provider's credentials
// (one list call); TLS, webhook, SSH and agent checks are still to come (issue 20, item 4).
import { openControllerStore } from '../compose/open-store';
import { ProviderError } from '../domain/errors';
import { controllerLogger, errorMessage } from '../log';
import { createProvidersFromConfig } from '../providers';
import { type Command, EXIT, wantsHelp } from './command';
import { loadConfigOrReport } from './config-or-exit';

const HELP = `Usage: cost-optimizer doctor

Checks, in order: the configuration, the database, each configured provider's credentials (one list call).
Prints one line per check (ok / FAIL with a fix) and exits 1 when any check fails, naming it.
`;

const PROVIDER_LABEL: Record<string, string> = { vast: 'Vast.ai', tensordock: 'TensorDock', gcp: 'Google Cloud' };

/** Why a provider's list call failed, in the words the operator needs, e.g. `the API key was refused (401)`. */
export function providerFailure(err: unknown): string {
  if (err instanceof ProviderError && (err.status === 401 || err.status === 403))
    return `the API key was refused (${err.status}); check the key in the controller's environment`;
  if (err instanceof ProviderError && err.status !== null) return `the list call failed (HTTP ${err.status}): ${err.message}`;
  return `the list call failed: ${errorMessage(err)}`;
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check the set-up: config, database, provider credentials',
  help: HELP,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    const failed: string[] = [];
    const config = loadConfigOrReport(io);
    if (config === null) {
      io.stdout('FAIL config: see the line above; fix the variable it names\n');
      return EXIT.failure;
    }
    io.stdout('ok   config\n');
    try {
      openControllerStore(config).close();
      io.stdout(`ok   database (${config.dataDir})\n`);
    } catch (err) {
      failed.push('database');
      io.stdout(`FAIL database: ${errorMessage(err)}; fix: make DATA_DIR (${config.dataDir}) writable by this user\n`);
    }
    const logger = controllerLogger(config);
    const providers = await createProvidersFromConfig(config, logger).catch((err: unknown) => {
      failed.push('providers');
      io.stdout(`FAIL providers: ${errorMessage(err)}\n`);
      return [];
    });
    if (providers.length === 0 && !failed.includes('providers'))
      io.stdout('ok   providers: none configured (VAST_API_KEY, TENSORDOCK_API_TOKEN, GCP_PROJECT_ID)\n');
    for (const p of providers) {
      const label = PROVIDER_LABEL[p.name] ?? p.name;
      try {
        const list = await p.list();
        io.stdout(`ok   ${label}: credentials accepted (${list.length} instance${list.length === 1 ? '' : 's'} listed)\n`);
      } catch (err) {
        failed.push(label);
        io.stdout(`FAIL ${label}: ${providerFailure(err)}\n`);
      }
    }
    if (failed.length > 0) {
      io.stderr(`cost-optimizer doctor: failed: ${failed.join(', ')}\n`);
      return EXIT.failure;
    }
    return EXIT.ok;
  },
};
