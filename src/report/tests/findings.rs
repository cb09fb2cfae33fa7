//! The headline findings.

use super::texts;
use crate::analysis::fixture::*;
use crate::report::{FindingKind, findings};

#[test]
fn findings_say_what_the_data_show() {
    let found = findings(&fixture());
    let all = texts(&found);
    let countdown = found
        .iter()
        .find(|f| f.kind == FindingKind::Scaling && f.text.starts_with("countdown:"))
        .expect("a scaling finding for countdown");
    assert!(
        countdown.text.contains("flat on 3.13 (1.00× at 4 threads)"),
        "{}",
        countdown.text
    );
    assert!(
        countdown
            .text
            .contains("scales on 3.13t (1.96× at 2 threads)"),
        "{}",
        countdown.text
    );
    assert!(
        countdown
            .text
            .contains("flat on 3.13-jit (1.00× at 4 threads)"),
        "{}",
        countdown.text
    );
    assert!(all.contains(&format!("{HOSTILE}: flat on 3.13")), "{all}");
    assert!(
        all.contains("3.13t costs +35 % at 1 thread compared with 3.13"),
        "{all}"
    );
    assert!(all.contains("3.13-jit is 20 % faster at 1 thread"), "{all}");
    assert!(
        all.contains(
            "Samples failed in 1 cell: 3.13t × countdown at 4 threads (exception, 6 of 6 samples)"
        ),
        "{all}"
    );
    assert!(!all.contains("interrupted"));
    assert!(!found.iter().any(|f| f.kind == FindingKind::Gil), "{all}");
}

#[test]
fn gil_turned_back_on_is_reported() {
    let mut run = fixture();
    for s in &mut run.samples {
        if s.build == "3.13t" && s.workload == "countdown" {
            s.sample.gil_enabled = Some(true);
        }
    }
    let found = findings(&run);
    let gil = found
        .iter()
        .find(|f| f.kind == FindingKind::Gil)
        .expect("a GIL finding");
    assert!(
        gil.text
            .starts_with("The GIL was on while countdown ran on 3.13t"),
        "{}",
        gil.text
    );
}
