//! What an image is made of, and the content hash that names it.
//!
//! The hash covers everything that changes the result: the Dockerfile's
//! text, every build argument, the source's identity and the base image's
//! id. Equal hashes mean an image can be reused instead of built.

use std::collections::BTreeMap;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use super::base::BaseImage;
use super::options::{BuildOptions, Profile};
use super::source::PreparedSource;
use crate::spec::{BuildSpec, Variant};

pub const CPYTHON_DOCKERFILE: &str = include_str!("../../dockerfiles/cpython.Dockerfile");
pub const DEBIAN_BINARY_DOCKERFILE: &str =
    include_str!("../../dockerfiles/debian-binary.Dockerfile");

/// Repository of every interpreter image gilbench makes.
pub const IMAGE_REPO: &str = "gilbench/cpython";

/// Label keys on interpreter images (besides the managed/role pair).
pub mod label {
    pub const SPEC: &str = "org.gilbench.spec";
    pub const RELEASE: &str = "org.gilbench.release";
    pub const VARIANT: &str = crate::results::VARIANT_LABEL;
    pub const PROFILE: &str = "org.gilbench.profile";
    pub const SOURCE: &str = "org.gilbench.source";
    pub const SOURCE_ID: &str = crate::results::SOURCE_ID_LABEL;
    pub const CONFIGURE_ARGS: &str = "org.gilbench.configure-args";
    pub const BASE_ID: &str = "org.gilbench.base-id";
    pub const INPUTS: &str = "org.gilbench.inputs";
    pub const GILBENCH_VERSION: &str = "org.gilbench.gilbench-version";
    /// On images with packages installed: the hash of what was asked for,
    /// the interpreter image they were installed into, and the resolved set.
    pub const DEPS: &str = "org.gilbench.deps";
    pub const PYTHON_IMAGE: &str = "org.gilbench.python-image";
    pub const LOCK: &str = "org.gilbench.lock";
    /// The versions `--same-versions` held every build to (`name==version …`).
    pub const PINS: &str = "org.gilbench.pins";
}

#[derive(Clone)]
pub struct Recipe {
    pub dockerfile: &'static str,
    pub build_args: BTreeMap<String, String>,
    /// The source tarball to put in the context as `cpython-source.tar`.
    pub source_tarball: Option<PathBuf>,
    /// Further files of the build context: (name, contents, mode).
    pub context_files: Vec<(String, Vec<u8>, u32)>,
    /// Appended to the tag, e.g. "-deps" for an image with packages installed.
    pub tag_suffix: String,
    pub labels: BTreeMap<String, String>,
    /// Hex SHA-256 of all inputs.
    pub inputs_hash: String,
}

impl Recipe {
    /// A CPython build from a prepared source.
    pub fn compiled(
        spec: &BuildSpec,
        options: &BuildOptions,
        base: &BaseImage,
        source: &PreparedSource,
    ) -> Recipe {
        let table = spec.version.table();
        let mut configure = Vec::new();
        match spec.variant {
            Variant::Default => {}
            Variant::FreeThreaded => configure.push("--disable-gil".to_string()),
            // Built in but off by default, as CPython ships it: PYTHON_JIT
            // switches it per run, so one image measures the JIT on and off.
            Variant::Jit => configure.push("--enable-experimental-jit=yes-off".to_string()),
        }
        if options.profile == Profile::Optimized {
            configure.extend([
                "--enable-optimizations".to_string(),
                "--with-lto".to_string(),
            ]);
        }
        configure.extend(options.configure_args.iter().cloned());
        let llvm = match spec.variant {
            Variant::Jit => table.jit_llvm.map(|v| v.to_string()).unwrap_or_default(),
            _ => String::new(),
        };
        let build_args = BTreeMap::from([
            ("BASE_IMAGE".to_string(), base.name.clone()),
            ("APT_OPTIONS".to_string(), options.apt_options.join(" ")),
            ("LLVM_VERSION".to_string(), llvm),
            (
                "PY_VERSION".to_string(),
                source.release.clone().unwrap_or_default(),
            ),
            ("CONFIGURE_ARGS".to_string(), configure.join(" ")),
        ]);
        let release = source
            .release
            .clone()
            .unwrap_or_else(|| spec.version.to_string());
        let mut recipe = Recipe {
            dockerfile: CPYTHON_DOCKERFILE,
            build_args,
            source_tarball: Some(source.tarball.clone()),
            context_files: Vec::new(),
            tag_suffix: String::new(),
            labels: BTreeMap::new(),
            inputs_hash: String::new(),
        };
        recipe.finish(
            spec,
            options.profile.name(),
            &release,
            &source.origin,
            &source.identity,
            base,
        );
        recipe
            .labels
            .insert(label::CONFIGURE_ARGS.to_string(), configure.join(" "));
        recipe
    }

    /// A default build from Debian's prebuilt `python3.X` package.
    pub fn debian_binary(spec: &BuildSpec, options: &BuildOptions, base: &BaseImage) -> Recipe {
        let minor = spec.version.minor;
        let suite = spec
            .version
            .table()
            .debian_binary_suite
            .expect("checked when the spec was validated");
        let build_args = BTreeMap::from([
            ("BASE_IMAGE".to_string(), base.name.clone()),
            ("APT_OPTIONS".to_string(), options.apt_options.join(" ")),
            ("SUITE".to_string(), suite.to_string()),
            ("PACKAGE".to_string(), format!("python3.{minor}")),
        ]);
        let mut recipe = Recipe {
            dockerfile: DEBIAN_BINARY_DOCKERFILE,
            build_args,
            source_tarball: None,
            context_files: Vec::new(),
            tag_suffix: String::new(),
            labels: BTreeMap::new(),
            inputs_hash: String::new(),
        };
        let identity = format!("debian-binary:python3.{minor}/{suite}");
        recipe.finish(
            spec,
            "debian",
            &spec.version.to_string(),
            &identity,
            &identity,
            base,
        );
        recipe
    }

    fn finish(
        &mut self,
        spec: &BuildSpec,
        profile: &str,
        release: &str,
        origin: &str,
        identity: &str,
        base: &BaseImage,
    ) {
        let mut hasher = Sha256::new();
        hasher.update(b"gilbench-image-v1\n");
        hasher.update(self.dockerfile.as_bytes());
        for (name, value) in &self.build_args {
            hasher.update(format!("\narg {name}={value}").as_bytes());
        }
        hasher.update(format!("\nsource {identity}\nbase {}\n", base.id).as_bytes());
        self.inputs_hash = hex::encode(hasher.finalize());
        let mut labels = crate::engine::managed_labels("cpython")
            .into_iter()
            .collect::<BTreeMap<_, _>>();
        labels.extend([
            (label::SPEC.to_string(), spec.image_spec()),
            (label::RELEASE.to_string(), release.to_string()),
            (label::VARIANT.to_string(), spec.variant.name().to_string()),
            (label::PROFILE.to_string(), profile.to_string()),
            (label::SOURCE.to_string(), origin.to_string()),
            (label::SOURCE_ID.to_string(), identity.to_string()),
            (label::BASE_ID.to_string(), base.id.clone()),
            (label::INPUTS.to_string(), self.inputs_hash.clone()),
            (
                label::GILBENCH_VERSION.to_string(),
                env!("CARGO_PKG_VERSION").to_string(),
            ),
        ]);
        self.labels = labels;
    }

    /// `3.13.5t-quick-1a2b3c4d5e6f`: readable, and unique by content.
    pub fn tag(&self) -> String {
        let spec = &self.labels[label::SPEC];
        let release = &self.labels[label::RELEASE];
        // The release replaces the spec's version part, keeping the variant suffix.
        let variant = spec.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
        format!(
            "{release}{variant}-{}-{}{}",
            self.labels[label::PROFILE],
            &self.inputs_hash[..16],
            self.tag_suffix
        )
    }

    pub fn image_name(&self) -> String {
        format!("{IMAGE_REPO}:{}", self.tag())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SourceSpec;

    fn options(profile: Profile) -> BuildOptions {
        BuildOptions {
            profile,
            source: SourceSpec::Auto,
            configure_args: vec![],
            base: "debian:trixie-slim".into(),
            registry: None,
            pull: true,
            sha256: None,
            apt_options: vec![],
            python_org_mirror: String::new(),
            dependencies: Default::default(),
        }
    }

    fn base() -> BaseImage {
        BaseImage {
            name: "debian:trixie-slim".into(),
            id: "sha256:aaaa".into(),
        }
    }

    fn source(id: &str) -> PreparedSource {
        PreparedSource::for_tests("/tmp/Python-3.13.5.tar.xz", id, Some("3.13.5"))
    }

    #[test]
    fn variant_and_profile_choose_configure_flags_and_llvm() {
        let jit: BuildSpec = "3.13-jit".parse().unwrap();
        let recipe = Recipe::compiled(
            &jit,
            &options(Profile::Optimized),
            &base(),
            &source("sha256:1"),
        );
        assert_eq!(recipe.build_args["LLVM_VERSION"], "18");
        assert_eq!(
            recipe.build_args["CONFIGURE_ARGS"],
            "--enable-experimental-jit=yes-off --enable-optimizations --with-lto"
        );
        let ft: BuildSpec = "3.14t".parse().unwrap();
        let recipe = Recipe::compiled(&ft, &options(Profile::Quick), &base(), &source("sha256:1"));
        assert_eq!(recipe.build_args["LLVM_VERSION"], "");
        assert_eq!(recipe.build_args["CONFIGURE_ARGS"], "--disable-gil");
        assert!(
            recipe.tag().starts_with("3.13.5t-quick-"),
            "{}",
            recipe.tag()
        );
    }

    #[test]
    fn hash_changes_with_every_input_and_only_then() {
        let spec: BuildSpec = "3.13t".parse().unwrap();
        let make = |o: &BuildOptions, b: &BaseImage, s: &str| {
            Recipe::compiled(&spec, o, b, &source(s)).inputs_hash
        };
        let reference = make(&options(Profile::Quick), &base(), "sha256:1");
        assert_eq!(
            reference,
            make(&options(Profile::Quick), &base(), "sha256:1")
        );
        assert_ne!(
            reference,
            make(&options(Profile::Optimized), &base(), "sha256:1")
        );
        assert_ne!(
            reference,
            make(&options(Profile::Quick), &base(), "sha256:2")
        );
        let other_base = BaseImage {
            id: "sha256:bbbb".into(),
            ..base()
        };
        assert_ne!(
            reference,
            make(&options(Profile::Quick), &other_base, "sha256:1")
        );
        let mut extra = options(Profile::Quick);
        extra.configure_args.push("--with-pydebug".into());
        assert_ne!(reference, make(&extra, &base(), "sha256:1"));
    }
}
