// Keeps a background credential failure inside @google-cloud/compute from killing the controller (google-cloud-node#9085).
//
// With missing or bad credentials every client method runs `this.initialize().catch(err => { throw err })`: the
// failure is rethrown from a detached promise, so the caller's own catch never sees it and Node (whose default is
// to crash on an unhandled rejection) exits. We avoid calling methods on a client whose initialize() failed, and
// this guard catches what could still slip through: credential failures from the Google libraries are logged and
// dropped; any other unhandled rejection keeps Node's default behaviour (the process crashes) unless another
// listener handles it.
import type { Logger } from '../../log';

const known = new WeakSet<object>();
let installed = false;
let guardLogger: Logger | null = null;

/** Remembers an error from a failed client initialize(): the same object is what the detached promises reject with. */
export function rememberGcpInitFailure(err: unknown): void {
  if (typeof err === 'object' && err !== null) known.add(err);
}

/** True for a rejection that comes from Google's auth/transport stack failing to get credentials. */
export function isGcpCredentialFailure(reason: unknown): boolean {
  if (typeof reason === 'object' && reason !== null && known.has(reason)) return true;
  if (!(reason instanceof Error)) return false;
  const fromGoogle = /google-auth-library|google-gax|gcp-metadata|gaxios|@google-cloud/.test(reason.stack ?? '');
  const aboutCredentials =
    /credential|authenticat|access token|refresh token|invalid_grant|unauthorized|default credentials|GOOGLE_APPLICATION_CREDENTIALS|does not exist, or it is not a file/i.test(
      reason.message,
    );
  return fromGoogle && aboutCredentials;
}

function onUnhandledRejection(reason: unknown): void {
  if (isGcpCredentialFailure(reason)) {
    guardLogger?.error(
      'gcp: caught a background credential failure from the Google client (it would have crashed the process); GCP calls will fail with a ProviderError',
      reason,
    );
    return;
  }
  // Not ours. Alone, we keep Node's default (crash on an unhandled rejection) by rethrowing; when other listeners
  // exist, they decide.
  if (process.listenerCount('unhandledRejection') === 1) throw reason;
}

/** Installs the guard once per process; later calls only update the logger. */
export function installGcpRejectionGuard(logger: Logger): void {
  guardLogger = logger;
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', onUnhandledRejection);
}

/** For tests: removes the guard. */
export function uninstallGcpRejectionGuard(): void {
  if (!installed) return;
  process.off('unhandledRejection', onUnhandledRejection);
  installed = false;
  guardLogger = null;
}
