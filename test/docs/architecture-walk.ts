// Reads docs/architecture.md against the code, files only: the paths the page names, the one-sample walk's files, the
// import graph of protocol/, agent/ and controller/ (from the import lines), and the rule the walk keeps.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git']);
/** Build outputs the page names on purpose: not in the tree. */
const BUILT = /^dist\//;
const PATH_TOKEN = /^[\w.-]+(\/[\w.-]+)*(\.(ts|tsx|js|mjs|cjs|md|sh|json|service)|\/)$/;

function walkTree(root: string, dir: string, files: string[], dirs: string[]): void {
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (SKIP_DIRS.has(e.name)) continue;
    const rel = dir === '' ? e.name : `${dir}/${e.name}`;
    if (e.isDirectory()) {
      dirs.push(`${rel}/`);
      walkTree(root, rel, files, dirs);
    } else files.push(rel);
  }
}

/** Every file or folder path the page names (in backticks, or as a link target) that no file or folder of the tree has. */
export function missingPaths(root: string, doc: string): string[] {
  const files: string[] = [];
  const dirs: string[] = [];
  walkTree(root, '', files, dirs);
  const all = [...files, ...dirs];
  const named = new Set<string>();
  for (const m of doc.matchAll(/`([^`\s]+)`/g)) if (PATH_TOKEN.test(m[1]!)) named.add(m[1]!);
  for (const m of doc.matchAll(/\]\(([^)#\s]+)\)/g)) if (!/^[a-z]+:/.test(m[1]!)) named.add(normalize(join('docs', m[1]!)));
  // A bare or partial name (`read.ts`, `steps/decide.ts`) is the end of some path of the tree.
  return [...named].filter((p) => !BUILT.test(p) && !all.some((f) => f === p || f.endsWith(`/${p}`))).sort();
}

/** The one-sample walk: each numbered step's text and its file (the first path it names, whole from the root). */
export function sampleWalk(doc: string): { step: number; file: string; text: string }[] {
  const start = doc.indexOf('\n## One sample');
  if (start < 0) throw new Error('docs/architecture.md has no "## One sample" section');
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end < 0 ? undefined : end);
  return section
    .split(/\n(?=\d+\. )/)
    .slice(1)
    .map((text) => {
      const file = /`([\w./-]+\.tsx?)`/.exec(text)?.[1];
      if (file === undefined) throw new Error(`a walk step names no file: ${text.slice(0, 60)}`);
      return { step: Number(/^\d+/.exec(text)![0]), file, text };
    });
}

export interface ImportGraph {
  /** File -> the files of the tree it imports (tests left out). */
  imports: Map<string, Set<string>>;
  /** File -> the files that import it. */
  importedBy: Map<string, Set<string>>;
  source: Map<string, string>;
}

export function importGraph(root: string, roots: readonly string[] = ['protocol', 'agent/src', 'controller/src']): ImportGraph {
  const files: string[] = [];
  for (const r of roots) walkTree(root, r, files, []);
  const code = files.filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f) && !f.endsWith('.d.ts'));
  const known = new Set(code);
  const g: ImportGraph = { imports: new Map(), importedBy: new Map(), source: new Map() };
  for (const f of code) {
    g.imports.set(f, new Set());
    g.importedBy.set(f, new Set());
  }
  for (const f of code) {
    const src = readFileSync(join(root, f), 'utf8');
    g.source.set(f, src);
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const base = normalize(join(dirname(f), m[1]!));
      const to = ['.ts', '.tsx', '/index.ts'].map((e) => base + e).find((p) => known.has(p));
      if (to === undefined) continue;
      g.imports.get(f)!.add(to);
      g.importedBy.get(to)!.add(f);
    }
  }
  return g;
}

/** Whether `a` reaches `b` in at most `hops` imports. */
function reaches(g: ImportGraph, a: string, b: string, hops: number): boolean {
  let frontier = new Set([a]);
  for (let i = 0; i < hops; i++) {
    const next = new Set<string>();
    for (const x of frontier) for (const y of g.imports.get(x) ?? []) next.add(y);
    if (next.has(b)) return true;
    frontier = next;
  }
  return false;
}

/** `b` declares `class ... implements Name` of an interface exported by a file that `a` imports (a call through it). */
function implementsWhatCalls(g: ImportGraph, a: string, b: string): boolean {
  for (const m of (g.source.get(b) ?? '').matchAll(/\bimplements\s+([\w\s,]+?)\s*\{/g)) {
    for (const name of m[1]!.split(',').map((s) => s.trim())) {
      for (const dep of g.imports.get(a) ?? []) {
        if (new RegExp(`export (interface|type) ${name}\\b`).test(g.source.get(dep) ?? '')) return true;
      }
    }
  }
  return false;
}

/**
 * How the walk goes from `a` to the next file `b`, or null when it does not: `b` is within two imports of `a` (down) or
 * `a` of `b` (up); one file imports both (a driver calls one, then the other); one implements an interface the other
 * calls; or the one wire hop, from the agent to the controller.
 */
export function walkLink(g: ImportGraph, a: string, b: string): string | null {
  if (a.startsWith('agent/') && b.startsWith('controller/')) return 'wire';
  if (!g.imports.has(a) || !g.imports.has(b)) return null;
  if (reaches(g, a, b, 2)) return 'down';
  if (reaches(g, b, a, 2)) return 'up';
  for (const x of g.importedBy.get(a)!) if (g.importedBy.get(b)!.has(x)) return `both imported by ${x}`;
  if (implementsWhatCalls(g, a, b) || implementsWhatCalls(g, b, a)) return 'through an interface';
  return null;
}

/** The walk's breaks: consecutive files with no link. */
export function walkBreaks(g: ImportGraph, files: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < files.length; i++) if (walkLink(g, files[i - 1]!, files[i]!) === null) out.push(`${files[i - 1]} -> ${files[i]}`);
  return out;
}

export function readDoc(root: string): string {
  const p = join(root, 'docs', 'architecture.md');
  if (!existsSync(p)) throw new Error(`${p} is missing`);
  return readFileSync(p, 'utf8');
}
