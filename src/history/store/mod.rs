//! The history store: SQLite (one file, the default) or PostgreSQL
//! (`postgres://…`), behind one small [`Backend`] trait so that the SQL,
//! the migrations and the add/load logic exist once.
//!
//! Writers take the store for themselves while adding (SQLite's
//! `BEGIN IMMEDIATE`, a PostgreSQL advisory lock), so several writers at
//! once lose nothing; a run already present is left as it is, and a night
//! is kept once, merged or in shards (see [`AddOutcome`]).

mod postgres;
mod rows;
mod schema;
mod sqlite;
#[cfg(test)]
pub(crate) mod tests;

use anyhow::{Context, Result};

pub use rows::{History, StoredCell, StoredRun};
pub use schema::SCHEMA_VERSION;

use super::entry::RunEntry;

/// A value bound to or read from SQL, typed so that PostgreSQL accepts
/// its NULLs.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
}

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Int,
    Real,
    Text,
}

trait Backend {
    /// Statements without parameters, several at once.
    fn batch(&mut self, sql: &str) -> Result<()>;
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64>;
    fn query(&mut self, sql: &str, params: &[Value], kinds: &[Kind]) -> Result<Vec<Vec<Value>>>;
    /// Begins a transaction no other writer can interleave with.
    fn begin_exclusive(&mut self) -> Result<()>;
    fn has_table(&mut self, name: &str) -> Result<bool>;
}

/// What adding a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddOutcome {
    /// Added, in place of the runs named: a merged run takes the place of
    /// runs whose shards it holds all of (some of that night's shards, or
    /// a merge of fewer of them).
    Added { replaced: Vec<String> },
    /// A run of this id was in the store already.
    AlreadyIn,
    /// Not added: the runs named hold some of its samples (the night's
    /// merge is in, or a merge of some other of its shards).
    HeldBy(Vec<String>),
}

pub struct Store {
    db: Box<dyn Backend>,
    /// Where the store is, without credentials.
    pub location: String,
}

impl Store {
    /// Opens (creating and migrating as needed) the store at `location`: a
    /// `postgres://` or `postgresql://` URL, or a SQLite file's path.
    pub fn open(location: &str) -> Result<Store> {
        let mut store = Store::open_unmigrated(location)?;
        store.migrate(SCHEMA_VERSION)?;
        Ok(store)
    }

    fn open_unmigrated(location: &str) -> Result<Store> {
        let (db, shown): (Box<dyn Backend>, String) =
            if location.starts_with("postgres://") || location.starts_with("postgresql://") {
                let (db, shown) = postgres::Postgres::connect(location)?;
                (Box::new(db), shown)
            } else {
                (
                    Box::new(sqlite::Sqlite::open(location)?),
                    location.to_string(),
                )
            };
        Ok(Store {
            db,
            location: shown,
        })
    }

    /// The schema version the store is at (0: empty).
    pub fn version(&mut self) -> Result<usize> {
        if !self.db.has_table("schema_version")? {
            return Ok(0);
        }
        let rows = self
            .db
            .query("SELECT version FROM schema_version", &[], &[Kind::Int])?;
        match rows.first().and_then(|r| r.first()) {
            Some(Value::Int(Some(v))) => Ok(*v as usize),
            _ => Ok(0),
        }
    }

    fn migrate(&mut self, to: usize) -> Result<()> {
        self.exclusive(|store| {
            let from = store.version()?;
            if from > SCHEMA_VERSION {
                anyhow::bail!(
                    "the store {} is at schema version {from}; this gilbench knows up to {SCHEMA_VERSION}",
                    store.location
                );
            }
            for (index, sql) in schema::MIGRATIONS.iter().enumerate().take(to).skip(from) {
                store.db.batch(sql)?;
                store.db.execute(
                    "UPDATE schema_version SET version = $1",
                    &[Value::Int(Some(index as i64 + 1))],
                )?;
            }
            Ok(())
        })
        .with_context(|| format!("migrating the history store {}", self.location))
    }

    /// Runs `work` in an exclusive transaction: committed if it succeeds.
    fn exclusive<T>(&mut self, work: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        self.db.begin_exclusive()?;
        match work(self) {
            Ok(value) => {
                self.db.batch("COMMIT")?;
                Ok(value)
            }
            Err(error) => {
                // The first error is the one to report.
                let _ = self.db.batch("ROLLBACK");
                Err(error)
            }
        }
    }

    /// Adds a run, unless it or a run holding its samples is in already.
    pub fn add(&mut self, run: &RunEntry) -> Result<AddOutcome> {
        self.exclusive(|store| rows::insert(store.db.as_mut(), run))
            .with_context(|| format!("adding run {} to {}", run.run_id, self.location))
    }

    /// Every run, in the order they were added, and their cells.
    pub fn load(&mut self) -> Result<History> {
        rows::load(self.db.as_mut()).with_context(|| format!("reading {}", self.location))
    }
}
