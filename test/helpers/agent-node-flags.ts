// The node flags install.sh runs the agent with (its AGENT_NODE_FLAGS line), for tests and bench/agent.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './build';

export function agentNodeFlags(): string[] {
  const m = /^AGENT_NODE_FLAGS='([^']*)'$/m.exec(readFileSync(join(ROOT, 'install/install.sh'), 'utf8'));
  if (!m) throw new Error("install/install.sh has no AGENT_NODE_FLAGS='...' line");
  return m[1]!.split(/\s+/).filter(Boolean);
}
