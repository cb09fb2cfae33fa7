//! The built-in workload suite (compiled into the binary), user workloads
//! given by path, and choosing workloads by name, category or path.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use sha2::{Digest, Sha256};

use crate::error::{Error, invalid_input};
use crate::results::WorkloadInfo;

static SUITE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/workloads");
static RUNNER: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/runner");

/// In-container folder of the runner package (under the bench dir), started
/// as `python3 <bench dir>/runner serve`.
pub const RUNNER_DIR: &str = "runner";

/// In-container folder of the built-in suite (under the bench dir).
pub const BUILTIN_DIR: &str = "workloads";
/// In-container folder of user workloads (under the bench dir).
pub const USER_DIR: &str = "user";

/// Files to upload into a bench container, and the in-container paths to describe.
pub struct Bundle {
    /// (path relative to the bench dir, contents)
    pub files: Vec<(String, Vec<u8>)>,
    /// Paths relative to the bench dir: the built-in folder, then each user path.
    pub describe: Vec<String>,
}

/// The runner and the built-in suite, plus the user's files or folders.
pub fn bundle(user_paths: &[PathBuf]) -> Result<Bundle, Error> {
    let mut files: Vec<(String, Vec<u8>)> = runner_sources()
        .into_iter()
        .map(|(path, contents)| (format!("{RUNNER_DIR}/{path}"), contents.to_vec()))
        .collect();
    for file in SUITE.files() {
        let name = file.path().to_string_lossy();
        if name.ends_with(".py") {
            files.push((format!("{BUILTIN_DIR}/{name}"), file.contents().to_vec()));
        }
    }
    let mut describe = vec![BUILTIN_DIR.to_string()];
    // (on the host, in the bench dir): sized before anything is read.
    let mut uploads: Vec<(PathBuf, String)> = Vec::new();
    for (index, path) in user_paths.iter().enumerate() {
        let target = format!("{USER_DIR}/{index}");
        if path.is_file() {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            if !name.ends_with(".py") {
                return Err(Error::InvalidInput(format!(
                    "workload {} is not a .py file",
                    path.display()
                )));
            }
            uploads.push((path.clone(), format!("{target}/{name}")));
            describe.push(format!("{target}/{name}"));
        } else if path.is_dir() {
            let tree = folder_files(path)?;
            if !tree.iter().any(|f| is_top_level_py(f)) {
                return Err(Error::InvalidInput(format!(
                    "{} holds no .py workloads at its top level",
                    path.display()
                )));
            }
            for file in tree {
                let in_bench = format!("{target}/{}", file.to_string_lossy());
                uploads.push((path.join(file), in_bench));
            }
            describe.push(target);
        } else {
            return Err(Error::InvalidInput(format!(
                "workload path {} does not exist",
                path.display()
            )));
        }
    }
    let user_bytes: u64 = uploads
        .iter()
        .map(|(p, _)| fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    if user_bytes > USER_LIMIT {
        return Err(Error::InvalidInput(format!(
            "the workload files and folders hold {}; at most {} can be uploaded \
             (each container's bench folder is a {} in-memory file system): \
             leave data sets out of the folder or make them smaller",
            mebibytes(user_bytes),
            mebibytes(USER_LIMIT),
            mebibytes(BENCH_FOLDER_BYTES)
        )));
    }
    for (path, in_bench) in uploads {
        files.push((in_bench, read(&path)?));
    }
    Ok(Bundle { files, describe })
}

impl Bundle {
    /// The SHA-256 of the file a workload was described from: the bundle
    /// file whose path ends the workload's in-container path.
    pub fn sha256_of(&self, workload_path: &str) -> Option<String> {
        self.file_of(workload_path)
            .map(|contents| hex::encode(Sha256::digest(contents)))
    }

    /// The contents of the bundle file a workload was described from.
    fn file_of(&self, workload_path: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(path, _)| workload_path.ends_with(&format!("/{path}")))
            .map(|(_, contents)| contents.as_slice())
    }
}

/// Size of each container's bench folder, an in-memory file system.
pub const BENCH_FOLDER_BYTES: u64 = 64 << 20;

/// Each described workload's source, by name: its file in `bundle`.
pub fn sources(bundle: &Bundle, described: &[WorkloadInfo]) -> HashMap<String, Vec<u8>> {
    described
        .iter()
        .filter_map(|w| Some((w.name.clone(), bundle.file_of(&w.path)?.to_vec())))
        .collect()
}

/// Most bytes of user workload files one run uploads: half of the bench
/// folder, which also holds the runner and the suite.
pub const USER_LIMIT: u64 = BENCH_FOLDER_BYTES / 2;

fn mebibytes(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

/// A workload folder's files as a tree, relative to it: subpackages and
/// data files too, without bytecode caches (each interpreter makes its own).
fn folder_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let files = crate::tree::files(dir)
        .map_err(|e| Error::InvalidInput(format!("cannot read {}: {e:#}", dir.display())))?;
    Ok(files
        .into_iter()
        .filter(|f| !f.components().any(|c| c.as_os_str() == "__pycache__"))
        .collect())
}

/// Only a folder's top-level `.py` files can define workloads.
fn is_top_level_py(relative: &Path) -> bool {
    relative.components().count() == 1 && relative.extension().is_some_and(|x| x == "py")
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    fs::read(path).map_err(|e| Error::InvalidInput(format!("cannot read {}: {e}", path.display())))
}

/// The runner package's `.py` files: (path inside `runner/`, contents).
pub fn runner_sources() -> Vec<(String, &'static [u8])> {
    fn walk(dir: &'static Dir<'static>, out: &mut Vec<(String, &'static [u8])>) {
        for file in dir.files() {
            let path = file.path().to_string_lossy();
            if path.ends_with(".py") {
                out.push((path.into_owned(), file.contents()));
            }
        }
        for sub in dir.dirs() {
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(&RUNNER, &mut out);
    out
}

/// The selectors that name files or folders.
pub fn user_paths(selectors: &[String]) -> Vec<PathBuf> {
    selectors
        .iter()
        .filter(|s| is_path(s))
        .map(PathBuf::from)
        .collect()
}

/// Whether a `--workload` value names a path rather than a name or category.
pub fn is_path(selector: &str) -> bool {
    selector.contains('/') || selector.ends_with(".py") || Path::new(selector).exists()
}

/// The categories a workload may declare (workloads/README.md).
pub const CATEGORIES: [&str; 5] = ["cpu", "objects", "contention", "native", "io"];

/// Names of the built-in workloads: their file names without `.py`.
pub fn builtin_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = SUITE
        .files()
        .filter_map(|f| f.path().to_str()?.strip_suffix(".py"))
        .collect();
    names.sort_unstable();
    names
}

/// Checks `--workload` selectors before anything is built or started: paths
/// must be readable workloads, names must be built-in workloads or
/// categories. A name that may belong to a user's workload is left to
/// [`select`], which sees what the user's files declare.
pub fn check_selectors(selectors: &[String]) -> anyhow::Result<()> {
    let paths = user_paths(selectors);
    bundle(&paths)?;
    if !paths.is_empty() {
        return Ok(());
    }
    let builtin = builtin_names();
    for name in selectors.iter().filter(|s| !is_path(s)) {
        let known = name == "all"
            || CATEGORIES.contains(&name.as_str())
            || builtin.contains(&name.as_str());
        if !known {
            return Err(invalid_input(format!(
                "no workload or category named `{name}`; workloads: {}; categories: {}; \
                 or give a path to a .py file or folder",
                builtin.join(", "),
                CATEGORIES.join(", ")
            )));
        }
    }
    Ok(())
}

/// Built-in workloads the default suite leaves out; `all`, their category
/// and their name select them. richards is the JIT's warm-and-cold
/// reference (`--warm-calls`): in the default suite it would lengthen the
/// main run and change its cells, which a history of runs compares.
const NOT_IN_DEFAULT: &[&str] = &["richards"];

/// Picks workloads: the default suite (without selectors), `all` (every
/// built-in one), names, categories, and
/// everything described from user paths. Unknown names are an error that
/// lists what exists; workloads that failed to import are errors too.
pub fn select(
    described: &[WorkloadInfo],
    selectors: &[String],
) -> anyhow::Result<Vec<WorkloadInfo>> {
    let builtin = |w: &&WorkloadInfo| w.path.contains(&format!("/{BUILTIN_DIR}/"));
    let broken: Vec<String> = described
        .iter()
        .filter(|w| w.error.is_some() && !builtin(w))
        .map(|w| format!("{}: {}", w.path, w.error.as_deref().unwrap_or_default()))
        .collect();
    if !broken.is_empty() {
        return Err(invalid_input(format!(
            "workloads that cannot be used:\n  {}",
            broken.join("\n  ")
        )));
    }
    let mut chosen: Vec<WorkloadInfo> = Vec::new();
    let mut add = |w: &WorkloadInfo| {
        if !chosen.iter().any(|c| c.path == w.path) {
            chosen.push(w.clone());
        }
    };
    let user: Vec<&WorkloadInfo> = described.iter().filter(|w| !builtin(w)).collect();
    if user.is_empty() && selectors.iter().any(|s| is_path(s)) {
        return Err(invalid_input(
            "the workload paths define no workload: every top-level .py file of a folder \
             defines none of work, check, CATEGORY or SCALING (such files are helpers)",
        ));
    }
    let names: Vec<&str> = selectors
        .iter()
        .map(String::as_str)
        .filter(|s| !is_path(s))
        .collect();
    let everything = names.contains(&"all");
    if everything || names.is_empty() && user.is_empty() {
        described
            .iter()
            .filter(builtin)
            .filter(|w| everything || !NOT_IN_DEFAULT.contains(&w.name.as_str()))
            .for_each(&mut add);
    }
    for name in names.iter().filter(|n| **n != "all") {
        let matches: Vec<&WorkloadInfo> = described
            .iter()
            .filter(|w| w.name == *name || w.category.as_deref() == Some(name))
            .collect();
        if matches.is_empty() {
            let mut known: Vec<String> = described.iter().map(|w| w.name.clone()).collect();
            let mut categories: Vec<String> = described
                .iter()
                .filter_map(|w| w.category.clone())
                .collect();
            known.sort();
            categories.sort();
            categories.dedup();
            return Err(invalid_input(format!(
                "no workload or category named `{name}`; workloads: {}; categories: {}; or give a path to a .py file or folder",
                known.join(", "),
                categories.join(", ")
            )));
        }
        matches.into_iter().for_each(&mut add);
    }
    user.into_iter().for_each(&mut add);
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, category: &str, path: &str) -> WorkloadInfo {
        WorkloadInfo {
            name: name.into(),
            path: path.into(),
            category: Some(category.into()),
            scaling: None,
            description: None,
            size: None,
            modes: vec![],
            error: None,
            sha256: None,
        }
    }

    fn described() -> Vec<WorkloadInfo> {
        vec![
            info("countdown", "cpu", "/gilbench/workloads/countdown.py"),
            info("fib", "cpu", "/gilbench/workloads/fib.py"),
            info("richards", "cpu", "/gilbench/workloads/richards.py"),
            info("sha256", "native", "/gilbench/workloads/sha256.py"),
        ]
    }

    #[test]
    fn selectors_are_checked_before_anything_starts() {
        let ok = |s: &[&str]| check_selectors(&s.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(ok(&["countdown", "cpu", "all"]).is_ok());
        let error = ok(&["nope"]).unwrap_err().to_string();
        assert!(
            error.contains("no workload or category named `nope`"),
            "{error}"
        );
        assert!(
            error.contains("countdown") && error.contains("contention"),
            "{error}"
        );
        let missing = ok(&["./no/such/dir"]).unwrap_err().to_string();
        assert!(missing.contains("does not exist"), "{missing}");
    }

    #[test]
    fn every_builtin_workload_declares_a_known_category() {
        for name in builtin_names() {
            let text = SUITE
                .get_file(format!("{name}.py"))
                .unwrap()
                .contents_utf8()
                .unwrap();
            let category = text
                .lines()
                .find_map(|l| l.strip_prefix("CATEGORY = "))
                .map(|c| c.trim().trim_matches('"'));
            assert!(
                category.is_some_and(|c| CATEGORIES.contains(&c)),
                "{name}: {category:?}"
            );
        }
    }

    fn names(chosen: &[WorkloadInfo]) -> Vec<&str> {
        chosen.iter().map(|w| w.name.as_str()).collect()
    }

    #[test]
    fn selects_by_name_category_or_everything() {
        assert_eq!(
            names(&select(&described(), &[]).unwrap()),
            ["countdown", "fib", "sha256"],
            "the default suite"
        );
        assert_eq!(
            names(&select(&described(), &["all".into()]).unwrap()),
            ["countdown", "fib", "richards", "sha256"]
        );
        assert_eq!(
            names(&select(&described(), &["sha256".into(), "cpu".into()]).unwrap()),
            ["sha256", "countdown", "fib", "richards"]
        );
        assert_eq!(
            names(&select(&described(), &["richards".into()]).unwrap()),
            ["richards"]
        );
        let err = select(&described(), &["nope".into()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("countdown, fib, richards, sha256") && err.contains("cpu, native"),
            "{err}"
        );
    }

    #[test]
    fn user_workloads_alone_replace_the_default_suite() {
        let mut all = described();
        all.push(info("mine", "cpu", "/gilbench/user/0/mine.py"));
        assert_eq!(
            names(&select(&all, &["./mine.py".into()]).unwrap()),
            ["mine"]
        );
        assert_eq!(
            names(&select(&all, &["fib".into(), "./mine.py".into()]).unwrap()),
            ["fib", "mine"]
        );
        let helpers_only = select(&described(), &["./helpers".into()]).unwrap_err();
        assert!(helpers_only.to_string().contains("define no workload"));
        all.last_mut().unwrap().error = Some("SyntaxError".into());
        assert!(
            select(&all, &[])
                .unwrap_err()
                .to_string()
                .contains("SyntaxError")
        );
    }

    fn write(dir: &Path, relative: &str, contents: &str) {
        let path = dir.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }

    #[test]
    fn a_folder_is_uploaded_as_a_tree_within_a_limit() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "bench.py", "import helpers.calc");
        write(dir.path(), "helpers/__init__.py", "");
        write(dir.path(), "helpers/calc.py", "TWO = 2");
        write(dir.path(), "data/words.txt", "a b c");
        write(dir.path(), "__pycache__/bench.cpython-313.pyc", "stale");
        let uploaded = bundle(&[dir.path().to_path_buf()]).unwrap();
        let mut user: Vec<&str> = uploaded
            .files
            .iter()
            .filter_map(|(p, _)| p.strip_prefix("user/0/"))
            .collect();
        user.sort_unstable();
        assert_eq!(
            user,
            [
                "bench.py",
                "data/words.txt",
                "helpers/__init__.py",
                "helpers/calc.py"
            ]
        );
        assert_eq!(uploaded.describe.last().unwrap(), "user/0");

        // Sized before it is read: a sparse file takes no time to make.
        let big = fs::File::create(dir.path().join("data/big.bin")).unwrap();
        big.set_len(USER_LIMIT + 1).unwrap();
        let error = bundle(&[dir.path().to_path_buf()]).err().unwrap();
        assert!(error.to_string().contains("at most 32.0 MiB"), "{error}");
    }

    #[test]
    fn only_top_level_files_define_workloads() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "pkg/inner.py", "");
        let error = bundle(&[dir.path().to_path_buf()]).err().unwrap();
        assert!(error.to_string().contains("at its top level"), "{error}");
    }

    #[test]
    fn the_suite_is_compiled_in() {
        let bundle = bundle(&[]).unwrap();
        assert!(bundle.files.iter().any(|(p, _)| p == "runner/__main__.py"));
        assert!(
            bundle
                .files
                .iter()
                .any(|(p, _)| p == "runner/modes/threads.py")
        );
        assert!(bundle.files.iter().all(|(p, _)| p.ends_with(".py")));
        assert!(
            bundle
                .files
                .iter()
                .filter(|(p, _)| p.starts_with("workloads/"))
                .count()
                >= 14
        );
    }
}
