//! The packages behind a difference between two builds, in words: "simplejson
//! is pure Python on 3.13t (py3-none-any: no cp313t wheel) and compiled on
//! 3.13 (cp313)". Shared by the findings, the build table, the Markdown
//! summary and `gilbench compare`.

use crate::analysis::Analysis;
use crate::analysis::packages::PackagePair;
use crate::format::one_line;
use crate::results::{PackageKind, PackageOnBuild};

/// The packages `workload` imports that `build` and `other` hold
/// differently, in words joined by "; "; None when there are none.
pub(crate) fn behind(a: &Analysis<'_>, build: &str, other: &str, workload: &str) -> Option<String> {
    let pairs = a.packages_behind(build, other, workload);
    pairs_words(&pairs)
}

/// Pairs in words joined by "; "; None when there are none.
pub(crate) fn pairs_words(pairs: &[PackagePair]) -> Option<String> {
    (!pairs.is_empty()).then(|| pairs.iter().map(pair_words).collect::<Vec<_>>().join("; "))
}

/// One package on two builds.
pub(crate) fn pair_words(p: &PackagePair) -> String {
    let name = one_line(&p.name);
    if !p.kinds_differ() {
        let (b, o) = (one_line(&p.build.build), one_line(&p.other.build));
        return format!(
            "{name} is {} on {b} and {} on {o}",
            one_line(&p.build.version),
            one_line(&p.other.version)
        );
    }
    // "no cp313t wheel" explains a pure copy only beside a compiled one.
    let contrast = kind_word(&p.build) != kind_word(&p.other);
    let side = |c: &PackageOnBuild| {
        let version = if p.versions_differ() {
            format!(" {}", one_line(&c.version))
        } else {
            String::new()
        };
        let build = one_line(&c.build);
        format!(
            "{}{version} on {build} ({})",
            kind_word(c),
            detail(c, contrast)
        )
    };
    format!("{name} is {} and {}", side(&p.build), side(&p.other))
}

/// One build's copy among `all` the builds' copies: "simplejson 4.3.0:
/// pure Python (py3-none-any: no cp313t wheel)".
pub(crate) fn copy_words(name: &str, c: &PackageOnBuild, all: &[PackageOnBuild]) -> String {
    let contrast = all.iter().any(|o| kind_word(o) != kind_word(c));
    format!(
        "{} {}: {} ({})",
        one_line(name),
        one_line(&c.version),
        kind_word(c),
        detail(c, contrast)
    )
}

fn kind_word(c: &PackageOnBuild) -> &'static str {
    match (c.kind, c.compiled.is_empty()) {
        (PackageKind::PureWheel, _) | (PackageKind::BuiltHere, true) => "pure Python",
        (PackageKind::CompiledWheel, _) | (PackageKind::BuiltHere, false) => "compiled",
    }
}

/// Where the copy came from: "cp313", "py3-none-any", "built here from
/// source"; beside a compiled copy on another build (`contrast`), a
/// pure-Python wheel adds why pip took it: ": no cp313t wheel" (a source
/// build may be asked for, with --no-binary: it says nothing of wheels).
fn detail(c: &PackageOnBuild, contrast: bool) -> String {
    let missing = if contrast && c.kind == PackageKind::PureWheel {
        format!(": no {} wheel", one_line(&c.abi))
    } else {
        String::new()
    };
    match c.kind {
        PackageKind::CompiledWheel => {
            let wheel_abi = c.tags.split('-').nth(1).unwrap_or_default();
            let missing = if c.compiled.is_empty() {
                ", its compiled modules absent"
            } else {
                ""
            };
            format!("{}{missing}", one_line(wheel_abi))
        }
        PackageKind::PureWheel => format!("{}{missing}", one_line(&c.tags)),
        PackageKind::BuiltHere => "built here from source".to_string(),
    }
}
