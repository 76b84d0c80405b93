// `cost-optimizer doctor` against the Vast.ai fake (a real HTTP server) and a real database directory: passes on a
// sound set-up, fails naming Vast.ai when the key is refused.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startVastFake, type VastFake } from '../fake-world/vast-fake';
import { makeTempDir } from '../../../test/helpers/temp-dir';
import { doctorCommand } from './doctor';

let vast: VastFake;
const tmp = makeTempDir('co-doctor-');
const saved = { ...process.env };
beforeAll(async () => {
  vast = await startVastFake({});
});
afterEach(() => {
  process.env = { ...saved };
});
afterAll(async () => {
  await vast.close();
  tmp.cleanup();
});

async function doctor(env: Record<string, string>): Promise<{ code: number; out: string }> {
  process.env = { PATH: saved.PATH ?? '', DATA_DIR: tmp.path, VAST_API_URL: vast.url, ...env };
  let out = '';
  const code = await doctorCommand.run([], { stdout: (t) => (out += t), stderr: (t) => (out += t) });
  return { code, out };
}

describe('cost-optimizer doctor', () => {
  it('passes on a sound set-up', async () => {
    const r = await doctor({ VAST_API_KEY: vast.apiKey });
    expect(r.out).toMatch(/ok {3}config/);
    expect(r.out).toMatch(/ok {3}Vast\.ai: credentials accepted/);
    expect(r.code).toBe(0);
  });

  it('fails naming Vast.ai when the key is refused', async () => {
    const r = await doctor({ VAST_API_KEY: 'wrong-key-0000000000' });
    expect(r.out).toMatch(/FAIL Vast\.ai: the API key was refused \(401\)/);
    expect(r.out).toContain('failed: Vast.ai');
    expect(r.code).not.toBe(0);
  });
});
