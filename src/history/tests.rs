//! Series are kept apart by machine and by the workload's file.

use super::command::{TextFormat, regressions_text};
use super::order::Order;
use super::store::{History, StoredCell, StoredRun};
use crate::stats::Estimate;

/// Twelve runs of one cell; from the 7th on, `later` changes the cell.
fn history(later: impl Fn(&mut StoredCell)) -> History {
    let mut h = History::default();
    for i in 0..12 {
        h.runs.push(StoredRun {
            run_id: format!("r{i}"),
            seq: i + 1,
            started_at: format!("2026-11-{:02}T00:00:00Z", i + 1),
            label: None,
        });
        let mut cell = StoredCell {
            run: i as usize,
            workload_sha256: Some("aa".into()),
            cell: super::store::tests::run("x", 1, 1.0).cells[0].clone(),
        };
        let value = 1.0 + 0.02 * ((i * 7 % 5) as f64 - 2.0);
        cell.cell.time = Some(Estimate {
            value,
            low: value * 0.98,
            high: value * 1.02,
        });
        if i >= 6 {
            later(&mut cell);
        }
        h.cells.push(cell);
    }
    h
}

fn slower(cell: &mut StoredCell) {
    let t = cell.cell.time.unwrap();
    cell.cell.time = Some(t.scaled(1.3));
}

#[test]
fn a_slowdown_on_one_machine_is_a_regression() {
    let (text, _) = regressions_text(&history(slower), &Order::Time, TextFormat::Text, false);
    assert!(
        text.starts_with("time of fib at 1 thread on 3.13t rose"),
        "{text}"
    );
}

#[test]
fn a_change_of_machine_is_not_a_regression() {
    let h = history(|c| {
        slower(c);
        c.cell.machine = "m2".into();
    });
    let (text, confirmed) = regressions_text(&h, &Order::Time, TextFormat::Text, true);
    assert!(text.starts_with("No changes in 12 runs"), "{text}");
    assert_eq!(confirmed, None);
}

#[test]
fn a_changed_workload_starts_a_new_series() {
    let h = history(|c| {
        slower(c);
        c.workload_sha256 = Some("bb".into());
    });
    let (text, _) = regressions_text(&h, &Order::Time, TextFormat::Text, true);
    assert!(text.starts_with("No changes in 12 runs"), "{text}");
}

#[test]
fn the_newest_run_confirming_a_regression_is_counted() {
    let mut h = history(|_| {});
    for cell in &mut h.cells[10..] {
        slower(cell);
    }
    let (text, confirmed) = regressions_text(&h, &Order::Time, TextFormat::Markdown, false);
    let sentence =
        "the newest run, 2026-11-12 (r11), confirms 1 regression, begun at run 2026-11-11 (r10)";
    assert_eq!(confirmed.as_deref(), Some(sentence), "{text}");
    assert!(
        text.contains(
            "between run 2026-11-10 (r9) and 2026-11-11 (r10); holds over the 2 runs since"
        ),
        "{text}"
    );
    assert!(
        text.ends_with(
            "\n**The newest run, 2026-11-12 (r11), confirms 1 regression, begun at run 2026-11-11 (r10).**\n"
        ),
        "{text}"
    );
}
