// The one node HTTP(S) server of a controller: the Hono app and the /agent WebSocket upgrades on one port. With a
// certificate the port speaks TLS only (a plain-HTTP request fails the handshake and gets no answer) and the
// certificate files are watched for a renewal.
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { Ingest } from '../ingest';
import type { Logger } from '../log';
import { type LoadedCertificate, type TlsFiles, watchCertificate } from '../tls/certificate';

export interface Listening {
  server: Server;
  port: number;
  /** Stops watching the certificate files (a no-op on plain HTTP). */
  stopWatching: () => void;
}

export async function listen(
  app: Hono,
  ingest: Ingest,
  o: {
    host: string;
    port: number;
    tls: { files: TlsFiles; certificate: LoadedCertificate } | null;
    logger: Logger;
    tlsWatchIntervalMs?: number;
    /** HTTP_HEADERS_TIMEOUT_SECONDS, HTTP_IDLE_TIMEOUT_SECONDS, TLS_HANDSHAKE_TIMEOUT_SECONDS (defaults 10, 5, 10). */
    timeouts?: { headersSec: number; idleSec: number; handshakeSec: number };
    /** MAX_UNAUTHENTICATED_SOCKETS (default 10,000). */
    maxUnauthenticatedSockets?: number;
  },
): Promise<Listening> {
  const { logger } = o;
  const t = o.timeouts ?? { headersSec: 10, idleSec: 5, handshakeSec: 10 };
  const server = (
    o.tls === null
      ? createAdaptorServer({ fetch: app.fetch })
      : createAdaptorServer({
          fetch: app.fetch,
          createServer: createHttpsServer,
          serverOptions: { cert: o.tls.certificate.cert, key: o.tls.certificate.key, handshakeTimeout: t.handshakeSec * 1000 },
        })
  ) as Server;
  // A socket that has not authenticated costs memory until it is gone: it must send its headers (an agent its upgrade
  // request, which carries the token) soon, and an idle keep-alive connection is closed. Node's defaults are a minute
  // for headers and five minutes for a whole request. Agent WebSockets are not HTTP requests once upgraded: these
  // do not apply to them (the ingest pings them instead).
  server.headersTimeout = t.headersSec * 1000;
  server.requestTimeout = Math.max(server.headersTimeout, 60_000);
  server.keepAliveTimeout = t.idleSec * 1000;
  ingest.attach(server);
  // A cap on sockets that are not agent connections: open sockets minus live agents. A flood of connections that never
  // authenticate is closed at once past it (one WARN per burst); agents that were refused retry with backoff.
  const maxPending = o.maxUnauthenticatedSockets ?? 10_000;
  let open = 0;
  let refusing = false;
  server.on('connection', (socket: Socket) => {
    if (open - ingest.stats().connected >= maxPending) {
      if (!refusing) {
        refusing = true;
        logger.warn(`more than ${maxPending} sockets that are not agent connections are open (MAX_UNAUTHENTICATED_SOCKETS): closing new ones at once`);
      }
      socket.destroy();
      return;
    }
    refusing = false;
    open++;
    socket.once('close', () => open--);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger.error('http server error', err));
  const port = (server.address() as AddressInfo).port;
  if (o.tls === null) return { server, port, stopWatching: () => {} };
  logger.info(`serving HTTPS and WSS only; certificate ${o.tls.files.certFile}, key pin ${o.tls.certificate.pin}`);
  // Failed handshakes (plain HTTP on this port, scanners) are closed without an answer; debug only, as they are noise.
  server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
    logger.debug(`TLS handshake from ${socket.remoteAddress ?? '?'} failed: ${err.message}`);
    socket.destroy();
  });
  const stopWatching = watchCertificate(server as unknown as TlsServer, o.tls.files, o.tls.certificate, logger, o.tlsWatchIntervalMs);
  return { server, port, stopWatching };
}
