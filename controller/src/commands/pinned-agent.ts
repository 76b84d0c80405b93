// An undici dispatcher for the CLI that trusts the controller's own key by its pin (curl's --pinnedpubkey, checked on
// the handshake before a byte is sent) or, failing that, a certificate the system's CAs vouch for under the URL's name.
import { checkServerIdentity, type TLSSocket } from 'node:tls';
import { Agent, buildConnector } from 'undici';
import { spkiPin } from '../tls/pin';

export class PinMismatchError extends Error {
  override name = 'PinMismatchError';
}

/** The pin of the peer's key, null when it showed no certificate. */
function peerPin(socket: TLSSocket): string | null {
  const cert = socket.getPeerX509Certificate();
  return cert === undefined ? null : spkiPin(cert.raw);
}

export function pinnedAgent(pin: string): Agent {
  // The CA chain is checked by hand below: a self-signed controller has none, and its key is what is trusted.
  const connector = buildConnector({ rejectUnauthorized: false });
  return new Agent({
    connect: (options, callback) =>
      connector(options, (err, socket) => {
        if (err !== null) return callback(err, null);
        const tls = socket as TLSSocket;
        const got = peerPin(tls);
        if (got === pin) return callback(null, socket);
        const caVerified = tls.authorized && checkServerIdentity(options.hostname, tls.getPeerCertificate()) === undefined;
        if (caVerified) return callback(null, socket);
        socket.destroy();
        callback(
          new PinMismatchError(
            `${options.hostname}:${options.port} showed the key ${got ?? '(none)'}, not the controller's ${pin}, and no certificate a CA vouches for (${tls.authorizationError ?? 'name mismatch'}); sent nothing`,
          ),
          null,
        );
      }),
  });
}
