// Notebook activity from a loopback stand-in for a Jupyter server (the documented /api/kernels JSON and runtime file).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeJupyter, startFakeJupyter } from '../../../test/fakes/fake-jupyter';
import { makeTempDir, type TempDir } from '../../../test/helpers/temp-dir';
import { jupyterRuntimeDirs } from './interactive-watch';
import { readNotebookActivity } from './jupyter-kernels';

let tmp: TempDir | null = null;
const servers: FakeJupyter[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  tmp?.cleanup();
  tmp = null;
});

const TOKEN = 'c8f1e2b3a4d5c6e7f8091a2b3c4d5e6f7a8b9c0d1e2f3a4b';

describe('readNotebookActivity', () => {
  it('finds the server from its runtime file, authenticates with its token and reads the kernels', async () => {
    tmp = makeTempDir();
    const j = await startFakeJupyter({
      runtimeDir: tmp.path,
      token: TOKEN,
      kernels: [
        { execution_state: 'idle', last_activity: '2026-12-03T08:00:00.000000Z' },
        { execution_state: 'idle', last_activity: '2026-12-03T09:30:00.000000Z' },
      ],
    });
    servers.push(j);
    const idle = await readNotebookActivity([tmp.path]);
    expect(idle).toMatchObject({ status: 'ok', busy: false, servers: 1, kernels: 2, at: Date.parse('2026-12-03T09:30:00Z') });
    expect(j.auth).toEqual([`token ${TOKEN}`]);
    j.setKernels([{ execution_state: 'busy', last_activity: '2026-12-03T09:31:00Z' }]);
    expect(await readNotebookActivity([tmp.path])).toMatchObject({ status: 'ok', busy: true, at: Date.parse('2026-12-03T09:31:00Z') });
  });

  it('no runtime file, or only a stale one (its pid is gone): no evidence, "none"', async () => {
    tmp = makeTempDir();
    expect(await readNotebookActivity([tmp.path, join(tmp.path, 'missing')])).toMatchObject({ status: 'none', at: null, busy: false, problem: null });
    writeFileSync(join(tmp.path, 'jpserver-999999999.json'), JSON.stringify({ port: 1, token: 'x', pid: 999999999 }));
    expect((await readNotebookActivity([tmp.path])).status).toBe('none');
  });

  it('a server that refuses us, or a broken runtime file: "unreadable", never activity', async () => {
    tmp = makeTempDir();
    const j = await startFakeJupyter({ runtimeDir: tmp.path, token: TOKEN, kernels: [{ execution_state: 'busy', last_activity: '2026-12-03T09:31:00Z' }] });
    servers.push(j);
    // the file names another token than the server's
    writeFileSync(j.runtimeFile, JSON.stringify({ port: j.port, token: 'wrong', pid: process.pid, base_url: '/' }));
    const refused = await readNotebookActivity([tmp.path]);
    expect(refused).toMatchObject({ status: 'unreadable', busy: false, at: null });
    expect(refused.problem).toContain('HTTP 403');
    expect(refused.problem).not.toContain('wrong');
    writeFileSync(j.runtimeFile, '{not json');
    expect((await readNotebookActivity([tmp.path])).status).toBe('unreadable');
  });

  it("looks in each home directory's default runtime directory", async () => {
    tmp = makeTempDir();
    const homes = join(tmp.path, 'home');
    mkdirSync(join(homes, 'alice', '.local/share/jupyter/runtime'), { recursive: true });
    mkdirSync(join(homes, 'bob'), { recursive: true });
    const dirs = await jupyterRuntimeDirs(['/run/jupyter'], homes);
    expect(dirs).toEqual(['/run/jupyter', join(homes, 'alice/.local/share/jupyter/runtime'), join(homes, 'bob/.local/share/jupyter/runtime')]);
    const j = await startFakeJupyter({ runtimeDir: dirs[1]!, token: TOKEN, kernels: [{ execution_state: 'idle', last_activity: '2026-12-03T07:00:00Z' }] });
    servers.push(j);
    expect(await readNotebookActivity(dirs)).toMatchObject({ status: 'ok', kernels: 1 });
  });
});
