//! `gilbench images`: list, prune, push, and bootstrap a base.

use clap::{Args, Subcommand};

use crate::spec::BuildSpec;

#[derive(Debug, Args)]
pub struct ImagesArgs {
    #[command(subcommand)]
    pub command: Option<ImagesCommand>,
}

#[derive(Debug, Subcommand)]
pub enum ImagesCommand {
    /// List interpreter images: version, variant, profile, source, size and age (the default).
    List {
        /// Include bootstrapped base images.
        #[arg(long)]
        all: bool,
    },
    /// Remove the interpreter images gilbench built (all, or those of the builds named).
    Prune {
        /// Only images of these builds, e.g. 3.13t (version and variant as given when built).
        #[arg(value_name = "SPEC")]
        specs: Vec<BuildSpec>,
        /// Remove bootstrapped base images too.
        #[arg(long)]
        include_base: bool,
    },
    /// Publish local interpreter images (all, or those of the builds named) to a registry.
    Push {
        /// Only images of these builds, e.g. 3.13t.
        #[arg(value_name = "SPEC")]
        specs: Vec<BuildSpec>,
        /// Registry, e.g. 127.0.0.1:5000.
        #[arg(long, env = "GILBENCH_REGISTRY")]
        registry: String,
    },
    /// Create the base image from Debian packages (mmdebstrap), for hosts with no registry.
    BootstrapBase {
        /// Debian mirror for mmdebstrap (default: its own choice).
        #[arg(long)]
        mirror: Option<String>,
        /// Image name to create; the default stands in for debian:trixie-slim.
        #[arg(long, default_value = crate::images::base::BOOTSTRAP_TAG)]
        tag: String,
        /// Recreate it even if it exists (every interpreter image built on the old one will rebuild).
        #[arg(long)]
        force: bool,
    },
}
