//! `gilbench history`: runs over time.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use crate::history::{Order, TextFormat};

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
    /// Order runs by the time they started, or in the order they were added.
    #[arg(long, value_enum, default_value_t = OrderArg::Time)]
    pub order: OrderArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OrderArg {
    Time,
    Added,
}

impl From<OrderArg> for Order {
    fn from(order: OrderArg) -> Order {
        match order {
            OrderArg::Time => Order::Time,
            OrderArg::Added => Order::Added,
        }
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
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
}
