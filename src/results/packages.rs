//! The Python packages installed into a build's image, as pip resolved
//! them: recorded with each build in `results.json`.

use serde::{Deserialize, Serialize};

/// One installed distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockedPackage {
    pub name: String,
    pub version: String,
    /// The file pip installed from: a wheel, an sdist, or a local folder.
    pub file: String,
    /// A wheel's tags (`cp313-cp313t-manylinux_2_27_x86_64`); empty for
    /// what was built here from an sdist or a folder.
    #[serde(default)]
    pub tags: String,
    /// The file's SHA-256 as the index published it (empty for local folders).
    #[serde(default)]
    pub sha256: String,
    /// Named by the user, rather than pulled in as a dependency.
    #[serde(default)]
    pub requested: bool,
}

impl LockedPackage {
    /// "numpy 2.4.6 numpy-2.4.6-cp313-cp313t-….whl sha256:ab12…"
    pub fn describe(&self) -> String {
        let from = if self.tags.is_empty() && !self.file.ends_with(".whl") {
            format!("built here from {}", self.file)
        } else {
            self.file.clone()
        };
        let sha = if self.sha256.is_empty() {
            String::new()
        } else {
            format!(" sha256:{}", &self.sha256[..self.sha256.len().min(12)])
        };
        format!("{} {} {from}{sha}", self.name, self.version)
    }
}
