// The arguments of `owner` and `team`: an action, a name, and `--flag VALUE` (or `--flag=VALUE`) options.
export interface DirectoryArgs {
  action: string;
  name: string | null;
  options: Map<string, string | true>;
  json: boolean;
}

/** `flags` maps each accepted --flag to true when it takes a value, false for a switch. */
export function parseDirectoryArgs(args: readonly string[], flags: Record<string, boolean>): DirectoryArgs | string {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') {
      json = true;
      continue;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!(flag in flags)) return `unknown option --${flag.slice(0, 40)}`;
    if (flags[flag]) {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) return `--${flag} needs a value`;
      options.set(flag, v);
    } else {
      if (eq > 0) return `--${flag} takes no value`;
      options.set(flag, true);
    }
  }
  const [action, name, ...rest] = positional;
  if (action === undefined) return 'expected an action: set, list or remove';
  if (rest.length > 0) return `unexpected argument "${rest[0]!.slice(0, 40)}"`;
  return { action, name: name ?? null, options, json };
}
