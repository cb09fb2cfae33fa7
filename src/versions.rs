//! What gilbench knows about each CPython minor version.
//!
//! Versions differ only in this table: adding 3.16 means adding a row, not
//! touching the build or run code. Release checksums are data, in
//! `releases.tsv` beside this file.

use std::sync::LazyLock;

/// Facts about one `3.MINOR` line of CPython releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinorVersion {
    pub minor: u32,
    /// `--disable-gil` exists (PEP 703).
    pub free_threading: bool,
    /// LLVM major version that `--enable-experimental-jit` needs, if the JIT exists.
    pub jit_llvm: Option<u32>,
    /// The JIT can be combined with `--disable-gil`.
    pub jit_with_free_threading: bool,
    /// `concurrent.interpreters` is in the standard library (PEP 734).
    pub subinterpreters: bool,
    /// Debian source package holding the pristine upstream tarball.
    pub debian_source_package: &'static str,
    /// Debian suite whose binary package `python3.MINOR` gives a default build.
    pub debian_binary_suite: Option<&'static str>,
    /// That package is configured `--enable-experimental-jit=yes-off`: the
    /// JIT is built in and `PYTHON_JIT=1` switches it on.
    pub debian_binary_jit: bool,
}

/// SHA-256 of python.org release tarballs (`Python-X.Y.Z.tar.xz`) that
/// gilbench can verify without being told; others need `--sha256`. One
/// `VERSION<TAB>SHA256` line per final release, refreshed by
/// `scripts/refresh-releases.py`.
const RELEASES_TSV: &str = include_str!("releases.tsv");

/// One line of `releases.tsv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Release {
    version: &'static str,
    minor: u32,
    patch: u32,
    sha256: &'static str,
}

/// The list, sorted by version. It is checked by the tests, so a malformed
/// file never gets past them to panic here.
static RELEASES: LazyLock<Vec<Release>> = LazyLock::new(|| {
    parse_releases(RELEASES_TSV).unwrap_or_else(|e| panic!("src/releases.tsv: {e}"))
});

pub const VERSIONS: &[MinorVersion] = &[
    old(9),
    old(10),
    old(11),
    old(12),
    MinorVersion {
        minor: 13,
        free_threading: true,
        jit_llvm: Some(18),
        jit_with_free_threading: false,
        subinterpreters: false,
        debian_source_package: "python3.13",
        debian_binary_suite: Some("trixie"),
        debian_binary_jit: false,
    },
    MinorVersion {
        minor: 14,
        free_threading: true,
        jit_llvm: Some(19),
        jit_with_free_threading: false,
        subinterpreters: true,
        debian_source_package: "python3.14",
        debian_binary_suite: Some("sid"),
        debian_binary_jit: true,
    },
    MinorVersion {
        minor: 15,
        free_threading: true,
        jit_llvm: Some(21),
        jit_with_free_threading: false,
        subinterpreters: true,
        debian_source_package: "python3.15",
        debian_binary_suite: Some("sid"),
        debian_binary_jit: true,
    },
];

const fn old(minor: u32) -> MinorVersion {
    MinorVersion {
        minor,
        free_threading: false,
        jit_llvm: None,
        jit_with_free_threading: false,
        subinterpreters: false,
        debian_source_package: "",
        debian_binary_suite: None,
        debian_binary_jit: false,
    }
}

/// LLVM versions the default base (Debian trixie) packages: a JIT build that
/// needs another must name a base that has it.
pub const DEFAULT_BASE_LLVM: &[u32] = &[18, 19];

/// The release a bare `3.MINOR` means when the source does not decide it:
/// the newest one whose checksum gilbench knows.
pub fn default_release(minor: u32) -> String {
    newest_release(minor).map_or_else(|| format!("3.{minor}.0"), str::to_string)
}

/// The row for `3.minor`, if gilbench knows it.
pub fn lookup(minor: u32) -> Option<&'static MinorVersion> {
    VERSIONS.iter().find(|v| v.minor == minor)
}

/// The published SHA-256 of a release tarball, if it is in the list.
pub fn known_release_sha256(release: &str) -> Option<&'static str> {
    RELEASES
        .iter()
        .find(|r| r.version == release)
        .map(|r| r.sha256)
}

/// The newest listed release of `3.minor`, e.g. `"3.13.16"` for 13.
pub fn newest_release(minor: u32) -> Option<&'static str> {
    RELEASES
        .iter()
        .rev()
        .find(|r| r.minor == minor)
        .map(|r| r.version)
}

/// Reads `VERSION<TAB>SHA256` lines; `#` comments and blank lines are
/// skipped. Versions must be final (`3.X.Y`, no leading zeros), checksums 64
/// lowercase hex digits, and no version may appear twice.
fn parse_releases(text: &'static str) -> Result<Vec<Release>, String> {
    let mut releases = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| format!("line {}: {why}: {line:?}", index + 1);
        let (version, sha256) = line
            .split_once('\t')
            .ok_or_else(|| bad("expected VERSION<TAB>SHA256"))?;
        let (minor, patch) =
            parse_final_release(version).ok_or_else(|| bad("not a final release 3.X.Y"))?;
        let is_hex = sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if sha256.len() != 64 || !is_hex {
            return Err(bad("the checksum is not 64 lowercase hex digits"));
        }
        releases.push(Release {
            version,
            minor,
            patch,
            sha256,
        });
    }
    releases.sort_by_key(|r| (r.minor, r.patch));
    if let Some(pair) = releases.windows(2).find(|w| w[0].version == w[1].version) {
        return Err(format!("{} is listed twice", pair[0].version));
    }
    Ok(releases)
}

/// `"3.13.5"` -> `(13, 5)`; `None` for pre-releases and non-canonical forms.
fn parse_final_release(version: &str) -> Option<(u32, u32)> {
    let rest = version.strip_prefix("3.")?;
    let (minor, patch) = rest.split_once('.')?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(minor) || !all_digits(patch) {
        return None;
    }
    let (minor, patch) = (minor.parse().ok()?, patch.parse().ok()?);
    (format!("3.{minor}.{patch}") == version).then_some((minor, patch))
}

/// "3.9–3.15", for error messages.
pub fn supported_range() -> String {
    let first = VERSIONS.first().map_or(0, |v| v.minor);
    let last = VERSIONS.last().map_or(0, |v| v.minor);
    format!("3.{first}–3.{last}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_every_jit_version_names_its_llvm() {
        assert!(VERSIONS.windows(2).all(|w| w[0].minor < w[1].minor));
        assert_eq!(lookup(13).unwrap().jit_llvm, Some(18));
        assert_eq!(lookup(14).unwrap().jit_llvm, Some(19));
        assert!(lookup(12).unwrap().jit_llvm.is_none());
        assert!(lookup(8).is_none());
        assert_eq!(supported_range(), "3.9–3.15");
    }

    #[test]
    fn releases_file_is_well_formed() {
        let releases = parse_releases(RELEASES_TSV).unwrap();
        let data_lines = RELEASES_TSV
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(releases.len(), data_lines);
        assert!(releases.len() > 100, "only {} releases", releases.len());
        let mut checksums: Vec<_> = releases.iter().map(|r| r.sha256).collect();
        checksums.sort_unstable();
        checksums.dedup();
        assert_eq!(checksums.len(), releases.len(), "a checksum appears twice");
    }

    #[test]
    fn releases_file_is_sorted_by_version() {
        let listed: Vec<_> = RELEASES_TSV
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(version, _)| version)
            .collect();
        let sorted: Vec<_> = RELEASES.iter().map(|r| r.version).collect();
        assert_eq!(listed, sorted);
    }

    #[test]
    fn every_listed_minor_has_every_patch_up_to_its_newest() {
        for minor in 9..=15 {
            let newest = newest_release(minor)
                .unwrap_or_else(|| panic!("no release of 3.{minor} is listed"));
            let (_, last) = parse_final_release(newest).unwrap();
            for patch in 0..=last {
                let release = format!("3.{minor}.{patch}");
                assert!(
                    known_release_sha256(&release).is_some(),
                    "{release} is missing, yet {newest} is listed"
                );
            }
        }
    }

    #[test]
    fn every_minor_in_the_table_defaults_to_a_listed_release() {
        for v in VERSIONS {
            let release = default_release(v.minor);
            assert!(known_release_sha256(&release).is_some(), "{release}");
            assert!(release.starts_with(&format!("3.{}.", v.minor)), "{release}");
        }
    }

    #[test]
    fn known_checksums_and_newest_releases() {
        assert_eq!(
            known_release_sha256("3.13.5"),
            Some("93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640")
        );
        assert_eq!(known_release_sha256("3.15.0b4"), None);
        assert_eq!(known_release_sha256("3.8.20"), None);
        assert_eq!(newest_release(8), None);
        let newest = newest_release(13).unwrap();
        assert!(parse_final_release(newest).unwrap().1 >= 5, "{newest}");
    }

    #[test]
    fn the_parser_rejects_what_it_must() {
        let sha = "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640";
        let one = |line: String| parse_releases(line.leak());
        assert_eq!(one(format!("# note\n\n3.13.5\t{sha}\n")).unwrap().len(), 1);
        assert!(one(format!("3.15.0b4\t{sha}")).is_err());
        assert!(one(format!("3.13.05\t{sha}")).is_err());
        assert!(one(format!("3.13\t{sha}")).is_err());
        assert!(one(format!("3.13.5 {sha}")).is_err());
        assert!(one(format!("3.13.5\t{}", sha.to_uppercase())).is_err());
        assert!(one(format!("3.13.5\t{}", &sha[1..])).is_err());
        let twice = one(format!("3.13.5\t{sha}\n3.13.5\t{sha}")).unwrap_err();
        assert!(twice.contains("twice"), "{twice}");
        let sorted = one(format!("3.13.10\t{sha}\n3.13.9\t{sha}")).unwrap();
        assert_eq!(sorted[1].version, "3.13.10");
    }
}
