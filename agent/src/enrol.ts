// Zero-touch enrolment (docs/enrolment.md): an agent started with JOIN_TOKEN and no AGENT_TOKEN uses the token it
// kept from an earlier enrolment, or claims its instance from the controller (POST /agent/enrol) and keeps the agent
// token it is granted in a 0600 file, so a restart needs neither the join token nor the controller's consent again.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { ENROL_PATH, ENROL_VERSION, EnrolGrantSchema, type EnrolRequest, type Identity } from '../../protocol';
import { type Logger, errorMessage } from '../../protocol/log';
import { Backoff } from '../../protocol/backoff';
import { connectPinned } from './pinned-tls';

export const KEPT_TOKEN_FILE = 'agent-token';
/** Beside the token: the instance it was granted for (`vast:123`). A token belongs to its instance. */
export const KEPT_IDENTITY_FILE = 'agent-token.instance';

/** Enrolment cannot go on (no identity to claim, a request the controller calls malformed): retrying will not help. */
export class EnrolError extends Error {}

/** The enrolment URL on the controller's origin: ws -> http, wss -> https, path ENROL_PATH. */
export function enrolUrl(controllerUrl: string): string {
  const u = new URL(controllerUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  u.pathname = ENROL_PATH;
  u.search = '';
  return u.toString();
}

/** The token kept by an earlier enrolment, or null when there is none (a damaged file is reported and ignored). */
export function readKeptToken(stateDir: string, logger: Logger): string | null {
  const path = join(stateDir, KEPT_TOKEN_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn(`cannot read the kept agent token ${path}: ${errorMessage(err)}; enrolling again`);
    return null;
  }
  const token = text.trim();
  if (!/^[\x21-\x7e]{1,512}$/.test(token)) {
    logger.warn(`the kept agent token ${path} is not a token; enrolling again`);
    return null;
  }
  return token;
}

/** The instance the kept token was granted for; null when not recorded (a token kept before this was). */
export function readKeptIdentity(stateDir: string): string | null {
  try {
    const t = readFileSync(join(stateDir, KEPT_IDENTITY_FILE), 'utf8').trim();
    return t === '' ? null : t;
  } catch {
    return null;
  }
}

/** Records which instance the kept token belongs to (written before the token, so a token never goes without it). */
export function keepIdentity(stateDir: string, instanceId: string): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, KEPT_IDENTITY_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, instanceId + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

/** Writes the token to <stateDir>/agent-token, 0600 from its first byte, replacing any earlier one atomically. */
export function keepToken(stateDir: string, token: string): string {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, KEPT_TOKEN_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, token + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600); // the umask can only take bits away, but a pre-existing tmp file keeps its own mode
  renameSync(tmp, path);
  return path;
}

interface Answer {
  status: number;
  body: string;
}

/**
 * POSTs the claim. With CONTROLLER_PIN the TLS socket is opened and its key checked first (pinned-tls.ts), so the join
 * token goes out only to the pinned controller, exactly as the agent token does on the WebSocket.
 */
async function post(url: string, joinToken: string, payload: string, timeoutMs: number, pin: string | null): Promise<Answer> {
  let socket: Awaited<ReturnType<typeof connectPinned>> | null = null;
  if (pin !== null) {
    const u = new URL(url);
    socket = await connectPinned({ host: u.hostname, port: Number(u.port || 443), pin, timeoutMs });
  }
  const pinned = socket;
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        ...(pinned === null ? {} : { agent: false, createConnection: () => pinned }),
        method: 'POST',
        headers: { Authorization: `Bearer ${joinToken}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
          if (body.length > 64 * 1024) req.destroy(new Error('answer too long'));
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export interface EnrolOptions {
  controllerUrl: string;
  /** Every CONTROLLER_URL (replicas): a claim that cannot reach one is sent to the next. Default: controllerUrl alone. */
  controllerUrls?: readonly string[];
  /** Null when the join token was spent (removed from the host after enrolment): only a kept token will do. */
  joinToken: string | null;
  /** CONTROLLER_PIN, or null for ordinary TLS verification. */
  controllerPin?: string | null;
  stateDir: string;
  identity: Identity;
  logger: Logger;
  /** Waits between refused or failed claims (full jitter); default 5 s doubling to 5 min. */
  retryMinMs?: number;
  retryMaxMs?: number;
  requestTimeoutMs?: number;
  /** Stops the retries (agent shutdown); enrol() then rejects. */
  signal?: AbortSignal;
}

function claimOf(identity: Identity): EnrolRequest {
  if (identity.provider === null || identity.providerId === null || identity.source === 'none') {
    throw new EnrolError(
      'cannot tell which instance this host is (no VAST_CONTAINERLABEL, no GCE metadata server): set INSTANCE_ID=<provider>:<id>, e.g. vast:123456',
    );
  }
  return { v: ENROL_VERSION, instanceId: `${identity.provider}:${identity.providerId}`, source: identity.source };
}

/** The kept token, or a new one from the controller (kept before it is returned). Retries until granted or aborted. */
export async function obtainAgentToken(opts: EnrolOptions): Promise<string> {
  const { logger } = opts;
  const kept = readKeptToken(opts.stateDir, logger);
  const here = opts.identity.provider === null || opts.identity.providerId === null ? null : `${opts.identity.provider}:${opts.identity.providerId}`;
  const keptFor = kept === null ? null : readKeptIdentity(opts.stateDir);
  if (kept !== null && keptFor !== null && here !== null && keptFor !== here) {
    // A committed image, a copied disk or state directory, a template: the token is another instance's. Using it
    // would speak for that instance; enrol as the one we are on instead.
    logger.warn(
      `the kept agent token was granted for ${keptFor} but this is ${here} (state directory copied from another instance?): discarding it and enrolling again`,
    );
    try {
      rmSync(join(opts.stateDir, KEPT_TOKEN_FILE), { force: true });
    } catch (err) {
      logger.warn(`cannot remove ${join(opts.stateDir, KEPT_TOKEN_FILE)}: ${errorMessage(err)}`);
    }
  } else if (kept !== null) {
    if (keptFor === null && here !== null) {
      // Kept before identities were recorded: from now on it is this instance's (the controller checks the claim).
      try {
        keepIdentity(opts.stateDir, here);
      } catch (err) {
        logger.debug(`cannot record the kept token's instance: ${errorMessage(err)}`);
      }
    }
    logger.info(`using the agent token kept from an earlier enrolment (${join(opts.stateDir, KEPT_TOKEN_FILE)})`);
    return kept;
  }
  if (opts.joinToken === null) {
    throw new EnrolError(
      `no agent token is kept in ${join(opts.stateDir, KEPT_TOKEN_FILE)} and no JOIN_TOKEN is set: give this host a token (AGENT_TOKEN, from cost-optimizer token create <instance-id>) or a join token to enrol again`,
    );
  }
  const joinToken = opts.joinToken;
  const claim = claimOf(opts.identity);
  const urls = (opts.controllerUrls ?? [opts.controllerUrl]).map(enrolUrl);
  let at = 0;
  const payload = JSON.stringify(claim);
  const backoff = new Backoff({ minMs: opts.retryMinMs ?? 5_000, maxMs: opts.retryMaxMs ?? 300_000, jitter: 'full' });
  for (;;) {
    if (opts.signal?.aborted) throw new EnrolError('stopped before enrolment finished');
    let why: string;
    const url = urls[at]!;
    try {
      const answer = await post(url, joinToken, payload, opts.requestTimeoutMs ?? 15_000, opts.controllerPin ?? null);
      if (answer.status === 201) {
        const grant = EnrolGrantSchema.safeParse(JSON.parse(answer.body));
        if (!grant.success || grant.data.instanceId !== claim.instanceId) throw new Error('the controller answered 201 with an unexpected body');
        try {
          keepIdentity(opts.stateDir, claim.instanceId);
          const path = keepToken(opts.stateDir, grant.data.token);
          logger.info(`enrolled as ${claim.instanceId}; agent token kept in ${path} (JOIN_TOKEN is no longer needed on this host)`);
        } catch (err) {
          // Report with the token we hold; a restart enrols again (the controller revokes this token then).
          logger.warn(
            `enrolled as ${claim.instanceId}, but cannot keep the agent token in ${opts.stateDir}: ${errorMessage(err)}; set AGENT_STATE_DIR to a writable directory`,
          );
        }
        return grant.data.token;
      }
      if (answer.status === 400) throw new EnrolError(`the controller calls the claim for ${claim.instanceId} malformed: ${answer.body.slice(0, 200)}`);
      // The controller says no more on purpose; every condition is named so the person reading this can check them.
      why =
        answer.status === 403
          ? `enrolment as ${claim.instanceId} refused by the controller (a token is granted only with a valid join token, for an ` +
            "instance its provider lists as running, with no agent connected, claimed from that instance's public address)"
          : `enrolment request failed: HTTP ${answer.status}`;
    } catch (err) {
      if (err instanceof EnrolError) throw err;
      why = `enrolment request to ${url} failed: ${errorMessage(err)}`;
      at = (at + 1) % urls.length; // unreachable: the next replica, if any (a refusal is an answer: no move)
    }
    const delay = backoff.next();
    logger.warn(`${why}; retrying in ${(delay / 1000).toFixed(1)} s`);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, delay);
      opts.signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  }
}
