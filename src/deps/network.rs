//! How pip inside a build reaches its index, as it does on this host: the
//! index variables, and a CA bundle for TLS-intercepting proxies. These go
//! only into the build stage, which is removed after the build; the kept
//! image never holds them.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// pip's index settings taken from the environment, as pip itself reads them.
const INDEX_VARIABLES: [&str; 3] = ["PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST"];
/// Variables that name a CA bundle, in the order they are consulted.
const CA_VARIABLES: [&str; 3] = ["PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"];

#[derive(Debug, Clone, Default)]
pub struct PipNetwork {
    /// (variable, value) of the index variables set on the host.
    pub index: Vec<(String, String)>,
    /// The CA bundle's path and contents.
    pub ca_bundle: Option<(PathBuf, Vec<u8>)>,
}

impl PipNetwork {
    /// The host's settings; `ca_cert` (from `--ca-cert`) overrides the bundle.
    pub fn from_host(ca_cert: Option<&Path>) -> Result<PipNetwork> {
        let index = INDEX_VARIABLES
            .iter()
            .filter_map(|name| {
                let value = std::env::var(name).ok()?;
                (!value.trim().is_empty()).then(|| (name.to_string(), value))
            })
            .collect();
        let bundle = match ca_cert {
            Some(path) => Some(path.to_path_buf()),
            None => host_ca_bundle(),
        };
        let ca_bundle = match bundle {
            Some(path) => {
                let bytes =
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                Some((path, bytes))
            }
            None => None,
        };
        Ok(PipNetwork { index, ca_bundle })
    }

    /// What of these settings can change the installed set: the index
    /// addresses without credentials (a new token must not rebuild).
    pub fn identity(&self) -> String {
        self.index
            .iter()
            .map(|(name, value)| format!("{name}={}\n", redact(value)))
            .collect()
    }

    /// Shell lines that set pip's environment for the one RUN that installs.
    pub fn shell_exports(&self, bundle_path: &str) -> String {
        let mut lines: Vec<String> = self
            .index
            .iter()
            .map(|(name, value)| format!("export {name}={}", shell_quote(value)))
            .collect();
        if self.ca_bundle.is_some() {
            lines.push(format!("export PIP_CERT={}", shell_quote(bundle_path)));
        }
        lines.join("\n")
    }
}

/// The CA bundle the host's pip would use, if the environment or pip's
/// configuration names one that exists.
fn host_ca_bundle() -> Option<PathBuf> {
    let from_env = CA_VARIABLES
        .iter()
        .filter_map(std::env::var_os)
        .map(PathBuf::from);
    let mut configs: Vec<PathBuf> = std::env::var_os("PIP_CONFIG_FILE")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    configs.extend(["/etc/pip.conf", "/etc/xdg/pip/pip.conf"].map(PathBuf::from));
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        configs.push(home.join(".config/pip/pip.conf"));
        configs.push(home.join(".pip/pip.conf"));
    }
    let from_config = configs
        .into_iter()
        .filter_map(|file| std::fs::read_to_string(file).ok())
        .filter_map(|text| config_cert(&text));
    from_env.chain(from_config).find(|path| path.is_file())
}

/// The `cert` setting of a pip configuration's `[global]` or `[install]` section.
pub fn config_cert(text: &str) -> Option<PathBuf> {
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
        } else if let Some((key, value)) = line.split_once(['=', ':'])
            && key.trim() == "cert"
            && (section == "global" || section == "install")
        {
            return Some(PathBuf::from(value.trim()));
        }
    }
    None
}

/// URLs with their `user:password@` part removed (several, space-separated).
pub fn redact(value: &str) -> String {
    value
        .split_whitespace()
        .map(|url| match url.split_once("://") {
            Some((scheme, rest)) => {
                let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
                format!("{scheme}://{host}{path}")
            }
            None => url.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One word for sh, whatever it holds.
pub fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}
