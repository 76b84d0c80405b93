// The engine tests' default config must be the product's real defaults, or the tests prove rules nobody runs.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../controller/src/config/config';
import { engineConfig } from './engine-test-kit';

describe('engineConfig()', () => {
  it('starts from the defaults parseConfig gives an empty environment', () => {
    const kit = engineConfig();
    const real = parseConfig({});
    const picked = Object.fromEntries(Object.keys(kit).map((k) => [k, real[k as keyof typeof real]]));
    expect(kit).toEqual(picked);
  });
});
