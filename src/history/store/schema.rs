//! The store's tables, as migrations applied in order. The SQL is written
//! once for both SQLite and PostgreSQL: portable types only, and every
//! insert through `ON CONFLICT DO NOTHING`.

/// Migration `i` takes a store from version `i` to `i + 1`.
pub(super) const MIGRATIONS: [&str; 3] = [
    // 1: runs, their builds and workloads, and one row per cell.
    "CREATE TABLE schema_version (version BIGINT NOT NULL);
     INSERT INTO schema_version (version) VALUES (0);
     CREATE TABLE runs (
         run_id TEXT PRIMARY KEY,
         seq BIGINT NOT NULL UNIQUE,
         started_at TEXT NOT NULL,
         label TEXT,
         command TEXT NOT NULL,
         gilbench_version TEXT NOT NULL
     );
     CREATE TABLE builds (
         run_id TEXT NOT NULL REFERENCES runs (run_id),
         name TEXT NOT NULL,
         version TEXT,
         image_id TEXT NOT NULL,
         packages TEXT NOT NULL,
         PRIMARY KEY (run_id, name)
     );
     CREATE TABLE workloads (
         run_id TEXT NOT NULL REFERENCES runs (run_id),
         name TEXT NOT NULL,
         sha256 TEXT,
         PRIMARY KEY (run_id, name)
     );
     CREATE TABLE cells (
         run_id TEXT NOT NULL REFERENCES runs (run_id),
         machine TEXT NOT NULL,
         build TEXT NOT NULL,
         workload TEXT NOT NULL,
         mode TEXT NOT NULL,
         threads BIGINT NOT NULL,
         samples BIGINT NOT NULL,
         time_s DOUBLE PRECISION, time_low DOUBLE PRECISION, time_high DOUBLE PRECISION,
         speedup DOUBLE PRECISION, speedup_low DOUBLE PRECISION, speedup_high DOUBLE PRECISION,
         cost DOUBLE PRECISION, cost_low DOUBLE PRECISION, cost_high DOUBLE PRECISION,
         precision DOUBLE PRECISION,
         PRIMARY KEY (run_id, machine, build, workload, mode, threads)
     );",
    // 2: memory per cell (nullable: runs without memory figures leave it
    // empty), and each build's source revision where known.
    "ALTER TABLE cells ADD COLUMN memory_kb DOUBLE PRECISION;
     ALTER TABLE builds ADD COLUMN revision TEXT;",
    // 3: the runs whose samples each run holds (a merged run's shards, or
    // itself), so that a night is not added both merged and in shards.
    // Merged runs added before have their own id: their shards are unknown.
    "CREATE TABLE run_parts (
         run_id TEXT NOT NULL REFERENCES runs (run_id),
         part TEXT NOT NULL,
         PRIMARY KEY (run_id, part)
     );
     CREATE INDEX run_parts_part ON run_parts (part);
     INSERT INTO run_parts (run_id, part) SELECT run_id, run_id FROM runs;",
];

/// The version a fully migrated store is at.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();
