import { describe, expect, it } from 'vitest';
import { selfSignedPaths, tlsFilesFor } from './certificate';
import { installBaseUrl, installLine } from './install-line';

const pin = `sha256//${'A'.repeat(43)}=`;

describe('installLine', () => {
  it('pins the key for a controller serving its own TLS, with the token in the environment of sh', () => {
    expect(installLine({ baseUrl: 'https://co.example:8080', pin, token: 'co_tok' })).toBe(
      `curl -fsSk --proto =https --pinnedpubkey '${pin}' 'https://co.example:8080/install.sh' | AGENT_TOKEN='co_tok' sh -s -- --controller 'https://co.example:8080' --pin '${pin}'`,
    );
  });

  it('uses ordinary verification behind a proxy, and --insecure only for plain http to another host', () => {
    expect(installLine({ baseUrl: 'https://co.example', pin: null, token: 't' })).toBe(
      "curl -fsS --proto =https 'https://co.example/install.sh' | AGENT_TOKEN='t' sh -s -- --controller 'https://co.example'",
    );
    expect(installLine({ baseUrl: 'http://127.0.0.1:8080', pin: null, token: 't' })).not.toContain('--insecure');
    expect(installLine({ baseUrl: 'http://10.0.0.2:8080', pin: null, token: 't' })).toMatch(/ --insecure$/);
  });

  it('quotes what it puts on the line', () => {
    expect(installLine({ baseUrl: 'https://x', pin: null, token: "a'b" })).toContain(`AGENT_TOKEN='a'\\''b'`);
  });
});

describe('tlsFilesFor / installBaseUrl', () => {
  const base = { tls: null, host: '127.0.0.1', allowPlaintext: false, dataDir: '/d' };
  it('serves TLS with configured files, self-signed on a public HOST, none on loopback or with ALLOW_PLAINTEXT', () => {
    expect(tlsFilesFor({ ...base, tls: { certFile: '/c', keyFile: '/k' } })).toEqual({ certFile: '/c', keyFile: '/k', selfSigned: false });
    expect(tlsFilesFor({ ...base, host: '0.0.0.0' })).toEqual(selfSignedPaths('/d'));
    expect(tlsFilesFor(base)).toBeNull();
    expect(tlsFilesFor({ ...base, host: '0.0.0.0', allowPlaintext: true })).toBeNull();
  });

  it('prefers PUBLIC_URL, else HOST:PORT with the scheme served', () => {
    expect(installBaseUrl({ publicUrl: 'https://co.example', host: '0.0.0.0', port: 8080 }, null)).toBe('https://co.example');
    expect(installBaseUrl({ publicUrl: null, host: '10.0.0.5', port: 8443 }, selfSignedPaths('/d'))).toBe('https://10.0.0.5:8443');
    expect(installBaseUrl({ publicUrl: null, host: '::1', port: 1 }, null)).toBe('http://[::1]:1');
  });
});
