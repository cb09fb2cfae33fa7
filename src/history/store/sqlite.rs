//! The SQLite backend: one file, nothing to start.

use std::time::Duration;

use anyhow::Result;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql, params_from_iter};

use super::{Backend, Kind, Value};

pub(super) struct Sqlite(Connection);

impl Sqlite {
    pub(super) fn open(path: &str) -> Result<Sqlite> {
        let connection = Connection::open(path)?;
        // Other writers hold the file for the length of one add.
        connection.busy_timeout(Duration::from_secs(120))?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(Sqlite(connection))
    }
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Int(v) => v.to_sql()?,
            Value::Real(v) => v.to_sql()?,
            Value::Text(v) => v.to_sql()?,
        })
    }
}

impl Backend for Sqlite {
    fn batch(&mut self, sql: &str) -> Result<()> {
        Ok(self.0.execute_batch(sql)?)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut statement = self.0.prepare_cached(sql)?;
        Ok(statement.execute(params_from_iter(params))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value], kinds: &[Kind]) -> Result<Vec<Vec<Value>>> {
        let mut statement = self.0.prepare_cached(sql)?;
        let mut rows = statement.query(params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(kinds.len());
            for (index, kind) in kinds.iter().enumerate() {
                let cell = row.get_ref(index)?;
                values.push(match (kind, cell) {
                    (_, ValueRef::Null) => null(*kind),
                    (Kind::Int, _) => Value::Int(Some(cell.as_i64()?)),
                    (Kind::Real, ValueRef::Integer(i)) => Value::Real(Some(i as f64)),
                    (Kind::Real, _) => Value::Real(Some(cell.as_f64()?)),
                    (Kind::Text, _) => Value::Text(Some(cell.as_str()?.to_string())),
                });
            }
            out.push(values);
        }
        Ok(out)
    }

    fn begin_exclusive(&mut self) -> Result<()> {
        self.batch("BEGIN IMMEDIATE")
    }

    fn has_table(&mut self, name: &str) -> Result<bool> {
        let rows = self.query(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
            &[Value::Text(Some(name.to_string()))],
            &[Kind::Int],
        )?;
        Ok(rows[0][0] != Value::Int(Some(0)))
    }
}

pub(super) fn null(kind: Kind) -> Value {
    match kind {
        Kind::Int => Value::Int(None),
        Kind::Real => Value::Real(None),
        Kind::Text => Value::Text(None),
    }
}
