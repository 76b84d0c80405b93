// The error for a bad setting, shared by the agent's and the controller's config parsers: it names the variable at
// fault, and its message never carries the secret value.

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    /** The variable at fault, e.g. `PAUSE_THRESHOLD_GPU`. */
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}
