// People at the keyboard: the latest interactive input an agent saw on its host (terminals, notebook kernels).
// See docs/what-counts-as-work.md "People at the keyboard".

/**
 * ok: read; none: nothing of that kind on the host (no terminal, no Jupyter server); unreadable: there but not
 * readable; not-read: this source does not look (notebooks over SSH).
 */
export type EvidenceStatus = 'ok' | 'none' | 'unreadable' | 'not-read';

/** The agent's latest report, times on the controller clock (corrected for the agent's clock skew). */
export interface InteractiveActivity {
  /** When the agent reported it (end of the batch that carried it). */
  reportedAt: number;
  /** Latest input on any pseudo-terminal (its access time, as `w` computes IDLE); null when none could be read. */
  terminalInputAt: number | null;
  terminals: EvidenceStatus;
  /** Latest kernel activity (`last_activity`) of any Jupyter server on the host; null when none. */
  notebookActivityAt: number | null;
  /** A kernel was executing (`execution_state` busy) when the agent looked: activity at `reportedAt`. */
  notebookBusy: boolean;
  notebooks: EvidenceStatus;
}

/** The latest moment of interactive input the report shows, or null when it shows none. */
export function latestInteractiveInput(a: InteractiveActivity): number | null {
  let t: number | null = null;
  for (const v of [a.terminalInputAt, a.notebookActivityAt, a.notebookBusy ? a.reportedAt : null]) {
    if (typeof v === 'number' && Number.isFinite(v) && (t === null || v > t)) t = v;
  }
  return t;
}
