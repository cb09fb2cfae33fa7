//! The headline findings.

use super::texts;
use crate::analysis::fixture::*;
use crate::report::{FindingKind, findings};
use crate::results::{Mode, RunStatus, Scaling};

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
fn bimodal_drifting_and_outlying_samples_are_named() {
    let found = findings(&noisy());
    let all = texts(&found);
    assert!(
        all.contains("countdown on 3.14-jit: bimodal: 3 of 5 samples at 313 ms, 2 at 38"),
        "{all}"
    );
    assert!(
        all.contains("drift: the second half ran 12 % slower than the first"),
        "{all}"
    );
    assert!(
        all.contains("sha256 on 3.14 (1 of 10 samples: 620 ms)"),
        "{all}"
    );
    assert!(!all.contains("no clear difference"), "{all}");
    insta::assert_snapshot!(all);
}

#[test]
fn a_large_unproven_difference_is_inconclusive_with_its_reason() {
    // One workload: the sentence of a single comparison.
    let mut run = noisy();
    run.samples.retain(|s| s.workload == "countdown");
    let all = texts(&findings(&run));
    assert!(
        all.contains(
            "3.14-jit against 3.14 at 1 thread on countdown: inconclusive: -17 % but bimodal \
             on 3.14-jit; run with --precision 5%."
        ),
        "{all}"
    );

    // Neither bimodal nor drifting: too noisy, or too few samples.
    let noisy_run = |repeat: u32| {
        RunBuilder {
            status: RunStatus::Complete,
            builds: vec![
                build_entry("3.14", "default", "3.14.0", false, false),
                build_entry("3.14-jit", "jit", "3.14.0", false, true),
            ],
            workloads: vec![("countdown".into(), Scaling::Weak)],
            modes: vec![Mode::Threads],
            threads: vec![1],
            repeat,
            warmup: 0,
            outcome: Box::new(|build, _, _, r| {
                const SPREAD: [f64; 5] = [1.0, 1.16, 0.86, 1.08, 0.93];
                let factor = if build == "3.14-jit" { 0.9 } else { 1.0 };
                Some(Outcome::Ok {
                    wall_s: SPREAD[r as usize % 5] * factor,
                    worker_cpu_s: 0.5,
                })
            }),
        }
        .build()
    };
    let all = texts(&findings(&noisy_run(5)));
    assert!(
        all.contains("inconclusive: -10 % but too noisy (CV 12 % on 3.14"),
        "{all}"
    );
    let all = texts(&findings(&noisy_run(3)));
    assert!(
        all.contains("but too few samples (3); run with --precision 3%"),
        "{all}"
    );
    // One sample a side: its interval is a point, which proves nothing.
    let all = texts(&findings(&noisy_run(1)));
    assert!(
        all.contains("inconclusive: -10 % but too few samples (1)"),
        "{all}"
    );
}

#[test]
fn a_precision_goal_says_which_cells_reached_it() {
    let mut run = noisy();
    assert!(
        !texts(&findings(&run)).contains("precision goal"),
        "no goal, no finding"
    );
    run.config.precision = Some(crate::results::PrecisionGoal {
        target: 0.05,
        max_repeat: 20,
        time_budget_s: None,
    });
    let all = texts(&findings(&run));
    // sha256 on 3.14 has ten steady samples; the others are noisier or fewer.
    assert!(
        all.contains(
            "precision goal ±5.0 % (at most 20 samples a cell): reached by 1 of 4 cells; not by \
             countdown on 3.14 at 1 thread (5 samples, too few for an interval), countdown on \
             3.14-jit at 1 thread (5 samples, too few for an interval), sha256 on 3.14-jit at 1 \
             thread (±6.2 % after 10 samples)."
        ),
        "{all}"
    );
}

#[test]
fn the_run_is_called_quiet_or_disturbed() {
    let mut run = fixture();
    for record in &mut run.samples {
        record.sample.foreign_cpu_ns = Some(0);
        record.sample.steal_ns = Some(0);
        record.sample.watched_ns = Some(500_000_000);
    }
    assert!(texts(&findings(&run)).contains("Quiet run: no sample was disturbed"));

    let first = run.samples.iter().position(|r| r.is_measurement()).unwrap();
    run.samples[first].disturbed = true;
    run.samples[first].sample.foreign_cpu_ns = Some(450_000_000);
    let all = texts(&findings(&run));
    assert!(
        all.contains(&format!(
            "Disturbed run: 1 of {} samples ran while other load was on their CPUs (up to 0.90 CPUs) in 1 cell",
            run.samples.len()
        )),
        "{all}"
    );
    let analysis = crate::analysis::Analysis::new(&run);
    let cell = analysis.summary.get(&run.samples[first].cell()).unwrap();
    assert_eq!(cell.counts.disturbed, 1);
    assert!(crate::report::shape::label(cell).contains("1 disturbed, retaken"));

    run.config.disturbance.check = false;
    assert!(texts(&findings(&run)).contains("was not checked (--no-disturbance-check)"));
}

#[test]
fn costs_are_measured_in_the_owning_thread_and_the_penalty_is_its_own_finding() {
    let mut run = fixture();
    for s in &mut run.samples {
        if s.threads == 1 && s.sample.mode == Mode::Threads {
            let wall = s.sample.wall_ns.unwrap_or(0) as f64;
            let penalty = if s.build == "3.13t" { 1.14 } else { 1.0 };
            s.sample.owner_wall_ns = Some((wall / penalty) as u64);
        }
    }
    let all = texts(&findings(&run));
    assert!(
        all.contains(
            "Cross-thread penalty on 3.13t: a lone worker thread takes +14 % on countdown"
        ),
        "{all}"
    );
    assert!(!all.contains("Cross-thread penalty on 3.13:"), "{all}");
    // +35 % in a worker thread is +18 % in the owning thread.
    assert!(
        all.contains("3.13t costs +18 % at 1 thread compared with 3.13"),
        "{all}"
    );
}

#[test]
fn threads_scaling_on_a_gil_build_are_explained_and_missing_builds_named() {
    let mut builder = RunBuilder {
        status: RunStatus::Complete,
        builds: standard_builds(),
        workloads: vec![("numpy_sort".into(), Scaling::Weak)],
        modes: vec![Mode::Threads],
        threads: vec![1, 2],
        repeat: 5,
        warmup: 0,
        // Every build scales: the work releases the GIL.
        outcome: Box::new(|_, _, _, repeat| {
            Some(Outcome::Ok {
                wall_s: 1.0 + f64::from(repeat) * 0.001,
                worker_cpu_s: 1.0,
            })
        }),
    }
    .build();
    let all = texts(&findings(&builder));
    assert!(
        all.contains("Its threads scale with the GIL too (3.13, 3.13-jit)"),
        "{all}"
    );
    builder.missing_builds.push(crate::results::MissingBuild {
        name: "3.14t".into(),
        reason: "building gilbench/cpython:x failed: pip failed\n--- last 2 lines ---\nerror\n\
                 --- the whole log is in /cache/logs/build-x.log ---"
            .into(),
    });
    let all = texts(&findings(&builder));
    assert!(
        all.contains(
            "3.14t was not measured: building gilbench/cpython:x failed: pip failed \
             (the whole log is in /cache/logs/build-x.log)"
        ),
        "{all}"
    );
    let countdown = texts(&findings(&fixture()));
    assert!(!countdown.contains("with the GIL too"), "{countdown}");
}

#[test]
fn memory_at_one_worker_and_per_extra_worker_is_said_in_words() {
    let run = RunBuilder {
        status: RunStatus::Complete,
        builds: standard_builds(),
        workloads: vec![("countdown".into(), Scaling::Weak)],
        modes: vec![Mode::Threads, Mode::Processes],
        threads: vec![1, 2, 4],
        repeat: 5,
        warmup: 0,
        outcome: Box::new(standard_outcome),
    }
    .build();
    let found = findings(&run);
    let memory: Vec<&str> = found
        .iter()
        .filter(|f| f.kind == FindingKind::Memory)
        .map(|f| f.text.as_str())
        .collect();
    // 13 MiB + 0.5 MiB against 10 + 0.5 at one thread.
    assert!(
        memory.contains(
            &"3.13t's peak memory at 1 worker against 3.13: +29 % on countdown, above PEP 779's 20 %."
        ),
        "{memory:?}"
    );
    assert!(
        memory.contains(&"3.13-jit's peak memory at 1 worker is within noise of 3.13's."),
        "{memory:?}"
    );
    assert!(
        memory[2].contains("adds 0.5 MiB a thread and 10.0 MiB a process on 3.13;"),
        "{memory:?}"
    );
    insta::assert_snapshot!(memory.join("\n"));
}

#[test]
fn memory_over_many_workloads_is_summed_up() {
    let mut run = RunBuilder {
        status: RunStatus::Complete,
        builds: standard_builds(),
        workloads: ["a", "b", "c", "d", "e"]
            .iter()
            .map(|w| (w.to_string(), Scaling::Strong))
            .collect(),
        modes: vec![Mode::Threads],
        threads: vec![1, 2],
        repeat: 5,
        warmup: 0,
        outcome: Box::new(standard_outcome),
    }
    .build();
    // On 3.13t, each workload after the first takes 5 % less than the one before.
    for r in run.samples.iter_mut().filter(|r| r.build == "3.13t") {
        let step = f64::from(r.workload.as_bytes()[0] - b'a');
        let peak = r.sample.rss_peak_kb.as_mut().unwrap();
        *peak = (*peak as f64 * (1.0 - 0.05 * step)).round() as u64;
    }
    let all = texts(&findings(&run));
    assert!(
        all.contains(
            "3.13t's peak memory at 1 worker against 3.13: +15 % (geometric mean of 5 workloads), \
             from +2.8 % on e to +29 % on a; above PEP 779's 20 % on a (+29 %), b (+22 %)."
        ),
        "{all}"
    );
}
