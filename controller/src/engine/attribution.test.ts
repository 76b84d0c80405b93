import { describe, expect, it } from 'vitest';
import { attribute, markerAttribution } from './attribution';

const dir = (teams: Record<string, string>) => ({ ownerTeam: (o: string) => teams[o] ?? null });

describe('attribution', () => {
  it('reads [owner=] and [team=] from a Vast.ai label and a TensorDock name, and the GCP labels', () => {
    expect(markerAttribution({ name: 'C.123', labels: { label: 'sd-xl [owner=alice] [team=vision]' } })).toEqual({
      owner: 'alice',
      ownerFrom: 'label label',
      team: 'vision',
      teamFrom: 'label label',
    });
    expect(markerAttribution({ name: 'trainer [owner=bob]', labels: {} })).toMatchObject({ owner: 'bob', team: null, ownerFrom: 'name "trainer [owner=bob]"' });
    expect(markerAttribution({ name: 'vm-1', labels: { 'cost-optimizer-owner': 'carol', 'cost-optimizer-team': 'nlp' } })).toEqual({
      owner: 'carol',
      ownerFrom: 'label cost-optimizer-owner=carol',
      team: 'nlp',
      teamFrom: 'label cost-optimizer-team=nlp',
    });
    expect(markerAttribution({ name: 'plain', labels: {} })).toMatchObject({ owner: null, team: null });
    // Not a name: ignored, never a crash.
    expect(markerAttribution({ name: 'x [owner=<script>]', labels: {} }).owner).toBeNull();
  });

  it("a marker wins over the join token, which wins over the owner's team in the directory", () => {
    const enrolled = { team: 'ops', joinTokenId: 'abcdef012345' };
    expect(attribute({ name: 'a [owner=alice] [team=nlp]', labels: {} }, enrolled, dir({ alice: 'vision' }))).toMatchObject({ team: 'nlp' });
    expect(attribute({ name: 'a [owner=alice]', labels: {} }, enrolled, dir({ alice: 'vision' }))).toMatchObject({
      owner: 'alice',
      team: 'ops',
      teamFrom: expect.stringContaining('join token abcdef012345'),
    });
    expect(attribute({ name: 'a [owner=alice]', labels: {} }, null, dir({ alice: 'vision' }))).toMatchObject({
      team: 'vision',
      teamFrom: "owner alice's team in the directory",
    });
    expect(attribute({ name: 'a [owner=dave]', labels: {} }, null, dir({ alice: 'vision' }))).toMatchObject({ owner: 'dave', team: null });
  });
});
