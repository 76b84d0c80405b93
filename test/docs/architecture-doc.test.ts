// docs/architecture.md cannot drift from the code: every path it names exists, and its one-sample walk lists files in
// import order (architecture-walk.ts says what links two consecutive files). Reads files only.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importGraph, missingPaths, readDoc, sampleWalk, walkBreaks } from './architecture-walk';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const doc = readDoc(root);
const graph = importGraph(root);

describe('docs/architecture.md', () => {
  it('names only paths that exist', () => {
    expect(missingPaths(root, doc)).toEqual([]);
  });

  it('notices a path that does not exist', () => {
    expect(missingPaths(root, doc + '\n`controller/src/optimizer/no-such-file.ts` and `gone/`\n')).toEqual([
      'controller/src/optimizer/no-such-file.ts',
      'gone/',
    ]);
  });

  it('walks one sample through whole paths of files that are in the import graph, in order', () => {
    const walk = sampleWalk(doc);
    expect(walk.map((s) => s.step)).toEqual(walk.map((_, i) => i + 1));
    expect(walk.filter((s) => !graph.imports.has(s.file)).map((s) => s.file)).toEqual([]);
    expect(
      walkBreaks(
        graph,
        walk.map((s) => s.file),
      ),
    ).toEqual([]);
  });

  // The rule is local: files one driver calls in turn (read.ts's child, parser and aggregator; the cycle's steps) may
  // swap among themselves unnoticed. A step moved out of its stage of the walk breaks it.
  it('would fail if any two steps 8 or more apart swapped places', () => {
    const files = sampleWalk(doc).map((s) => s.file);
    for (let i = 0; i < files.length; i++) {
      for (let j = i + 8; j < files.length; j++) {
        const swapped = [...files];
        [swapped[i], swapped[j]] = [swapped[j]!, swapped[i]!];
        expect(walkBreaks(graph, swapped), `steps ${i + 1} and ${j + 1} swapped`).not.toEqual([]);
      }
    }
  });
});
