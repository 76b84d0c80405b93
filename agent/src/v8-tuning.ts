// Keeps the agent inside the 45 MB resident-memory target: imported first by main.ts, before any hot code runs.
// The agent's work is a few short lines a second, so V8's optimizing tiers buy nothing measurable in CPU but cost
// about 4 MB of resident memory (compiler zones and code; measured with bench/agent.ts). Turning them off at run time
// is what `node --no-opt ...` would do; Node leaves V8 flags writable after start-up for v8.setFlagsFromString.
import { setFlagsFromString } from 'node:v8';

export const V8_FLAGS = '--no-opt --no-maglev --no-sparkplug';

setFlagsFromString(V8_FLAGS);
