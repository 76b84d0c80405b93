// Budget alerts already sent: once per team, month (YYYY-MM, UTC) and threshold, across restarts and replicas.
import type { SqlDatabase } from './sql/sql-database';

export class BudgetAlertsRepo {
  private readonly stmt;

  constructor(db: SqlDatabase) {
    this.stmt = {
      claim: db.prepare('INSERT INTO budget_alerts (team, month, threshold, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT (team, month, threshold) DO NOTHING'),
    };
  }

  /** True when this alert had not been sent (and now counts as sent); false when it had. */
  claim(team: string, month: string, threshold: string, now: number): boolean {
    return this.stmt.claim.run(team, month, threshold, now).changes === 1;
  }
}
