// DIRECTORY_FILE (docs/owners.md): owners and teams declared in a YAML (or JSON, which is YAML) file, applied at start
// and on SIGHUP. The file wins for the names it lists; a name it no longer lists, that came from it, is removed. A bad
// entry gets one error line naming its line and is skipped (its stored entry is left as it was); never a crash.
import { readFileSync } from 'node:fs';
import { isMap, LineCounter, parseDocument, type Node } from 'yaml';
import { errorMessage, type Logger } from '../log';
import type { Store } from '../store';
import { type OwnerEntry, parseOwner, parseTeam, type TeamEntry } from './directory-entry';

export interface ParsedDirectory {
  owners: OwnerEntry[];
  teams: TeamEntry[];
  /** One line each: `<file>:<line>: <what is wrong>`. */
  errors: string[];
  /** Every name the file lists, good entries and bad. */
  listed: { owners: Set<string>; teams: Set<string> };
}

/** Parses the text of a directory file (pure). `where` names the file in the error lines. */
export function parseDirectoryText(text: string, where: string): ParsedDirectory {
  const out: ParsedDirectory = { owners: [], teams: [], errors: [], listed: { owners: new Set(), teams: new Set() } };
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const lineOf = (n: Node | null | undefined | { range?: [number, number, number] | null }) => (n?.range ? lc.linePos(n.range[0]).line : 1);
  for (const e of doc.errors) out.errors.push(`${where}:${e.linePos?.[0]?.line ?? 1}: ${e.message.split('\n')[0]}`);
  if (doc.errors.length > 0) return out;
  const root = doc.contents;
  if (root === null) return out;
  if (!isMap(root)) {
    out.errors.push(`${where}:${lineOf(root)}: expected a map with "owners" and "teams"`);
    return out;
  }
  for (const pair of root.items) {
    const key = String((pair.key as { value?: unknown } | null)?.value ?? pair.key);
    if (key !== 'owners' && key !== 'teams') {
      out.errors.push(`${where}:${lineOf(pair.key as Node)}: unknown section "${key.slice(0, 40)}" (owners, teams)`);
      continue;
    }
    const section = pair.value as Node | null;
    if (section === null) continue;
    if (!isMap(section)) {
      out.errors.push(`${where}:${lineOf(section)}: ${key} must be a map of names to entries`);
      continue;
    }
    for (const entry of section.items) {
      const name = String((entry.key as { value?: unknown } | null)?.value ?? '');
      const line = lineOf((entry.value as Node | null) ?? (entry.key as Node));
      out.listed[key].add(name);
      const raw: unknown = entry.value === null ? {} : (entry.value as Node).toJSON();
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        out.errors.push(`${where}:${line}: ${key === 'owners' ? 'owner' : 'team'} ${name.slice(0, 60)}: expected a map of fields`);
        continue;
      }
      const r = key === 'owners' ? parseOwner(name, raw as Record<string, unknown>) : parseTeam(name, raw as Record<string, unknown>);
      if (!r.ok) out.errors.push(`${where}:${line}: ${r.error}`);
      else if (key === 'owners') out.owners.push(r.value as OwnerEntry);
      else out.teams.push(r.value as TeamEntry);
    }
  }
  return out;
}

/**
 * Reads and applies the file: every good entry is written as the file's, entries the file gave before and no longer
 * lists are removed (not those with errors now). Returns the error lines (also logged). An unreadable file changes nothing.
 */
export function applyDirectoryFile(store: Store, path: string, logger: Logger, now: number): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const line = `DIRECTORY_FILE ${path}: cannot read it: ${errorMessage(err)}; the directory is left as it was`;
    logger.error(line);
    return [line];
  }
  const parsed = parseDirectoryText(text, path);
  for (const e of parsed.errors) logger.error(`DIRECTORY_FILE ${e}; that entry is skipped`);
  // A file that did not parse (a syntax error) lists nothing: it removes nothing either.
  const whole = parsed.listed.owners.size + parsed.listed.teams.size > 0 || parsed.errors.length === 0;
  store.transaction(() => {
    for (const o of parsed.owners) store.directory.setOwner(o, 'file', now);
    for (const t of parsed.teams) store.directory.setTeam(t, 'file', now);
    if (!whole) return;
    // Names the file gave and no longer lists; one still written in it (a bad entry now) is kept as it was.
    for (const o of store.directory.listOwners()) if (o.source === 'file' && !parsed.listed.owners.has(o.name)) store.directory.removeOwner(o.name);
    for (const t of store.directory.listTeams()) if (t.source === 'file' && !parsed.listed.teams.has(t.name)) store.directory.removeTeam(t.name);
  });
  logger.info(
    `DIRECTORY_FILE ${path}: ${parsed.owners.length} owners and ${parsed.teams.length} teams applied${parsed.errors.length ? `, ${parsed.errors.length} bad entries skipped` : ''}`,
  );
  return parsed.errors;
}
