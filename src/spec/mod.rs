//! Build specs: the one grammar that names an interpreter build.
//!
//! ```text
//! spec    := version variant? setting* ("@" source)? ("[" PACKAGES "]")?
//! version := "3." MINOR ("." PATCH)?          3.13, 3.13.5
//! variant := "t"                              free-threaded (--disable-gil)
//!          | "-jit"                           JIT (--enable-experimental-jit=yes-off, run with PYTHON_JIT=1)
//! setting := "+" NAME "=" VALUE               runtime environment, e.g. +PYTHON_GIL=1
//! source  := see `SourceSpec`                 e.g. @debian, @dir:/src/cpython
//! PACKAGES := a package variant's name          e.g. [head]: the build with `--project head=DIR`
//! ```
//!
//! Examples: `3.13`, `3.13t`, `3.13-jit`, `3.13.5t`, `3.13t+PYTHON_GIL=1`,
//! `3.14t@git:https://example.org/cpython.git#my-branch`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::versions::{self, MinorVersion};

pub const GRAMMAR: &str = "\
build spec grammar: 3.MINOR[.PATCH][t|-jit][+NAME=VALUE...][@SOURCE]
  3.13         default (GIL) build          3.13t        free-threaded (--disable-gil)
  3.13-jit     JIT build, JIT on            3.13.5t      an exact release
  3.13t+PYTHON_GIL=1   a runtime setting on top of a build
  3.13-jit+PYTHON_JIT=0   the same JIT image with the JIT off
  3.13@debian  a source other than the default (see --source)
  3.13t[head]  the build with the packages of variant `head` (--project head=DIR)";

pub const SOURCE_GRAMMAR: &str = "\
sources: auto | python.org | debian | debian-binary | tarball:PATH | dir:PATH | git:URL[#REF]
  auto           a cached tarball, else python.org, else Debian's source package
  python.org     the release tarball, verified against its published SHA-256
  debian         Debian's source package (the pristine upstream tarball)
  debian-binary  Debian's prebuilt python3.X package, no compiling (default builds; 3.14 and
                 3.15 also as -jit, their JIT being built in)
  tarball:PATH   a local source tarball;  dir:PATH  a local source tree (your branch)
  git:URL#REF    a git repository and ref (branch, tag or commit; default HEAD)";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpecError {
    #[error("invalid build spec `{spec}`: {reason}\n{GRAMMAR}")]
    Syntax { spec: String, reason: String },
    #[error("invalid source `{source_text}`: {reason}\n{SOURCE_GRAMMAR}")]
    Source { source_text: String, reason: String },
    #[error("unsupported build `{spec}`: {reason}")]
    Impossible { spec: String, reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variant {
    /// The default build, with the GIL.
    Default,
    /// `--disable-gil` (PEP 703).
    FreeThreaded,
    /// `--enable-experimental-jit` (PEP 744).
    Jit,
}

impl Variant {
    pub fn suffix(self) -> &'static str {
        match self {
            Variant::Default => "",
            Variant::FreeThreaded => "t",
            Variant::Jit => "-jit",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Variant::Default => "default",
            Variant::FreeThreaded => "free-threaded",
            Variant::Jit => "jit",
        }
    }

    pub fn from_name(name: &str) -> Option<Variant> {
        [Variant::Default, Variant::FreeThreaded, Variant::Jit]
            .into_iter()
            .find(|v| v.name() == name)
    }
}

/// `3.MINOR` or `3.MINOR.PATCH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PythonVersion {
    pub minor: u32,
    pub patch: Option<u32>,
}

impl PythonVersion {
    pub fn table(&self) -> &'static MinorVersion {
        versions::lookup(self.minor).expect("versions are checked when parsed")
    }

    /// The exact release: the patch given, or the table's default.
    pub fn release(&self) -> String {
        match self.patch {
            Some(patch) => format!("3.{}.{patch}", self.minor),
            None => crate::versions::default_release(self.minor),
        }
    }
}

impl fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.patch {
            Some(patch) => write!(f, "3.{}.{patch}", self.minor),
            None => write!(f, "3.{}", self.minor),
        }
    }
}

/// Where the CPython source (or, for `DebianBinary`, the interpreter) comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SourceSpec {
    Auto,
    PythonOrg,
    Debian,
    DebianBinary,
    Tarball(PathBuf),
    Directory(PathBuf),
    Git { url: String, reference: String },
}

impl SourceSpec {
    /// Short name recorded in image labels.
    pub fn kind(&self) -> &'static str {
        match self {
            SourceSpec::Auto => "auto",
            SourceSpec::PythonOrg => "python.org",
            SourceSpec::Debian => "debian",
            SourceSpec::DebianBinary => "debian-binary",
            SourceSpec::Tarball(_) => "tarball",
            SourceSpec::Directory(_) => "dir",
            SourceSpec::Git { .. } => "git",
        }
    }

    /// Local and git sources decide the version themselves; a spec's patch
    /// release is then checked against the tree rather than chosen by it.
    pub fn picks_release(&self) -> bool {
        matches!(
            self,
            SourceSpec::Auto | SourceSpec::PythonOrg | SourceSpec::Debian
        )
    }
}

impl FromStr for SourceSpec {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, SpecError> {
        let err = |reason: &str| SpecError::Source {
            source_text: text.to_string(),
            reason: reason.to_string(),
        };
        let nonempty = |rest: &str, what: &str| {
            if rest.is_empty() {
                Err(err(&format!("{what} is missing")))
            } else {
                Ok(rest.to_string())
            }
        };
        Ok(match text {
            "auto" => SourceSpec::Auto,
            "python.org" | "release" => SourceSpec::PythonOrg,
            "debian" => SourceSpec::Debian,
            "debian-binary" => SourceSpec::DebianBinary,
            _ => {
                if let Some(path) = text.strip_prefix("tarball:") {
                    SourceSpec::Tarball(nonempty(path, "the tarball's path")?.into())
                } else if let Some(path) = text.strip_prefix("dir:") {
                    SourceSpec::Directory(nonempty(path, "the directory's path")?.into())
                } else if let Some(rest) = text.strip_prefix("git:") {
                    let (url, reference) = match rest.rsplit_once('#') {
                        Some((url, reference)) => (url, nonempty(reference, "the ref after #")?),
                        None => (rest, "HEAD".to_string()),
                    };
                    SourceSpec::Git {
                        url: nonempty(url, "the repository URL")?,
                        reference,
                    }
                } else {
                    return Err(err("unknown kind of source"));
                }
            }
        })
    }
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceSpec::Tarball(path) => write!(f, "tarball:{}", path.display()),
            SourceSpec::Directory(path) => write!(f, "dir:{}", path.display()),
            SourceSpec::Git { url, reference } => write!(f, "git:{url}#{reference}"),
            other => f.write_str(other.kind()),
        }
    }
}

/// A parsed, validated build spec.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BuildSpec {
    pub version: PythonVersion,
    pub variant: Variant,
    /// Environment set when the interpreter runs (not part of the image).
    pub runtime_env: Vec<(String, String)>,
    /// Overrides the `--source` option for this build.
    pub source: Option<SourceSpec>,
    /// The package variant (`--project NAME=DIR`) this build is measured
    /// with: its own derived image, and `[NAME]` in its label.
    pub package_variant: Option<String>,
}

impl BuildSpec {
    /// The image part of the spec: version and variant, no runtime settings.
    pub fn image_spec(&self) -> String {
        format!("{}{}", self.version, self.variant.suffix())
    }

    /// Builds that share an image (e.g. 3.13t and 3.13t+PYTHON_GIL=1) share this key.
    pub fn image_key(&self) -> String {
        let source = self
            .source
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default();
        let packages = self.package_variant.as_deref().unwrap_or_default();
        format!("{}@{source}[{packages}]", self.image_spec())
    }

    /// This build with the packages of variant `name`.
    pub fn with_package_variant(&self, name: &str) -> BuildSpec {
        BuildSpec {
            package_variant: Some(name.to_string()),
            ..self.clone()
        }
    }

    /// The environment the interpreter runs with: the spec's runtime
    /// settings, and for a JIT build `PYTHON_JIT=1` unless the spec sets it
    /// (JIT builds are configured so that the JIT is switched at run time).
    pub fn run_env(&self) -> Vec<(String, String)> {
        let mut env = self.runtime_env.clone();
        if self.variant == Variant::Jit && !env.iter().any(|(name, _)| name == "PYTHON_JIT") {
            env.push(("PYTHON_JIT".to_string(), "1".to_string()));
        }
        env
    }

    /// Checks the combination against the version table and a source.
    pub fn check_source(&self, source: &SourceSpec) -> Result<(), SpecError> {
        let table = self.version.table();
        let prebuilt_jit = self.variant == Variant::Jit && table.debian_binary_jit;
        if *source == SourceSpec::DebianBinary && self.variant != Variant::Default && !prebuilt_jit
        {
            return Err(self.impossible(format!(
                "Debian's prebuilt interpreter is a default build{}; a {} build must be compiled \
                 (use --source debian or another source)",
                if table.jit_llvm.is_some() && self.variant == Variant::Jit {
                    " without the JIT"
                } else {
                    ""
                },
                self.variant.name()
            )));
        }
        if *source == SourceSpec::DebianBinary {
            if table.debian_binary_suite.is_none() {
                return Err(self.impossible(format!(
                    "Debian ships no prebuilt python3.{} package gilbench knows of",
                    self.version.minor
                )));
            }
            if self.version.patch.is_some() {
                return Err(self.impossible(
                    "Debian's prebuilt package decides the patch release; give only 3.MINOR"
                        .to_string(),
                ));
            }
        }
        Ok(())
    }

    fn impossible(&self, reason: String) -> SpecError {
        SpecError::Impossible {
            spec: self.to_string(),
            reason,
        }
    }
}

impl fmt::Display for BuildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.image_spec())?;
        for (name, value) in &self.runtime_env {
            write!(f, "+{name}={value}")?;
        }
        if let Some(source) = &self.source {
            write!(f, "@{source}")?;
        }
        if let Some(packages) = &self.package_variant {
            write!(f, "[{packages}]")?;
        }
        Ok(())
    }
}

impl FromStr for BuildSpec {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, SpecError> {
        let syntax = |reason: String| SpecError::Syntax {
            spec: text.to_string(),
            reason,
        };
        let (text_without_packages, package_variant) = match text
            .strip_suffix(']')
            .and_then(|t| t.rsplit_once('['))
        {
            Some((rest, name)) if is_variant_name(name) => (rest, Some(name.to_string())),
            Some((_, name)) => {
                return Err(syntax(format!(
                    "`[{name}]` is not a package variant's name (letters, digits, `_`, `.`, `-`)"
                )));
            }
            None => (text, None),
        };
        let (head, source) = match text_without_packages.split_once('@') {
            Some((head, source)) => (head, Some(source.parse::<SourceSpec>()?)),
            None => (text_without_packages, None),
        };
        let mut parts = head.split('+');
        let build = parts.next().unwrap_or_default().trim();
        let runtime_env = parts
            .map(|setting| match setting.split_once('=') {
                Some((name, value)) if is_env_name(name) => {
                    Ok((name.to_string(), value.to_string()))
                }
                _ => Err(syntax(format!(
                    "`+{setting}` is not a runtime setting of the form +NAME=VALUE"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?;

        let (numbers, variant) = if let Some(numbers) = build.strip_suffix("-jit") {
            (numbers, Variant::Jit)
        } else if let Some(numbers) = build.strip_suffix('t') {
            (numbers, Variant::FreeThreaded)
        } else {
            (build, Variant::Default)
        };
        let version = parse_version(numbers).map_err(syntax)?;
        let spec = BuildSpec {
            version,
            variant,
            runtime_env,
            source,
            package_variant,
        };

        let table = versions::lookup(version.minor).ok_or_else(|| {
            spec.impossible(format!(
                "gilbench knows CPython {}; 3.{} is not in its version table",
                versions::supported_range(),
                version.minor
            ))
        })?;
        match variant {
            Variant::FreeThreaded if !table.free_threading => {
                return Err(spec.impossible(format!(
                    "free-threading (--disable-gil, PEP 703) first appeared in 3.13; {} has a GIL \
                     that cannot be disabled",
                    spec.version
                )));
            }
            Variant::Jit if table.jit_llvm.is_none() => {
                return Err(spec.impossible(format!(
                    "the experimental JIT (--enable-experimental-jit, PEP 744) first appeared in \
                     3.13; {} has none",
                    spec.version
                )));
            }
            _ => {}
        }
        if let Some(source) = &spec.source {
            spec.check_source(source)?;
        }
        Ok(spec)
    }
}

/// A package variant's name: what `--project NAME=DIR` accepts as NAME.
pub fn is_variant_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

fn parse_version(text: &str) -> Result<PythonVersion, String> {
    let fields: Vec<&str> = text.split('.').collect();
    let number = |field: &str| -> Result<u32, String> {
        if field.is_empty() || !field.chars().all(|c| c.is_ascii_digit()) {
            Err(format!("`{field}` is not a number in version `{text}`"))
        } else {
            field.parse().map_err(|_| format!("`{field}` is too large"))
        }
    };
    match fields.as_slice() {
        [major, minor, rest @ ..] if rest.len() <= 1 => {
            if number(major)? != 3 {
                return Err(format!("only CPython 3.x is supported, not `{text}`"));
            }
            Ok(PythonVersion {
                minor: number(minor)?,
                patch: rest.first().map(|p| number(p)).transpose()?,
            })
        }
        _ => Err(format!(
            "expected a version such as 3.13 or 3.13.5, found `{text}`"
        )),
    }
}

/// Combining the JIT with free-threading is not expressible in the grammar,
/// but extra configure arguments can ask for it; this says whether it works.
pub fn check_configure_args(spec: &BuildSpec, args: &[String]) -> Result<(), SpecError> {
    let table = spec.version.table();
    let asks = |flag: &str| args.iter().any(|a| a.starts_with(flag));
    let free_threaded = spec.variant == Variant::FreeThreaded || asks("--disable-gil");
    let jit = spec.variant == Variant::Jit || asks("--enable-experimental-jit");
    if free_threaded && !table.free_threading {
        return Err(spec.impossible(format!(
            "--disable-gil needs CPython 3.13 or later, not {}",
            spec.version
        )));
    }
    if jit && table.jit_llvm.is_none() {
        return Err(spec.impossible(format!(
            "--enable-experimental-jit needs CPython 3.13 or later, not {}",
            spec.version
        )));
    }
    if free_threaded && jit && !table.jit_with_free_threading {
        return Err(spec.impossible(format!(
            "CPython {} does not support the JIT in a free-threaded build \
             (configure disables one of them); measure 3.{m}t and 3.{m}-jit separately",
            spec.version,
            m = spec.version.minor
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
