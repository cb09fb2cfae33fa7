//! `gilbench history`: runs over time.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use crate::history::{GitHistory, Order, TextFormat};

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub command: HistoryCommand,
}

#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The store: a SQLite file, or `postgres://user@host/db` (the password
    /// from `PGPASSWORD`).
    #[arg(
        long,
        env = "GILBENCH_HISTORY",
        hide_env_values = true,
        default_value = "gilbench-history.sqlite"
    )]
    pub store: String,
}

#[derive(Debug, Args)]
pub struct AxisArgs {
    /// Order runs by start time (`time`), in the order they were added
    /// (`added`), by label in version order (`label`: 3.13.9 before
    /// 3.13.10), or by the commits of a git checkout's history (`git=DIR`:
    /// labels that are commit ids or their prefixes). Runs the order
    /// cannot place are left out, and named.
    #[arg(long, value_name = "ORDER", default_value = "time", value_parser = parse_order)]
    pub order: OrderArg,
}

/// How runs are ordered along the axis.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderArg {
    Time,
    Added,
    Label,
    Git(PathBuf),
}

fn parse_order(text: &str) -> Result<OrderArg, String> {
    match text {
        "time" => Ok(OrderArg::Time),
        "added" => Ok(OrderArg::Added),
        "label" => Ok(OrderArg::Label),
        _ => match text.strip_prefix("git=") {
            Some(dir) if !dir.is_empty() => Ok(OrderArg::Git(dir.into())),
            _ => Err(format!(
                "unknown order `{text}`: time, added, label or git=DIR"
            )),
        },
    }
}

impl OrderArg {
    /// The order, with the git history it names read.
    pub fn resolve(self) -> anyhow::Result<Order> {
        Ok(match self {
            OrderArg::Time => Order::Time,
            OrderArg::Added => Order::Added,
            OrderArg::Label => Order::Label,
            OrderArg::Git(dir) => Order::Git(GitHistory::read(&dir)?),
        })
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Text,
    Markdown,
}

impl From<FormatArg> for TextFormat {
    fn from(format: FormatArg) -> TextFormat {
        match format {
            FormatArg::Text => TextFormat::Text,
            FormatArg::Markdown => TextFormat::Markdown,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Add finished runs (or shards, merged or not) to the store; a run
    /// already there is left as it is.
    Add {
        #[arg(required = true, value_name = "RUN_DIR")]
        runs: Vec<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
        /// What the runs measured: a commit, a release, a name.
        #[arg(long)]
        label: Option<String>,
        /// Label the runs with this git checkout's commit.
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
    },
    /// Print the regressions found in the store; exit 9 when the newest run
    /// confirms one.
    Regressions {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        axis: AxisArgs,
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
        /// Improvements too.
        #[arg(long)]
        all: bool,
    },
    /// Write the trend site: an index of series and a page per workload.
    Report {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        axis: AxisArgs,
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
}
