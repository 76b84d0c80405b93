// A throwaway self-signed certificate for 127.0.0.1 (openssl, P-256), for benches that serve wss:// (bench:ingest
// BENCH_TLS=1): the clients trust it as their only CA, so the handshakes are real ones.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SelfSignedCert {
  certFile: string;
  keyFile: string;
  /** The certificate's PEM, to pass as the clients' `ca`. */
  pem: string;
}

export function makeSelfSignedCert(dir: string): SelfSignedCert {
  const [certFile, keyFile] = [join(dir, 'bench-cert.pem'), join(dir, 'bench-key.pem')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=bench',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile, pem: readFileSync(certFile, 'utf8') };
}
