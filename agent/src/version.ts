// The agent's version string: injected by esbuild (scripts/build.mjs `define`), '0.0.0-dev' when run from source.
declare const __AGENT_VERSION__: string | undefined;

export const AGENT_VERSION: string = typeof __AGENT_VERSION__ === 'string' ? __AGENT_VERSION__ : '0.0.0-dev';
