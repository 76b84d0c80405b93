// doctor's agent check: every instance holding a live agent token is connected (a live session, or a sample within
// the window /api/status uses), silent (it reported once, not lately) or never seen. A silent agent on an instance
// that still runs fails the check; one never seen is a warning (its host may not be installed yet).
import { coarseDuration } from '../../../protocol/duration-text';
import type { Config } from '../config/config';
import type { InstanceState } from '../domain/instance';
import type { Store } from '../store';
import { liveSessionInstances, liveTokenHolders } from '../store/agent-roster';
import { type CheckLine, fail, ok, warn } from './doctor-line';

export type AgentStanding = 'connected' | 'silent' | 'never seen';

export interface AgentRow {
  instanceId: string;
  standing: AgentStanding;
  /** The instance's state in the last inventory ('unknown' for manual hosts). */
  state: InstanceState;
  lastSampleAt: number | null;
  mintedAt: number;
}

/** The window /api/status uses before it stops calling a source live (compose/start-controller.ts). */
export function staleAfterMs(config: Pick<Config, 'agentSilentSec' | 'checkIntervalSec'>): number {
  return Math.max(config.agentSilentSec, 3 * config.checkIntervalSec) * 1000;
}

export function agentRows(store: Store, config: Config, now: number): AgentRow[] {
  const window = staleAfterMs(config);
  const sessions = liveSessionInstances(store.db, now - window);
  return liveTokenHolders(store.db, now).map(({ instanceId, mintedAt }) => {
    const last = store.lastAgentSampleEnd(instanceId);
    const standing: AgentStanding = sessions.has(instanceId) || (last !== null && now - last <= window) ? 'connected' : last !== null ? 'silent' : 'never seen';
    return { instanceId, standing, state: store.getInstance(instanceId)?.state ?? 'unknown', lastSampleAt: last, mintedAt };
  });
}

/** Off instances cannot report: their agents' silence is expected. */
const OFF: ReadonlySet<InstanceState> = new Set(['stopped', 'stopping', 'deleted']);

function listed(rows: readonly AgentRow[], what: (r: AgentRow) => string): string {
  const shown = rows.slice(0, 5).map((r) => `${r.instanceId} (${what(r)})`);
  return shown.join(', ') + (rows.length > 5 ? ` and ${rows.length - 5} more` : '');
}

export function checkAgents(rows: readonly AgentRow[], now: number): CheckLine {
  if (rows.length === 0) return ok('agents', 'none enrolled (no live agent token; `token create ID` or a join token enrols one)');
  const count = (s: AgentStanding) => rows.filter((r) => r.standing === s).length;
  const summary = `${count('connected')} connected, ${count('silent')} silent, ${count('never seen')} never seen`;
  const silent = rows.filter((r) => r.standing === 'silent' && !OFF.has(r.state));
  const never = rows.filter((r) => r.standing === 'never seen' && !OFF.has(r.state));
  if (silent.length > 0)
    return fail(
      'agents',
      `${summary}; silent on a running instance: ${listed(silent, (r) => `last sample ${coarseDuration(now - r.lastSampleAt!)} ago`)}`,
      'on each host: systemctl status cost-optimizer-agent and journalctl -u cost-optimizer-agent (a host that cannot reach the controller, or a revoked token, shows there)',
    );
  if (never.length > 0)
    return warn(
      'agents',
      `${summary}; never reported: ${listed(never, (r) => `token minted ${coarseDuration(now - r.mintedAt)} ago`)}`,
      'run the install line `token create ID` printed on each of those hosts, or revoke tokens no longer meant for a host (token revoke ID)',
    );
  return ok('agents', summary);
}
