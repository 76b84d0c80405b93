// The only place the controller reads process.env: the real environment over one settings file, which is --env-file,
// else the service's /etc/cost-optimizer/controller.env when this user can read it, else `.env` in the working directory.
import { accessSync, constants, existsSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../domain/errors';
import { type Config, parseConfig } from './config';

/** The settings file of the systemd service (install/cost-optimizer.service `EnvironmentFile=`). */
export const SERVICE_ENV_FILE = '/etc/cost-optimizer/controller.env';
/**
 * What the unit sets with `Environment=` beneath its env file: the service has these without the file saying so, and
 * a command reading the service's file must too, or it would open ./data instead of the service's database.
 */
export const SERVICE_DEFAULTS: Readonly<Record<string, string>> = { DATA_DIR: '/var/lib/cost-optimizer' };

export interface SettingsSource {
  /** --env-file: this file and no other; an error when it cannot be read. */
  envFile?: string | null;
  cwd?: string;
  /** Where the service's file is looked for (tests point it elsewhere). */
  serviceFile?: string;
  env?: Record<string, string | undefined>;
}

export interface LoadedSettings {
  record: Record<string, string | undefined>;
  /** The file read, null when none. */
  file: string | null;
  /** Lines worth telling the person at the terminal: a settings file that exists but was not read. */
  notes: string[];
}

const readable = (path: string) => {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
};

const samePath = (a: string, b: string) => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
};

function parseFile(path: string, variable: string): Record<string, string> {
  try {
    return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
  } catch (err) {
    throw new ConfigError(variable, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The settings a command runs with, and which file they came from. */
export function loadSettings(source: SettingsSource = {}): LoadedSettings {
  const cwd = source.cwd ?? process.cwd();
  const env = source.env ?? process.env;
  const serviceFile = source.serviceFile ?? SERVICE_ENV_FILE;
  const dotEnv = join(cwd, '.env');
  const notes: string[] = [];
  let file: string | null = null;
  if (source.envFile !== undefined && source.envFile !== null) {
    file = resolve(cwd, source.envFile);
    if (!existsSync(file)) throw new ConfigError('--env-file', `${file} does not exist`);
  } else if (existsSync(serviceFile) && readable(serviceFile)) {
    file = serviceFile;
    if (existsSync(dotEnv)) notes.push(`${dotEnv} not read: the settings come from ${serviceFile} (--env-file ${dotEnv} to use it instead)`);
  } else {
    if (existsSync(serviceFile)) notes.push(`cannot read ${serviceFile} (the service's settings) as this user: run as root, or pass --env-file PATH`);
    if (existsSync(dotEnv)) file = dotEnv;
  }
  const fromFile = file === null ? {} : parseFile(file, file === dotEnv ? '.env' : '--env-file');
  const defaults = file !== null && samePath(file, serviceFile) ? SERVICE_DEFAULTS : {};
  // The real environment wins over the file, as with systemd EnvironmentFile plus overrides.
  return { record: { ...defaults, ...fromFile, ...env }, file, notes };
}

/** The `.env` of `cwd` under the real environment (the library's loadConfig; the CLI uses loadSettings). */
export function loadEnvRecord(cwd = process.cwd()): Record<string, string | undefined> {
  const file = join(cwd, '.env');
  const fromFile = existsSync(file) ? (parseEnv(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  return { ...fromFile, ...process.env };
}

export function loadConfig(cwd = process.cwd()): Config {
  return parseConfig(loadEnvRecord(cwd), homedir());
}

/** The configuration of a CLI command (see loadSettings), with the notes about files it did not read. */
export function loadCliConfig(source: SettingsSource = {}): { config: Config; file: string | null; notes: string[] } {
  const { record, file, notes } = loadSettings(source);
  return { config: parseConfig(record, homedir()), file, notes };
}
