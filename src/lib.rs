//! gilbench: measure what the GIL, the free-threaded build and the JIT do to
//! Python code, in real CPython builds run through the Docker Engine API.
//!
//! The data's path: `spec` (which interpreter) → `images` (get it: local,
//! pulled or built through `engine`) → measurement (`run`) → `analysis`
//! (over the pure numerics of `stats`) → `report`.

pub mod analysis;
pub mod archive;
pub mod atomic;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod cpuset;
pub mod deps;
pub mod doctor;
pub mod engine;
pub mod error;
pub mod format;
pub mod history;
pub mod images;
pub mod lines;
pub mod merge;
pub mod progress;
pub mod redact;
pub mod report;
pub mod results;
pub mod run;
pub mod runner;
pub mod spec;
pub mod stats;
pub mod tree;
pub mod versions;
pub mod workloads;
