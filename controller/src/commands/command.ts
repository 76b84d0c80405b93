// The shape of a CLI sub-command: registered in commands/registry.ts, dispatched by cli.ts.

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** `--env-file PATH` (any command): the controller's settings file; see config/load-env.ts for the default. */
  envFile?: string | null;
}

export interface Command {
  name: string;
  /** One line for the top-level help. */
  summary: string;
  /** Full help text for `cost-optimizer <name> --help`. */
  help: string;
  /** Resolves with the exit code; long-running commands resolve when they stop. */
  run(args: string[], io: CommandIo): Promise<number>;
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}
