//! The PostgreSQL backend, for a team's shared store. The password comes
//! from the URL or `PGPASSWORD`; neither is ever written anywhere.

use anyhow::{Context, Result};
use postgres::types::ToSql;
use postgres::{Client, Config, NoTls};

use super::{Backend, Kind, Value};

pub(super) struct Postgres(Client);

/// Any number: the lock that serialises writers of one database.
const WRITER_LOCK: i64 = 0x6769_6c62;

impl Postgres {
    /// Connects; also returns the location to show (no credentials).
    pub(super) fn connect(url: &str) -> Result<(Postgres, String)> {
        let mut config: Config = url.parse().context("reading the PostgreSQL URL")?;
        if config.get_password().is_none()
            && let Ok(password) = std::env::var("PGPASSWORD")
        {
            config.password(password);
        }
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .map(|h| match h {
                postgres::config::Host::Tcp(name) => name.clone(),
                postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        let shown = format!(
            "postgres://{}/{}",
            hosts.join(","),
            config.get_dbname().unwrap_or_default()
        );
        let client = config
            .connect(NoTls)
            .with_context(|| format!("connecting to {shown}"))?;
        Ok((Postgres(client), shown))
    }
}

fn as_params(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| match p {
            Value::Int(v) => v as &(dyn ToSql + Sync),
            Value::Real(v) => v as &(dyn ToSql + Sync),
            Value::Text(v) => v as &(dyn ToSql + Sync),
        })
        .collect()
}

impl Backend for Postgres {
    fn batch(&mut self, sql: &str) -> Result<()> {
        Ok(self.0.batch_execute(sql)?)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        Ok(self.0.execute(sql, &as_params(params))?)
    }

    fn query(&mut self, sql: &str, params: &[Value], kinds: &[Kind]) -> Result<Vec<Vec<Value>>> {
        let rows = self.0.query(sql, &as_params(params))?;
        rows.iter()
            .map(|row| {
                kinds
                    .iter()
                    .enumerate()
                    .map(|(i, kind)| {
                        Ok(match kind {
                            Kind::Int => Value::Int(row.try_get(i)?),
                            Kind::Real => Value::Real(row.try_get(i)?),
                            Kind::Text => Value::Text(row.try_get(i)?),
                        })
                    })
                    .collect()
            })
            .collect()
    }

    fn begin_exclusive(&mut self) -> Result<()> {
        self.batch(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock({WRITER_LOCK})"
        ))
    }

    fn has_table(&mut self, name: &str) -> Result<bool> {
        let rows = self.query(
            "SELECT count(*) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = $1",
            &[Value::Text(Some(name.to_string()))],
            &[Kind::Int],
        )?;
        Ok(rows[0][0] != Value::Int(Some(0)))
    }
}
