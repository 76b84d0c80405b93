// The schema's versions, oldest first: what each migration changes and why. migrate.ts applies them.

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Run after `sql` on PostgreSQL only: what only replicas sharing one database need. */
  postgresOnly?: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      -- Every instance ever seen. The INTEGER key keeps the samples table small; id is the public '<provider>:<id>'.
      CREATE TABLE instances (
        key INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        provider TEXT NOT NULL,
        provider_id TEXT NOT NULL,
        name TEXT NOT NULL,
        state TEXT NOT NULL,
        raw_state TEXT NOT NULL,
        gpu_name TEXT,
        num_gpus INTEGER NOT NULL DEFAULT 0,
        price_per_hour REAL,
        stopped_price_per_hour REAL,
        created_at INTEGER,
        ssh_host TEXT,
        ssh_port INTEGER,
        labels TEXT NOT NULL DEFAULT '{}',
        provider_util REAL,
        first_seen INTEGER NOT NULL,
        last_inventory_at INTEGER,
        running_since INTEGER,
        idle_state TEXT,
        metric_source TEXT NOT NULL DEFAULT 'none',
        last_sample_at INTEGER,
        mem_total_mib INTEGER,
        agent_facts TEXT
      );
      CREATE INDEX instances_by_provider ON instances(provider);

      -- Agent tokens: only sha256(token) is stored.
      CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX tokens_by_instance ON tokens(instance_id);

      -- One row per agent process (run): the highest committed sequence number makes replays no-ops.
      CREATE TABLE agent_runs (
        key INTEGER PRIMARY KEY,
        inst INTEGER NOT NULL,
        run_id TEXT NOT NULL,
        max_seq INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (inst, run_id)
      );

      -- Raw samples, clustered by instance and time (WITHOUT ROWID: the primary key is the table, no second b-tree).
      -- dur = t1 - t0; flags = source (bits 0-1) | unknown (bit 2) | health error (bit 3); run/seq are 0 for
      -- ssh/provider samples; gpus is the compact per-GPU blob of gpu-codec.ts.
      CREATE TABLE samples (
        inst INTEGER NOT NULL,
        t1 INTEGER NOT NULL,
        run INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        dur INTEGER NOT NULL,
        flags INTEGER NOT NULL,
        cnt INTEGER NOT NULL,
        procs INTEGER,
        gpus BLOB NOT NULL,
        PRIMARY KEY (inst, t1, run, seq)
      ) WITHOUT ROWID;

      -- 5-minute buckets of samples older than the raw retention. util_min / util_max: lowest / highest per-sample
      -- peak utilization; util_sum / util_n: for the mean of per-sample mean utilization; sources: bitmask 1 agent,
      -- 2 ssh, 4 provider.
      CREATE TABLE rollups (
        inst INTEGER NOT NULL,
        bucket INTEGER NOT NULL,
        sources INTEGER NOT NULL,
        n INTEGER NOT NULL,
        unknown_n INTEGER NOT NULL,
        util_min INTEGER,
        util_max INTEGER,
        util_sum REAL NOT NULL,
        util_n INTEGER NOT NULL,
        mem_used_max INTEGER,
        covered_ms INTEGER NOT NULL,
        PRIMARY KEY (inst, bucket)
      ) WITHOUT ROWID;

      -- Audit log of every decision and action; decision_key makes "decided" -> "done" idempotent across crashes.
      CREATE TABLE actions (
        id INTEGER PRIMARY KEY,
        instance_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT NOT NULL,
        figures TEXT NOT NULL DEFAULT '{}',
        decision_key TEXT UNIQUE,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX actions_by_instance ON actions(instance_id, id);

      -- Keep-alive holds: no action on the instance before 'until'.
      CREATE TABLE holds (
        instance_id TEXT PRIMARY KEY,
        until INTEGER NOT NULL,
        reason TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'last inventory time in its own narrow table',
    // Each cycle moves this time for every listed instance; in the instances table that rewrote every page of its
    // wide rows (idle state, agent facts): 85 of a 10,000-instance cycle's milliseconds (bench/cycle.ts).
    sql: `
      CREATE TABLE inventory_seen (
        inst INTEGER PRIMARY KEY,
        at INTEGER NOT NULL
      );
      INSERT INTO inventory_seen (inst, at) SELECT key, last_inventory_at FROM instances WHERE last_inventory_at IS NOT NULL;
      ALTER TABLE instances DROP COLUMN last_inventory_at;
    `,
  },
  {
    version: 3,
    name: 'latest interactive activity per instance',
    // People at the keyboard (docs/what-counts-as-work.md): the agent's latest report of terminal input and Jupyter
    // kernel activity, kept so a restart does not forget that someone typed a minute ago.
    sql: `
      CREATE TABLE interactive_activity (
        instance_id TEXT PRIMARY KEY,
        reported_at INTEGER NOT NULL,
        terminal_input_at INTEGER,
        terminals TEXT NOT NULL,
        notebook_activity_at INTEGER,
        notebook_busy INTEGER NOT NULL,
        notebooks TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'fleet join tokens and the public address enrolment checks',
    sql: `
      ALTER TABLE instances ADD COLUMN public_address TEXT;
      -- Fleet join tokens (docs/enrolment.md): only sha256(token) is stored; id is a short public handle for revoke.
      CREATE TABLE join_tokens (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    name: 'optional agent-token expiry',
    sql: `ALTER TABLE tokens ADD COLUMN expires_at INTEGER;`,
  },
  {
    version: 6,
    name: 'who did each action',
    // Resume, hold and release come from people (cli, api, dashboard); the optimizer's own rows are 'controller'.
    sql: `ALTER TABLE actions ADD COLUMN actor TEXT NOT NULL DEFAULT 'controller';`,
  },
  {
    version: 7,
    name: 'when each sample was stored, the leader lease and agent sessions',
    // Several replicas share one PostgreSQL (docs/scale-out.md): the leader folds in the samples any replica stored
    // since it last looked (samples.added, controller clock), and leads while it holds the lease row.
    sql: `ALTER TABLE samples ADD COLUMN added INTEGER NOT NULL DEFAULT 0;`,
    postgresOnly: `
      CREATE INDEX samples_by_added ON samples (added);
      CREATE TABLE leader_lease (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        last_cycle_at INTEGER
      );
      -- One voice per instance across replicas: who holds each agent connection, refreshed by heartbeat.
      CREATE TABLE agent_sessions (
        instance_id TEXT PRIMARY KEY,
        replica TEXT NOT NULL,
        remote TEXT NOT NULL,
        seen_at INTEGER NOT NULL
      );
      -- Contests seen on any replica, so the leader's engine vetoes them too.
      CREATE TABLE contests (
        instance_id TEXT PRIMARY KEY,
        until INTEGER NOT NULL,
        since INTEGER NOT NULL,
        addresses TEXT NOT NULL
      );
    `,
  },
  {
    version: 8,
    name: 'owners, teams, spend and budget alerts',
    // docs/owners.md. Portable SQL (the PostgreSQL store runs the same text): plain types, epoch-ms INTEGER times.
    sql: `
      -- The people directory: a Slack member id and an e-mail address to reach them, and their team.
      -- source: 'api' (CLI, HTTP) or 'file' (DIRECTORY_FILE, which wins for the names it lists).
      CREATE TABLE owners (
        name TEXT PRIMARY KEY,
        slack TEXT,
        email TEXT,
        team TEXT,
        source TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      -- Teams: their own webhook, a monthly budget in USD, and default policy markers can lengthen, never shorten.
      CREATE TABLE teams (
        name TEXT PRIMARY KEY,
        webhook TEXT,
        monthly_budget REAL,
        idle_minutes REAL,
        no_delete INTEGER NOT NULL DEFAULT 0,
        source TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      -- A join token may name a team; an instance it enrolled belongs to that team unless a marker says otherwise.
      ALTER TABLE join_tokens ADD COLUMN team TEXT;
      CREATE TABLE enrolled_teams (
        instance_id TEXT PRIMARY KEY,
        team TEXT NOT NULL,
        join_token_id TEXT NOT NULL,
        enrolled_at INTEGER NOT NULL
      );
      -- Spend: what the provider charges at the prices it reports, integrated from the first sighting. The cursor
      -- holds the last integration time and the rate in force since then; spend_days the USD per instance and UTC day.
      CREATE TABLE spend_cursor (
        instance_id TEXT PRIMARY KEY,
        at INTEGER NOT NULL,
        rate REAL NOT NULL
      );
      CREATE TABLE spend_days (
        instance_id TEXT NOT NULL,
        day TEXT NOT NULL,
        usd REAL NOT NULL,
        PRIMARY KEY (instance_id, day)
      );
      -- Budget alerts sent: once per team, month (YYYY-MM) and threshold ('80', '100', 'forecast').
      CREATE TABLE budget_alerts (
        team TEXT NOT NULL,
        month TEXT NOT NULL,
        threshold TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        PRIMARY KEY (team, month, threshold)
      );
    `,
  },
  {
    version: 9,
    name: 'sample marks beside the instances, and change stamps for the replicas',
    // An instance's newest sample (its source, end and memory total) changes with every sample any replica stores;
    // kept in the instances row, it made every row look changed to every replica's copy of the table each cycle.
    // The old columns stay (unused) so a replica of the previous version keeps running during a rolling upgrade.
    sql: `
      CREATE TABLE sample_marks (
        inst INTEGER NOT NULL PRIMARY KEY,
        metric_source TEXT NOT NULL,
        last_sample_at INTEGER,
        mem_total_mib INTEGER
      );
      INSERT INTO sample_marks (inst, metric_source, last_sample_at, mem_total_mib)
        SELECT key, metric_source, last_sample_at, mem_total_mib FROM instances
        WHERE metric_source <> 'none' OR last_sample_at IS NOT NULL OR mem_total_mib IS NOT NULL;
    `,
    // Each replica keeps a copy of the instances (instance-cache.ts) and re-reads only the rows changed since it last
    // looked: every write stamps its row with the writing transaction's id, and a reader asks for the stamps at or
    // above the oldest transaction still running when it last read (docs/scale-out.md, "what each replica caches").
    postgresOnly: `
      CREATE FUNCTION stamp_changed_xid() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.changed_xid := pg_current_xact_id();
        RETURN NEW;
      END $$;
      ALTER TABLE instances ADD COLUMN changed_xid xid8;
      ALTER TABLE sample_marks ADD COLUMN changed_xid xid8;
      ALTER TABLE inventory_seen ADD COLUMN changed_xid xid8;
      UPDATE instances SET changed_xid = pg_current_xact_id();
      UPDATE sample_marks SET changed_xid = pg_current_xact_id();
      UPDATE inventory_seen SET changed_xid = pg_current_xact_id();
      CREATE INDEX instances_by_changed_xid ON instances (changed_xid);
      CREATE INDEX sample_marks_by_changed_xid ON sample_marks (changed_xid);
      CREATE INDEX inventory_seen_by_changed_xid ON inventory_seen (changed_xid);
      -- Every column of InstanceRecord (instance-row.ts): a later migration that adds one adds it here too. Not
      -- idle_state, which only the leader reads (at start-up) and which changes for the whole fleet every tenth cycle.
      CREATE TRIGGER instances_changed BEFORE INSERT OR UPDATE OF provider, provider_id, name, state, raw_state, gpu_name,
        num_gpus, price_per_hour, stopped_price_per_hour, created_at, ssh_host, ssh_port, labels, provider_util, first_seen,
        running_since, agent_facts, public_address ON instances FOR EACH ROW EXECUTE FUNCTION stamp_changed_xid();
      CREATE TRIGGER sample_marks_changed BEFORE INSERT OR UPDATE ON sample_marks FOR EACH ROW EXECUTE FUNCTION stamp_changed_xid();
      CREATE TRIGGER inventory_seen_changed BEFORE INSERT OR UPDATE ON inventory_seen FOR EACH ROW EXECUTE FUNCTION stamp_changed_xid();
    `,
  },
  {
    version: 10,
    name: 'samples in daily partitions, stamped with their transaction',
    // SQLite keeps its one samples table: retention there deletes rows, as before.
    sql: '',
    // PostgreSQL (docs/scale-out.md, "samples"): one partition per UTC day, named samples_pYYYYMMDD, so retention
    // folds a whole day into rollups and drops its table instead of deleting rows one by one (sample-partitions.ts).
    // A day without its partition lands in samples_pdefault, from which the next upkeep moves it. Each row keeps the
    // id of the transaction that wrote it: the leader's sample feed reads what committed since it last looked, as
    // each replica's instance copy does (migration 9). \`added\` is now the database's clock by default.
    postgresOnly: `
      ALTER TABLE samples RENAME TO samples_unpartitioned;
      ALTER TABLE samples_unpartitioned RENAME CONSTRAINT samples_pkey TO samples_unpartitioned_pkey;
      ALTER INDEX samples_by_added RENAME TO samples_unpartitioned_by_added;
      CREATE TABLE samples (
        inst BIGINT NOT NULL,
        t1 BIGINT NOT NULL,
        run BIGINT NOT NULL,
        seq BIGINT NOT NULL,
        dur BIGINT NOT NULL,
        flags BIGINT NOT NULL,
        cnt BIGINT NOT NULL,
        procs BIGINT,
        gpus BYTEA NOT NULL,
        added BIGINT NOT NULL DEFAULT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT),
        xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        PRIMARY KEY (inst, t1, run, seq)
      ) PARTITION BY RANGE (t1);
      CREATE TABLE samples_pdefault PARTITION OF samples DEFAULT;
      CREATE INDEX samples_by_added ON samples (added);
      CREATE INDEX samples_by_xid ON samples (xid);
      DO $$
      DECLARE d BIGINT;
      BEGIN
        FOR d IN SELECT DISTINCT t1 / 86400000 FROM samples_unpartitioned LOOP
          EXECUTE format('CREATE TABLE %I PARTITION OF samples FOR VALUES FROM (%s) TO (%s)',
            'samples_p' || to_char(to_timestamp(d * 86400) AT TIME ZONE 'UTC', 'YYYYMMDD'), d * 86400000, (d + 1) * 86400000);
        END LOOP;
      END $$;
      INSERT INTO samples (inst, t1, run, seq, dur, flags, cnt, procs, gpus, added)
        SELECT inst, t1, run, seq, dur, flags, cnt, procs, gpus, added FROM samples_unpartitioned;
      DROP TABLE samples_unpartitioned;
      -- Retention's place in the partition it is folding, so a pass cut short never folds a row twice.
      CREATE TABLE retention_cursor (
        part TEXT PRIMARY KEY,
        inst BIGINT NOT NULL,
        t1 BIGINT NOT NULL,
        run BIGINT NOT NULL,
        seq BIGINT NOT NULL
      );
    `,
  },
  {
    version: 11,
    name: 'inventory listing times per provider',
    // A fleet listed unchanged moved every instance's inventory time each cycle: 10,000 rows written, and on
    // PostgreSQL stamped and read back by every replica's copy. Now the provider's listing time is written once, and
    // an instance still listed (seen before and not deleted) shows the later of its own time and its provider's.
    sql: `CREATE TABLE inventory_listings (provider TEXT PRIMARY KEY, at INTEGER NOT NULL);`,
    postgresOnly: `
      ALTER TABLE inventory_listings ADD COLUMN changed_xid xid8;
      CREATE TRIGGER inventory_listings_changed BEFORE INSERT OR UPDATE ON inventory_listings FOR EACH ROW EXECUTE FUNCTION stamp_changed_xid();
    `,
  },
  {
    version: 12,
    name: 'audit rows planned under a lease epoch',
    // A new leader must tell a pause the previous leader may still be sending from a crash remnant
    // (executor/previous-leader.ts). A replica of the previous version leaves the column NULL, which reads as "an
    // earlier leader's". The partial index keeps the per-cycle look for `planned` rows off the whole audit log.
    sql: `
      ALTER TABLE actions ADD COLUMN lease_epoch INTEGER;
      CREATE INDEX actions_planned ON actions (id) WHERE status = 'planned';
    `,
  },
];
