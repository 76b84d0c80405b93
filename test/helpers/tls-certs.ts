// Real certificates for TLS tests, made with the `openssl` binary: a CA, certificates it signs, self-signed ones,
// their curl-style key pins, and an HTTPS client that trusts exactly one given certificate.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { spkiPin } from '../../controller/src/tls/pin';

export interface CertPair {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  pin: string;
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

function pair(certFile: string, keyFile: string): CertPair {
  const cert = readFileSync(certFile);
  return { certFile, keyFile, cert, pin: spkiPin(cert) };
}

/** A self-signed EC certificate for localhost/127.0.0.1; `keyFile` given: reuse that key (a renewal with the same key). */
export function selfSigned(dir: string, name: string, opts: { keyFile?: string; cn?: string } = {}): CertPair {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = opts.keyFile ?? join(dir, `${name}.key`);
  const keyArgs = opts.keyFile ? ['-key', opts.keyFile] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile];
  openssl([
    'req',
    '-x509',
    ...keyArgs,
    '-days',
    '2',
    '-subj',
    `/CN=${opts.cn ?? name}`,
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-out',
    certFile,
  ]);
  return pair(certFile, keyFile);
}

/** A CA (self-signed, CA:true) and a function issuing server certificates for localhost/127.0.0.1 signed by it. */
export function certificateAuthority(dir: string, name: string): CertPair & { issue(leaf: string): CertPair } {
  const ca = join(dir, `${name}.crt`);
  const caKey = join(dir, `${name}.key`);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    caKey,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
    '-out',
    ca,
  ]);
  return {
    ...pair(ca, caKey),
    issue(leaf) {
      const key = join(dir, `${leaf}.key`);
      const csr = join(dir, `${leaf}.csr`);
      const crt = join(dir, `${leaf}.crt`);
      const ext = join(dir, `${leaf}.ext`);
      writeFileSync(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
      openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-subj', `/CN=${leaf}`, '-out', csr]);
      openssl(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', crt]);
      return pair(crt, key);
    },
  };
}

/** An HTTPS request that trusts exactly `cert` (as its own CA), for talking to a self-signed controller. */
export async function httpsJson(
  url: string,
  cert: Buffer,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown }> {
  const dispatcher = new Agent({ connect: { ca: cert, checkServerIdentity: () => undefined } });
  try {
    const res = await request(url, {
      dispatcher,
      method: (init.method ?? 'GET') as 'GET',
      headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text === '' ? null : (JSON.parse(text) as unknown) };
  } finally {
    await dispatcher.close();
  }
}
