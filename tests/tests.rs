//! All integration tests build into one binary (one link, one shared lock
//! on the Docker engine). Tests that need the engine take `util::engine()`.

mod browser;
mod cli;
mod deps;
mod gil_import;
mod history;
mod images;
mod jit;
mod local;
mod machines;
mod memory;
mod noise;
mod precision;
mod registry;
mod report;
mod run;
mod runner;
mod shards;
mod util;
mod variants;
