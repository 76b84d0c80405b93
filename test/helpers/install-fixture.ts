// One host's life in the installer's end-to-end tests, set up once per shell: an install server, a temporary root
// (with whatever `prepare` writes into it), stand-in service managers when asked, and under busybox a minimal host
// (busybox applets such as wget, sha256sum and stat, plus node, nothing else). All removed after the last test.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { busyboxBin, contentOf, fakeManagers, killLeftovers, makeRoot, type RunResult, type Shell, snapshot } from './install-host';
import { fakeAgentSource, type InstallServer, startInstallServer } from './install-server';

export interface InstallHost {
  readonly srv: InstallServer;
  /** The temporary root install.sh writes into (--prefix). */
  readonly root: string;
  /** The stand-in systemctl / rc-service (only with `managers: true`). */
  readonly mgr: ReturnType<typeof fakeManagers>;
  /** PATH for the installer: the busybox-only one under busybox, else the test's own. */
  readonly path: string | undefined;
  /** The root's files before any install. */
  readonly pristine: Record<string, string>;
  /** Removes `dir` after the last test too. */
  removeAfter(dir: string): void;
}

export interface InstallHostOptions {
  managers?: boolean;
  prepare?: (root: string) => void;
  /** Kill what the installed supervisor started under the root (the no-init branch). */
  killLeftovers?: boolean;
}

export function useInstallHost(shell: Shell, opts: InstallHostOptions = {}): InstallHost {
  let state: {
    srv: InstallServer;
    root: string;
    mgr: ReturnType<typeof fakeManagers> | null;
    path: string | undefined;
    pristine: Record<string, string>;
  } | null = null;
  const cleanup: string[] = [];
  beforeAll(async () => {
    const srv = await startInstallServer({ agentSource: fakeAgentSource('v1'), runtime: null });
    const root = makeRoot();
    const mgr = opts.managers ? fakeManagers(root) : null;
    opts.prepare?.(root);
    const pristine = contentOf(snapshot(root));
    const path = shell === 'busybox' ? busyboxBin('/usr/bin/node') : undefined;
    cleanup.push(root, ...(mgr ? [mgr.bin, mgr.state] : []), ...(path ? [path] : []));
    state = { srv, root, mgr, path, pristine };
  });
  afterAll(async () => {
    if (state && opts.killLeftovers) killLeftovers(state.root);
    await state?.srv.close();
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  });
  const get = () => {
    if (state === null) throw new Error('useInstallHost: the host exists only inside its tests');
    return state;
  };
  return {
    get srv() {
      return get().srv;
    },
    get root() {
      return get().root;
    },
    get mgr() {
      const m = get().mgr;
      if (m === null) throw new Error('useInstallHost: created without managers');
      return m;
    },
    get path() {
      return get().path;
    },
    get pristine() {
      return get().pristine;
    },
    removeAfter(dir: string) {
      cleanup.push(dir);
    },
  };
}

/** Every init branch: install.sh fed a tampered agent.js fails with a clear line and leaves the root as it was. */
export async function expectTamperedAgentRefused(h: InstallHost, install: () => Promise<RunResult>): Promise<void> {
  h.srv.tamperAgent(true);
  const r = await install();
  h.srv.tamperAgent(false);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/checksum mismatch: agent\.js .* refusing to install/);
  expect(contentOf(snapshot(h.root))).toEqual(h.pristine);
}
