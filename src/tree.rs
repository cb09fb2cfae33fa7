//! A folder on the host as a build context takes it: its files in a stable
//! order (git's list in a checkout, so that build outputs stay out) and
//! their executable bits; and git, which lists a checkout's files and
//! fetches sources.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::error::image_unavailable;

/// The files of a tree, sorted: git's list (tracked, and untracked but not
/// ignored) in a checkout, so that build outputs stay out; else every file.
pub fn files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = if dir.join(".git").exists() {
        let listing = git(
            &[
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            Some(dir),
        )?;
        listing
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .filter(|p| fs::symlink_metadata(dir.join(p)).is_ok_and(|m| m.is_file()))
            .collect()
    } else {
        let mut found = Vec::new();
        walk(dir, Path::new(""), &mut found)?;
        found
    };
    files.sort();
    Ok(files)
}

fn walk(root: &Path, relative: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(root.join(relative))? {
        let entry = entry?;
        let name = entry.file_name();
        if name == ".git" {
            continue;
        }
        let path = relative.join(&name);
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(root, &path, found)?;
        } else if kind.is_file() {
            found.push(path);
        }
    }
    Ok(())
}

pub fn is_executable(metadata: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o111 != 0
}

/// Runs git (in `dir`, when given) and returns what it printed, trimmed.
/// A git that fails makes the image it serves unavailable.
pub fn git(args: &[&str], dir: Option<&Path>) -> Result<String> {
    let mut command = Command::new("git");
    if let Some(dir) = dir {
        command.arg("-C").arg(dir);
    }
    let output = command
        .args(args)
        .output()
        .context("running git (is git installed?)")?;
    if !output.status.success() {
        return Err(image_unavailable(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_folder_lists_every_file_but_git_s_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str| {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        };
        write("b/c.py");
        write("a.txt");
        write(".gitignore");
        assert_eq!(
            files(dir.path()).unwrap(),
            [".gitignore", "a.txt", "b/c.py"].map(PathBuf::from)
        );
        let metadata = fs::metadata(dir.path().join("a.txt")).unwrap();
        assert!(!is_executable(&metadata));
    }
}
