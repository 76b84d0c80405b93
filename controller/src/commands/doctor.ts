// `cost-optimizer doctor`: checks the set-up in order (config, database, each provider's credentials, TLS, webhook,
// SSH key and known_hosts, hosts named with --ssh, agents), one line per check with a fix when it fails; exits 1
// naming what failed. Secrets of the configuration never reach its output.
import type { Config } from '../config/config';
import { ProviderError } from '../domain/errors';
import type { ProviderInstance } from '../domain/instance';
import { errorMessage, silentLogger } from '../log';
import { createProvidersFromConfig } from '../providers';
import type { Store } from '../store';
import { type Command, type CommandIo, EXIT, wantsHelp } from './command';
import { loadConfigOrReport } from './config-or-exit';
import { openControllerStore } from '../compose/open-store';
import { agentRows, checkAgents } from './doctor-agents';
import { type CheckLine, doctorSecrets, fail, formatLine, ok, scrub } from './doctor-line';
import { checkSshHost } from './doctor-ssh-host';
import { checkKnownHosts, checkSshKey } from './doctor-ssh-files';
import { checkTls } from './doctor-tls';
import { checkWebhook } from './doctor-webhook';

const HELP = `Usage: cost-optimizer doctor [--send-test] [--ssh INSTANCE_ID]... [--env-file PATH]

Checks, in order, and prints one line per check (ok / warn / FAIL with a fix):
  config        the controller's settings parse
  database      DATABASE_URL, else DATA_DIR, opens
  providers     each configured provider's credentials, with one list call
  TLS           the certificate and key the controller serves, and the pin \`token create\` prints
  webhook       WEBHOOK_URL's shape; --send-test sends it one real test message
  SSH key       SSH_KEY_PATH exists, is private to its owner, parses and needs no passphrase
  known_hosts   DATA_DIR/known_hosts is readable and writable by nobody else
  SSH <id>      with --ssh ID (repeatable): ssh -o ConnectTimeout=5 ... nvidia-smi to that instance, as the
                SSH collector runs it (BatchMode, SSH_KEY_PATH, DATA_DIR/known_hosts)
  agents        every instance with a live agent token: connected, silent or never seen
Exits 1 when any check fails, naming the failed ones on stderr; warnings do not fail. Secrets (API keys, tokens,
the webhook URL's path, passwords) are never printed. Run it with the controller's settings (--env-file PATH).
`;

const PROVIDER: Record<string, { label: string; key: string }> = {
  vast: { label: 'Vast.ai', key: 'VAST_API_KEY' },
  tensordock: { label: 'TensorDock', key: 'TENSORDOCK_API_TOKEN (and TENSORDOCK_API_KEY for v0)' },
  gcp: { label: 'Google Cloud', key: 'the service account (GOOGLE_APPLICATION_CREDENTIALS) or GCP_ACCESS_TOKEN' },
};

/** Why a provider's list call failed, in the words the operator needs, e.g. `the API key was refused (401)`. */
export function providerFailure(err: unknown): string {
  if (err instanceof ProviderError && (err.status === 401 || err.status === 403)) return `the API key was refused (${err.status})`;
  if (err instanceof ProviderError && err.status !== null) return `the list call failed (HTTP ${err.status}): ${err.message}`;
  return `the list call failed: ${errorMessage(err)}`;
}

function providerFix(name: string, err: unknown, config: Config): string {
  const p = PROVIDER[name];
  if (err instanceof ProviderError && (err.status === 401 || err.status === 403))
    return `check ${p?.key ?? 'the credentials'} in the controller's settings (a new key from the provider's console)`;
  const api = name === 'vast' ? config.vast?.apiUrl : name === 'tensordock' ? config.tensordock?.apiUrl : (config.gcp?.apiEndpoint ?? 'compute.googleapis.com');
  return `check that this machine reaches ${api ?? 'the provider API'} (DNS, firewall, proxy), then run doctor again`;
}

interface Options {
  sendTest: boolean;
  ssh: string[];
}

function parseArgs(args: readonly string[]): Options | string {
  const o: Options = { sendTest: false, ssh: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--send-test') o.sendTest = true;
    else if (a === '--ssh' || a.startsWith('--ssh=')) {
      const v = a === '--ssh' ? args[++i] : a.slice('--ssh='.length);
      if (v === undefined || v === '' || v.startsWith('-')) return '--ssh needs an instance id (vast:123456)';
      o.ssh.push(v);
    } else return `unknown argument "${a.slice(0, 80)}"`;
  }
  return o;
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check the set-up: config, database, providers, TLS, webhook, SSH, agents',
  help: HELP,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    const opts = parseArgs(args);
    if (typeof opts === 'string') {
      io.stderr(`cost-optimizer doctor: ${opts}; see cost-optimizer doctor --help\n`);
      return EXIT.usage;
    }
    const config = loadConfigOrReport(io);
    if (config === null) {
      io.stdout(formatLine(fail('config', 'see the line above', 'correct the variable it names')) + '\n');
      io.stderr('cost-optimizer doctor: failed: config\n');
      return EXIT.failure;
    }
    return runChecks(config, opts, io);
  },
};

async function runChecks(config: Config, opts: Options, io: CommandIo): Promise<number> {
  const secrets = doctorSecrets(config);
  const failed: string[] = [];
  const say = (l: CheckLine) => {
    if (l.status === 'FAIL') failed.push(l.subject);
    io.stdout(scrub(formatLine(l), secrets) + '\n');
  };
  say(ok('config', config.databaseUrl === null ? `DATA_DIR ${config.dataDir}` : 'DATABASE_URL (PostgreSQL)'));

  let store: Store | null = null;
  try {
    store = openControllerStore(config);
    say(ok('database', config.databaseUrl === null ? `SQLite in ${config.dataDir}` : 'PostgreSQL answers'));
  } catch (err) {
    say(
      fail(
        'database',
        errorMessage(err),
        config.databaseUrl === null
          ? `make DATA_DIR (${config.dataDir}) writable by this user, or run doctor as the controller's user`
          : 'check DATABASE_URL: the server runs, this machine reaches it, the user and password are right',
      ),
    );
  }
  try {
    const known = await checkProviders(config, say);
    if (store !== null) for (const r of store.listInstances()) if (!known.some((k) => k.id === r.id)) known.push(r);
    say(await checkTls(config));
    say(await checkWebhook(config, { sendTest: opts.sendTest }));
    say(await checkSshKey(config, opts.ssh.length > 0));
    say(checkKnownHosts(config));
    for (const id of opts.ssh) say(await checkSshHost(config, id, known));
    if (store !== null) {
      const now = Date.now();
      say(checkAgents(agentRows(store, config, now), now));
    } else say(fail('agents', 'not checked: the database did not open', 'fix the database line above'));
  } finally {
    store?.close();
  }
  if (failed.length > 0) {
    io.stderr(scrub(`cost-optimizer doctor: failed: ${failed.join(', ')}\n`, secrets));
    return EXIT.failure;
  }
  return EXIT.ok;
}

/** One line per configured provider (its list call); returns what they listed, for --ssh. */
async function checkProviders(config: Config, say: (l: CheckLine) => void): Promise<ProviderInstance[]> {
  const known: ProviderInstance[] = [];
  const build = { retry: { maxRetries: 1, baseDelayMs: 500 }, timeoutMs: 15_000 };
  const providers = [];
  // Google Cloud checks its credentials while it is built; built apart, its failure leaves the others checked.
  for (const part of [
    { ...config, gcp: null },
    { vast: null, tensordock: null, gcp: config.gcp },
  ]) {
    try {
      providers.push(...(await createProvidersFromConfig(part, silentLogger, build)));
    } catch (err) {
      const name = err instanceof ProviderError ? err.provider : 'providers';
      say(fail(PROVIDER[name]?.label ?? name, providerFailure(err), providerFix(name, err, config)));
    }
  }
  if (providers.length === 0 && config.vast === null && config.tensordock === null && config.gcp === null)
    say(ok('providers', 'none configured (VAST_API_KEY, TENSORDOCK_API_TOKEN, GCP_PROJECT_ID)'));
  for (const p of providers) {
    const label = PROVIDER[p.name]?.label ?? p.name;
    try {
      const list = await p.list();
      known.push(...list);
      say(ok(label, `credentials accepted (${list.length} instance${list.length === 1 ? '' : 's'} listed)`));
    } catch (err) {
      say(fail(label, providerFailure(err), providerFix(p.name, err, config)));
    }
  }
  return known;
}
