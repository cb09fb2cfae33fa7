//! The builds a run measures when none are named: the default, free-threaded
//! and JIT builds of the newest minor version whose source can be had and
//! verified, which follows the present without a gilbench release.

use std::time::Duration;

use crate::cache::Cache;
use crate::images::BuildOptions;
use crate::images::base::DEFAULT_BASE;
use crate::spec::{BuildSpec, SourceSpec};
use crate::versions::{self, DEFAULT_BASE_LLVM, VERSIONS};

/// The minor whose source every machine that reaches Debian's mirror has:
/// Debian's stable release (trixie) carries the pristine 3.13 tarball.
const FALLBACK_MINOR: u32 = 13;

/// The three builds of the chosen minor, and why that minor.
pub fn default_builds(cache: &Cache, options: &BuildOptions) -> (Vec<BuildSpec>, String) {
    let probe = |release: &str| {
        cache
            .sources()
            .join(format!("Python-{release}.tar.xz"))
            .exists()
            || python_org_serves(&options.python_org_mirror, release)
    };
    let candidates = candidates(options);
    let newest = candidates.first().copied();
    let (minor, why) = match newest {
        Some(minor) if minor == FALLBACK_MINOR => (minor, "the newest gilbench can build".into()),
        Some(minor) if probe(&versions::default_release(minor)) => (
            minor,
            format!(
                "the newest stable minor; {} is cached or reachable and verifiable",
                versions::default_release(minor)
            ),
        ),
        _ => (
            FALLBACK_MINOR,
            "python.org cannot be reached; Debian's stable release carries this source".into(),
        ),
    };
    let builds = ["", "t", "-jit"]
        .iter()
        .map(|variant| format!("3.{minor}{variant}").parse().expect("a valid spec"))
        .collect();
    (builds, why)
}

/// Minors, newest first, whose three variants can be built from a verified
/// python.org release on the chosen base.
fn candidates(options: &BuildOptions) -> Vec<u32> {
    if !matches!(options.source, SourceSpec::Auto | SourceSpec::PythonOrg) {
        return vec![FALLBACK_MINOR];
    }
    VERSIONS
        .iter()
        .rev()
        .filter(|v| v.free_threading && versions::newest_release(v.minor).is_some())
        .filter(|v| {
            v.jit_llvm.is_some_and(|llvm| {
                options.base != DEFAULT_BASE || DEFAULT_BASE_LLVM.contains(&llvm)
            })
        })
        .map(|v| v.minor)
        .collect()
}

/// Whether the mirror answers for the release's tarball (a HEAD request; the
/// download itself is verified against the checksum later).
fn python_org_serves(mirror: &str, release: &str) -> bool {
    let url = format!(
        "{}/{release}/Python-{release}.tar.xz",
        mirror.trim_end_matches('/')
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    agent.head(&url).call().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(source: &str, base: &str) -> BuildOptions {
        let mut record = std::collections::BTreeMap::new();
        record.insert("source".to_string(), source.to_string());
        record.insert("base".to_string(), base.to_string());
        // Nothing listens on port 9 of the loopback: python.org is unreachable.
        record.insert(
            "python_org_mirror".to_string(),
            "http://127.0.0.1:9".to_string(),
        );
        BuildOptions::from_record(&record).unwrap()
    }

    #[test]
    fn the_newest_minor_whose_jit_the_base_can_build_comes_first() {
        // 3.15's JIT needs LLVM 21, which trixie does not package.
        assert_eq!(candidates(&options("auto", DEFAULT_BASE))[0], 14);
        assert_eq!(candidates(&options("auto", "debian:forky"))[0], 15);
        assert_eq!(candidates(&options("debian", DEFAULT_BASE)), vec![13]);
    }

    #[test]
    fn without_python_org_the_defaults_are_3_13() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf()).unwrap();
        let (builds, why) = default_builds(&cache, &options("auto", DEFAULT_BASE));
        let names: Vec<String> = builds.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["3.13", "3.13t", "3.13-jit"]);
        assert!(why.contains("python.org cannot be reached"), "{why}");
    }
}
