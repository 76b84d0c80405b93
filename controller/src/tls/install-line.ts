// The one-line install command `token create` prints for a fresh GPU host: curl fetches install.sh accepting only the
// controller's pinned key (when it has one), and the installer gets the URL, the pin and the token (in its
// environment, not on its command line).
import { hostname } from 'node:os';
import { isLoopback, type Config } from '../config/config';
import type { TlsFiles } from './certificate';

/** Single-quotes a value for sh. */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface InstallLineInput {
  /** http(s)://host[:port] the GPU host reaches the controller at. */
  baseUrl: string;
  /** sha256//... when the controller serves TLS itself; null behind a CA-verified proxy or on plain HTTP. */
  pin: string | null;
  token: string;
}

export function installLine({ baseUrl, pin, token }: InstallLineInput): string {
  const env = `AGENT_TOKEN=${q(token)}`;
  const script = q(`${baseUrl}/install.sh`);
  if (pin !== null) {
    // -k: the certificate may be self-signed; --pinnedpubkey is what is trusted, checked before anything is sent.
    return `curl -fsSk --proto =https --pinnedpubkey ${q(pin)} ${script} | ${env} sh -s -- --controller ${q(baseUrl)} --pin ${q(pin)}`;
  }
  if (baseUrl.startsWith('https://')) return `curl -fsS --proto =https ${script} | ${env} sh -s -- --controller ${q(baseUrl)}`;
  const insecure = isLoopback(new URL(baseUrl).hostname.replace(/^\[|\]$/g, '')) ? '' : ' --insecure';
  return `curl -fsS ${script} | ${env} sh -s -- --controller ${q(baseUrl)}${insecure}`;
}

/** Where hosts reach the controller: PUBLIC_URL, else this machine's name (or HOST) and PORT with the served scheme. */
export function installBaseUrl(config: Pick<Config, 'publicUrl' | 'host' | 'port'>, tls: TlsFiles | null): string {
  if (config.publicUrl !== null) return config.publicUrl;
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  const host = wildcard ? hostname() : config.host;
  return `${tls === null ? 'http' : 'https'}://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}
