// The nvidia-smi query both the agent and the SSH fallback run, and how the fields it asks for are chosen per driver.
//
// Drivers differ in the fields `--query-gpu` accepts (older ones lack utilization.jpeg / utilization.ofa), and ONE
// unknown field makes nvidia-smi reject the whole query. So the core fields are always asked for, and each engine
// field only when the host's `nvidia-smi --help-query-gpu` lists it. Pure: the caller runs nvidia-smi.

/** Always queried, in this order; every driver the agent supports knows them. */
export const BASE_FIELDS = ['index', 'uuid', 'name', 'utilization.gpu', 'memory.used', 'memory.total', 'temperature.gpu', 'power.draw'] as const;

/**
 * The other engines, queried where the driver lists them: NVENC, NVDEC, NVJPG and optical-flow utilization (percent
 * of time the engine was busy) and the number of open encoder sessions.
 */
export const ENGINE_FIELDS = ['utilization.encoder', 'utilization.decoder', 'utilization.jpeg', 'utilization.ofa', 'encoder.stats.sessionCount'] as const;

export type BaseField = (typeof BASE_FIELDS)[number];
export type EngineField = (typeof ENGINE_FIELDS)[number];
export type QueryField = BaseField | EngineField;

/** The core query alone (what a host whose driver could not be asked gets). */
export const QUERY_FIELDS: readonly QueryField[] = BASE_FIELDS;

/** Every field the driver's `--help-query-gpu` lists: each property is a line `"name"` or `"name" or "alias"`. */
export function listedFields(helpText: string): Set<string> {
  const out = new Set<string>();
  for (const line of helpText.split(/\r?\n/)) {
    if (!line.startsWith('"')) continue;
    for (const m of line.matchAll(/"([A-Za-z0-9_.]+)"/g)) out.add(m[1]!);
  }
  return out;
}

/** The fields to query on a host whose driver lists `listed`: the core fields plus every engine field it knows. */
export function fieldsFor(listed: ReadonlySet<string>): QueryField[] {
  return [...BASE_FIELDS, ...ENGINE_FIELDS.filter((f) => listed.has(f))];
}

/** True when `fields` is a query this code can parse: the core fields in order, then known engine fields once each. */
export function isQueryFieldList(fields: readonly string[]): fields is QueryField[] {
  if (fields.length < BASE_FIELDS.length || fields.length > BASE_FIELDS.length + ENGINE_FIELDS.length) return false;
  if (!BASE_FIELDS.every((f, i) => fields[i] === f)) return false;
  const rest = fields.slice(BASE_FIELDS.length);
  return new Set(rest).size === rest.length && rest.every((f) => (ENGINE_FIELDS as readonly string[]).includes(f));
}

export function queryArgs(fields: readonly QueryField[] = QUERY_FIELDS): string[] {
  return [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits'];
}

/** The core query's arguments (kept for callers that need no engines). */
export const QUERY_ARGS: readonly string[] = queryArgs();

/** Arguments for the long-lived child: nvidia-smi repeats the query every `intervalMs` itself. */
export function loopArgs(intervalMs: number, fields: readonly QueryField[] = QUERY_FIELDS): string[] {
  return [...queryArgs(fields), `-lms`, String(Math.max(1, Math.round(intervalMs)))];
}

/** Arguments that print the driver's field list (one short run per agent start, not per sample). */
export const HELP_QUERY_GPU_ARGS: readonly string[] = ['--help-query-gpu'];

/** First stdout line of the one-command query (below): the fields the rest of the output has, in order. */
export const FIELDS_MARK = '# fields: ';

/**
 * One POSIX sh script that does what the agent does in one SSH round trip: read the driver's field list, keep the
 * engine fields it lists (the same rule as listedFields: names quoted at the start of a line), print them as a
 * FIELDS_MARK line and run the one-shot query with them. `exec` hands nvidia-smi's exit status to ssh. It contains no
 * single quote, so it travels as `sh -c '<script>'` whatever the login shell.
 */
export function discoverAndQueryScript(): string {
  const engines = ENGINE_FIELDS.join(' ');
  const query = [
    `h=$(nvidia-smi --help-query-gpu 2>/dev/null | grep "^\\"")`,
    `f=${BASE_FIELDS.join(',')}`,
    `for x in ${engines}; do case "$h" in *"\\"$x\\""*) f="$f,$x";; esac; done`,
    `echo "${FIELDS_MARK}$f"`,
    // No exec: the SSH fallback appends its terminal-input section, which must still run; the exit status stays this one's.
    `nvidia-smi --query-gpu="$f" --format=csv,noheader,nounits`,
  ].join('; ');
  // The PATH lookup by hand first, so that a host without nvidia-smi says which of "not found" (127) and "not
  // executable" (126) it is, in words, instead of the login shell's own line (no exit: the suffix must still run).
  return [
    `nv=; nx=; o=$IFS; IFS=:; for d in $PATH; do if [ -f "$d/nvidia-smi" ] && [ -x "$d/nvidia-smi" ]; then nv=y; break; elif [ -f "$d/nvidia-smi" ] && [ -z "$nx" ]; then nx="$d/nvidia-smi"; fi; done; IFS=$o`,
    `if [ -n "$nv" ]; then ${query}`,
    `elif [ -n "$nx" ]; then echo "nvidia-smi at $nx is not executable by uid $(id -u)" >&2; (exit 126)`,
    `else echo "nvidia-smi not found on PATH ($PATH)" >&2; (exit 127); fi`,
  ].join('; ');
}

/**
 * Splits the script's output into its field list and the query's lines. `fields` is null when the first line is not
 * a FIELDS_MARK line naming a query this code can parse (then nothing of the output can be trusted as readings).
 */
export function splitFieldsLine(stdout: string): { fields: QueryField[] | null; rest: string } {
  const nl = stdout.indexOf('\n');
  const first = (nl < 0 ? stdout : stdout.slice(0, nl)).trim();
  const rest = nl < 0 ? '' : stdout.slice(nl + 1);
  if (!first.startsWith(FIELDS_MARK)) return { fields: null, rest: stdout };
  const fields = first.slice(FIELDS_MARK.length).trim().split(',');
  return { fields: isQueryFieldList(fields) ? fields : null, rest };
}
