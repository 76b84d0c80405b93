// The only place the controller reads process.env: merges a `.env` file from the working directory under the real environment.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { type Config, parseConfig } from './config';

export function loadEnvRecord(cwd = process.cwd()): Record<string, string | undefined> {
  const file = join(cwd, '.env');
  const fromFile = existsSync(file) ? (parseEnv(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  // The real environment wins over the file, as with systemd EnvironmentFile plus overrides.
  return { ...fromFile, ...process.env };
}

export function loadConfig(cwd = process.cwd()): Config {
  return parseConfig(loadEnvRecord(cwd), homedir());
}
