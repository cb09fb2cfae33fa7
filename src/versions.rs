//! What gilbench knows about each CPython minor version.
//!
//! Versions differ only in this table: adding 3.16 means adding a row, not
//! touching the build or run code.

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
    /// The release a bare `3.MINOR` means when the source does not decide it.
    pub default_release: &'static str,
    /// Debian source package holding the pristine upstream tarball.
    pub debian_source_package: &'static str,
    /// Debian suite whose binary package `python3.MINOR` gives a default build.
    pub debian_binary_suite: Option<&'static str>,
}

/// SHA-256 of python.org release tarballs (`Python-X.Y.Z.tar.xz`) that
/// gilbench can verify without being told. Others need `--sha256`.
pub const KNOWN_RELEASE_SHA256: &[(&str, &str)] = &[(
    "3.13.5",
    "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640",
)];

pub const VERSIONS: &[MinorVersion] = &[
    old(9, "3.9.23"),
    old(10, "3.10.18"),
    old(11, "3.11.13"),
    old(12, "3.12.11"),
    MinorVersion {
        minor: 13,
        free_threading: true,
        jit_llvm: Some(18),
        jit_with_free_threading: false,
        subinterpreters: false,
        default_release: "3.13.5",
        debian_source_package: "python3.13",
        debian_binary_suite: Some("trixie"),
    },
    MinorVersion {
        minor: 14,
        free_threading: true,
        jit_llvm: Some(19),
        jit_with_free_threading: false,
        subinterpreters: true,
        default_release: "3.14.10",
        debian_source_package: "python3.14",
        debian_binary_suite: Some("sid"),
    },
    MinorVersion {
        minor: 15,
        free_threading: true,
        jit_llvm: Some(21),
        jit_with_free_threading: false,
        subinterpreters: true,
        default_release: "3.15.2",
        debian_source_package: "python3.15",
        debian_binary_suite: Some("sid"),
    },
];

const fn old(minor: u32, default_release: &'static str) -> MinorVersion {
    MinorVersion {
        minor,
        free_threading: false,
        jit_llvm: None,
        jit_with_free_threading: false,
        subinterpreters: false,
        default_release,
        debian_source_package: "",
        debian_binary_suite: None,
    }
}

/// The row for `3.minor`, if gilbench knows it.
pub fn lookup(minor: u32) -> Option<&'static MinorVersion> {
    VERSIONS.iter().find(|v| v.minor == minor)
}

/// The published SHA-256 of a release tarball, if it is in the table.
pub fn known_release_sha256(release: &str) -> Option<&'static str> {
    KNOWN_RELEASE_SHA256
        .iter()
        .find(|(r, _)| *r == release)
        .map(|(_, sha)| *sha)
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
    fn default_release_belongs_to_its_minor() {
        for v in VERSIONS {
            assert!(v.default_release.starts_with(&format!("3.{}.", v.minor)));
        }
    }
}
