//! How runs are ordered along the axis: by start time, in the order they
//! were added, by their labels in version order, or by the commits of a
//! git checkout's history. An order that cannot place a run (no label, or
//! a label that is no commit of the history) leaves it out and says so.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::label::git;
use super::store::{History, StoredRun};
use crate::error::invalid_input;

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Order {
    /// By the time each run started.
    #[default]
    Time,
    /// In the order the runs were added: the order of their labels
    /// (commits, releases) when a job adds each as it is made.
    Added,
    /// By label, version-aware ([`version_cmp`]).
    Label,
    /// By the commit each run's label names, in a git history.
    Git(GitHistory),
}

/// The commits of a checkout's history, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct GitHistory {
    dir: PathBuf,
    /// (commit id, its position oldest first), sorted by commit id.
    commits: Vec<(String, usize)>,
}

/// The shortest commit prefix a label can be: git's own shortest.
const MIN_PREFIX: usize = 4;

impl GitHistory {
    /// The history behind `dir`'s HEAD, parents before their children.
    pub fn read(dir: &Path) -> Result<GitHistory> {
        let listed = git(dir, &["rev-list", "--topo-order", "--reverse", "HEAD"]).map_err(|e| {
            invalid_input(format!(
                "--order git={}: cannot read the commits of a git checkout there: {e}",
                dir.display()
            ))
        })?;
        let mut commits: Vec<(String, usize)> = listed
            .lines()
            .enumerate()
            .map(|(at, commit)| (commit.to_string(), at))
            .collect();
        commits.sort_unstable();
        Ok(GitHistory {
            dir: dir.to_path_buf(),
            commits,
        })
    }

    /// Where the commit `label` names (a commit id or an unambiguous
    /// prefix of one) sits in the history.
    fn position(&self, label: &str) -> Option<usize> {
        let prefix = label.trim().to_ascii_lowercase();
        if prefix.len() < MIN_PREFIX || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let start = self
            .commits
            .partition_point(|(c, _)| c.as_str() < prefix.as_str());
        let mut matching = self.commits[start..]
            .iter()
            .take_while(|(c, _)| c.starts_with(&prefix));
        match (matching.next(), matching.next()) {
            (Some((_, at)), None) => Some(*at),
            _ => None,
        }
    }
}

impl Order {
    /// The order, in words, for the site.
    pub fn describe(&self) -> String {
        match self {
            Order::Time => "start time".to_string(),
            Order::Added => "the order they were added".to_string(),
            Order::Label => "label, in version order".to_string(),
            Order::Git(git) => format!("the commits of {}", git.dir.display()),
        }
    }

    /// Whether the order can place `run`.
    fn places(&self, run: &StoredRun) -> bool {
        match self {
            Order::Time | Order::Added => true,
            Order::Label => run.label.is_some(),
            Order::Git(git) => run.label.as_deref().and_then(|l| git.position(l)).is_some(),
        }
    }

    /// Two runs it places, in its order; start time breaks ties.
    fn compare(&self, a: &StoredRun, b: &StoredRun) -> Ordering {
        let first = match self {
            Order::Time => Ordering::Equal,
            Order::Added => a.seq.cmp(&b.seq),
            Order::Label => version_cmp(
                a.label.as_deref().unwrap_or_default(),
                b.label.as_deref().unwrap_or_default(),
            ),
            Order::Git(git) => {
                let at = |r: &StoredRun| r.label.as_deref().and_then(|l| git.position(l));
                at(a).cmp(&at(b))
            }
        };
        first.then_with(|| (&a.started_at, a.seq).cmp(&(&b.started_at, b.seq)))
    }

    /// Why runs are left out, before their names.
    fn why_left_out(&self) -> String {
        match self {
            Order::Time | Order::Added => String::new(),
            Order::Label => "they have no label".to_string(),
            Order::Git(git) => format!(
                "their labels name no commit of {}'s history",
                git.dir.display()
            ),
        }
    }
}

/// The runs in the axis' order, as indices into [`History::runs`].
pub struct Axis {
    pub runs: Vec<usize>,
    /// Runs the order cannot place, in the order they were added.
    pub left_out: Vec<usize>,
}

/// How many left-out runs a note names.
const NAMED: usize = 5;

impl Axis {
    pub fn of(history: &History, order: &Order) -> Axis {
        let (mut runs, left_out): (Vec<usize>, Vec<usize>) =
            (0..history.runs.len()).partition(|&r| order.places(&history.runs[r]));
        runs.sort_by(|&a, &b| order.compare(&history.runs[a], &history.runs[b]));
        Axis { runs, left_out }
    }

    /// The runs left out, said for people; None when there are none.
    pub fn left_out_note(&self, history: &History, order: &Order) -> Option<String> {
        if self.left_out.is_empty() {
            return None;
        }
        let mut names: Vec<String> = self
            .left_out
            .iter()
            .take(NAMED)
            .map(|&r| history.runs[r].name())
            .collect();
        if self.left_out.len() > NAMED {
            names.push(format!("and {} more", self.left_out.len() - NAMED));
        }
        Some(format!(
            "{} of {} runs are left out, as {}: {}",
            self.left_out.len(),
            history.runs.len(),
            order.why_left_out(),
            names.join(", ")
        ))
    }
}

/// Labels in version order: runs of digits compare as numbers (3.13.9
/// before 3.13.10), other text as text, and a label that goes on from
/// another with a letter is a pre-release of it (3.14.0rc1 and 1.0-beta
/// before 3.14.0 and 1.0; 1.0.1 and v1.4-2-gab12 after 1.0 and v1.4).
pub fn version_cmp(a: &str, b: &str) -> Ordering {
    let (mut left, mut right) = (chunks(a), chunks(b));
    loop {
        let ordering = match (left.next(), right.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(rest)) => pre_release_last(rest).reverse(),
            (Some(rest), None) => pre_release_last(rest),
            (Some(x), Some(y)) => chunk_cmp(x, y),
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
}

/// Where a label that goes on with `rest` sorts against the label it goes
/// on from.
fn pre_release_last(rest: &str) -> Ordering {
    if is_pre_release(rest) {
        Ordering::Less
    } else {
        Ordering::Greater
    }
}

/// Text that begins a pre-release: a letter, or `-` or `~` and a letter.
fn is_pre_release(text: &str) -> bool {
    let text = text.strip_prefix(['-', '~']).unwrap_or(text);
    text.starts_with(|c: char| c.is_ascii_alphabetic())
}

fn chunk_cmp(x: &str, y: &str) -> Ordering {
    let digits = |s: &str| s.starts_with(|c: char| c.is_ascii_digit());
    match (digits(x), digits(y)) {
        (true, true) => {
            let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
            x.len().cmp(&y.len()).then_with(|| x.cmp(y))
        }
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => match (is_pre_release(x), is_pre_release(y)) {
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => x.cmp(y),
        },
    }
}

/// The runs of digits and of other characters `text` is made of.
fn chunks(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let end = rest
            .find(|c: char| c.is_ascii_digit() != first.is_ascii_digit())
            .unwrap_or(rest.len());
        let (chunk, after) = rest.split_at(end);
        rest = after;
        Some(chunk)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn labels_sort_as_versions() {
        let mut labels = vec![
            "3.14.0",
            "3.13.10",
            "v10",
            "3.14.0rc1",
            "3.13.9",
            "3.14.0a7",
            "3.14.0b2",
            "v2",
            "3.14.0.1",
            "1.0",
            "1.0-beta",
            "v1.4-2-gab12",
            "v1.4",
        ];
        labels.sort_by(|a, b| version_cmp(a, b));
        assert_eq!(
            labels,
            [
                "1.0-beta",
                "1.0",
                "3.13.9",
                "3.13.10",
                "3.14.0a7",
                "3.14.0b2",
                "3.14.0rc1",
                "3.14.0",
                "3.14.0.1",
                "v1.4",
                "v1.4-2-gab12",
                "v2",
                "v10"
            ]
        );
        assert_eq!(version_cmp("007", "7"), "007".cmp("7"), "a total order");
    }

    fn run(id: &str, day: u32, label: Option<&str>) -> StoredRun {
        StoredRun {
            run_id: id.into(),
            seq: i64::from(day),
            started_at: format!("2026-11-{day:02}T00:00:00Z"),
            label: label.map(str::to_string),
        }
    }

    fn order_of(history: &History, order: &Order) -> Vec<String> {
        Axis::of(history, order)
            .runs
            .iter()
            .map(|&r| history.runs[r].run_id.clone())
            .collect()
    }

    #[test]
    fn label_order_is_version_order_and_leaves_unlabelled_runs_out() {
        let history = History {
            runs: vec![
                run("a", 1, Some("3.13.10")),
                run("b", 2, Some("3.13.9")),
                run("c", 3, None),
                run("d", 4, Some("3.14.0rc1")),
            ],
            cells: Vec::new(),
        };
        assert_eq!(order_of(&history, &Order::Label), ["b", "a", "d"]);
        assert_eq!(order_of(&history, &Order::Time), ["a", "b", "c", "d"]);
        let axis = Axis::of(&history, &Order::Label);
        let note = axis.left_out_note(&history, &Order::Label).unwrap();
        assert_eq!(
            note,
            "1 of 4 runs are left out, as they have no label: 2026-11-03 (c)"
        );
        let every = Axis::of(&history, &Order::Time);
        assert_eq!(every.left_out_note(&history, &Order::Time), None);
    }

    fn git_in(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args([
                "-c",
                "user.name=gilbench",
                "-c",
                "user.email=gilbench@example.org",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    #[test]
    fn git_order_follows_the_commits_and_leaves_out_labels_not_in_them() {
        let repo = tempfile::tempdir().unwrap();
        git_in(repo.path(), &["init", "-q"]);
        let commits: Vec<String> = (0..4)
            .map(|i| {
                git_in(
                    repo.path(),
                    &["commit", "-q", "--allow-empty", "-m", &format!("c{i}")],
                );
                git_in(repo.path(), &["rev-parse", "HEAD"])
            })
            .collect();
        // Started in another order than their commits; labelled by short
        // and full ids, one by a commit of another history, one by a name.
        let history = History {
            runs: vec![
                run("third", 1, Some(&commits[2][..7])),
                run("first", 2, Some(&commits[0])),
                run("elsewhere", 3, Some("0123456789abcdef")),
                run("fourth", 4, Some(&commits[3][..10].to_uppercase())),
                run("named", 5, Some("v1.0")),
                run("second", 6, Some(&commits[1][..12])),
            ],
            cells: Vec::new(),
        };
        let order = Order::Git(GitHistory::read(repo.path()).unwrap());
        assert_eq!(
            order_of(&history, &order),
            ["first", "second", "third", "fourth"]
        );
        let note = Axis::of(&history, &order)
            .left_out_note(&history, &order)
            .unwrap();
        assert!(
            note.starts_with("2 of 6 runs are left out, as their labels name no commit of")
                && note.ends_with("history: 2026-11-03 (0123456), 2026-11-05 (v1.0)"),
            "{note}"
        );
    }

    #[test]
    fn git_order_of_a_folder_that_is_no_checkout_is_invalid_input() {
        let dir = tempfile::tempdir().unwrap();
        let error = GitHistory::read(dir.path()).unwrap_err();
        let code = error
            .downcast_ref::<crate::error::Error>()
            .map(crate::error::Error::exit_code);
        assert_eq!(code, Some(2));
        assert!(
            format!("{error:#}").contains("cannot read the commits of a git checkout there"),
            "{error:#}"
        );
    }
}
