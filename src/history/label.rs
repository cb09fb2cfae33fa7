//! Where a run sits on the axis: the commit or name it measured.

use std::path::Path;
use std::process::Command;

/// CI systems' variables naming the commit a job runs on, in the order
/// they are tried.
const CI_COMMIT_VARIABLES: [&str; 5] = [
    "GITHUB_SHA",
    "CI_COMMIT_SHA",
    "BUILDKITE_COMMIT",
    "CIRCLE_SHA1",
    "GIT_COMMIT",
];

/// `--label` if given, else the git commit of `--project`, else the CI
/// system's commit variable; None when none says.
pub fn resolve(label: Option<&str>, project: Option<&Path>) -> Option<String> {
    if let Some(label) = label {
        return Some(label.to_string());
    }
    if let Some(commit) = project.and_then(git_commit) {
        return Some(commit);
    }
    CI_COMMIT_VARIABLES
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

fn git_commit(project: &Path) -> Option<String> {
    git(project, &["rev-parse", "HEAD"])
        .ok()
        .filter(|commit| !commit.is_empty())
}

/// `git -C dir args…`'s output, trimmed; else why it failed.
pub(super) fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    String::from_utf8(out.stdout)
        .map(|text| text.trim().to_string())
        .map_err(|e| e.to_string())
}
