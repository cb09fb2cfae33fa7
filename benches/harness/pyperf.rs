//! gilbench beside pyperf: the same workload function, in the same image,
//! on the same core, in interleaved blocks so that drift of the machine
//! hits both alike.
//!
//! - agreement: countdown on 3.13, three block pairs: each pair's median
//!   ratio and both harnesses' coefficients of variation.
//! - cost: nbody on 3.13 and 3.13t, the single-thread cost of 3.13t as
//!   each harness measures it (pyperf times in the thread that owns the
//!   objects; so does gilbench's owning-thread time), and gilbench's
//!   cross-thread penalty beside it.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::{Figure, checked, cv, gilbench, median, results_of};

/// Block pairs per comparison.
const PAIRS: usize = 3;
/// Samples per block, for each harness.
const BLOCK: u32 = 6;
const WORKLOADS: [&str; 2] = ["countdown", "nbody"];

/// An image of `image` with pyperf and the built-in workloads in /bench.
/// pyperf goes in without psutil, which it only uses for metadata and
/// which has no wheel for the free-threaded ABI here.
fn pyperf_image(image: &str, tag: &str, scratch: &Path) -> String {
    let context = scratch.join(format!("pyperf-{tag}"));
    let wheels = context.join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    checked(
        Command::new("python3")
            .args([
                "-m",
                "pip",
                "download",
                "--quiet",
                "pyperf",
                "--only-binary=:all:",
            ])
            .args([
                "--python-version",
                "3.13",
                "--platform",
                "manylinux2014_x86_64",
                "-d",
            ])
            .arg(&wheels),
    );
    let workloads = Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads");
    for workload in WORKLOADS {
        let file = format!("{workload}.py");
        std::fs::copy(workloads.join(&file), context.join(&file)).unwrap();
    }
    // The work runs in pyperf's worker process, in its main thread, on the
    // state `setup` built there: the owning thread.
    for workload in WORKLOADS {
        std::fs::write(
            context.join(format!("bench_{workload}.py")),
            format!(
                "import pyperf, {workload} as mod\n\
                 setup = getattr(mod, 'setup', None)\n\
                 state = setup(mod.SIZE, 1) if setup else None\n\
                 pyperf.Runner().bench_func(mod.NAME, mod.work, state, 0, 1, mod.SIZE)\n"
            ),
        )
        .unwrap();
    }
    std::fs::write(
        context.join("Dockerfile"),
        format!(
            "FROM {image}\nUSER root\nCOPY wheels /tmp/wheels\n\
             RUN python3 -m pip install --no-index --no-deps --find-links /tmp/wheels pyperf\n\
             COPY *.py /bench/\nUSER bench\nWORKDIR /bench\n"
        ),
    )
    .unwrap();
    let name = format!("gilbench-harness/pyperf-{tag}");
    checked(
        Command::new("docker")
            .args(["build", "-q", "-t", &name])
            .arg(&context),
    );
    name
}

/// One pyperf block: BLOCK values, each from a fresh process after one warmup.
fn pyperf_block(image: &str, workload: &str) -> Vec<f64> {
    let script = format!(
        "python3 bench_{workload}.py --processes {BLOCK} --values 1 --warmups 1 --loops 1 \
         -o /tmp/out.json --quiet >/dev/null && cat /tmp/out.json"
    );
    let out = checked(Command::new("docker").args([
        "run",
        "--rm",
        "--network",
        "none",
        "--cpuset-cpus",
        "0",
        image,
        "sh",
        "-c",
        &script,
    ]));
    let suite: Value = serde_json::from_slice(&out.stdout).unwrap();
    suite["benchmarks"][0]["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|run| run["values"].as_array())
        .flatten()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

/// One gilbench block on core 0, threads mode at one thread; its measured
/// samples per build as (owning-thread, worker-thread) seconds.
fn gilbench_block(dir: &Path, builds: &[&str], workload: &str) -> Vec<(String, f64, f64)> {
    let mut command = gilbench();
    command.arg("run");
    for build in builds {
        command.args(["--build", build]);
    }
    checked(
        command
            .args([
                "--workload",
                workload,
                "--threads",
                "1",
                "--mode",
                "threads",
            ])
            .args([
                "--repeat",
                &BLOCK.to_string(),
                "--warmup",
                "1",
                "--cpus",
                "0",
                "-q",
                "-o",
            ])
            .arg(dir),
    );
    let results = results_of(dir);
    let seconds = |s: &Value, field: &str| s["sample"][field].as_f64().unwrap() / 1e9;
    let values: Vec<_> = results["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["sample"]["warmup"] == false && s["disturbed"] != true)
        .map(|s| {
            let build = s["build"].as_str().unwrap().to_string();
            (build, seconds(s, "owner_wall_ns"), seconds(s, "wall_ns"))
        })
        .collect();
    assert!(
        values.len() >= builds.len() * BLOCK as usize / 2,
        "other load disturbed most samples of {}: run the harness on an idle machine",
        dir.display()
    );
    values
}

fn of_build(values: &[(String, f64, f64)], build: &str) -> (Vec<f64>, Vec<f64>) {
    values
        .iter()
        .filter(|v| v.0 == build)
        .map(|v| (v.1, v.2))
        .unzip()
}

pub fn measure_agreement(scratch: &Path, image: &str, figures: &mut Vec<Figure>) {
    let pyperf = pyperf_image(image, "313", scratch);
    let mut pairs = Vec::new();
    for pair in 0..PAIRS {
        let dir = scratch.join(format!("agreement-{pair}"));
        // Alternate which harness goes first.
        let (ours, theirs) = if pair % 2 == 0 {
            let theirs = pyperf_block(&pyperf, "countdown");
            (gilbench_block(&dir, &["3.13"], "countdown"), theirs)
        } else {
            let ours = gilbench_block(&dir, &["3.13"], "countdown");
            (ours, pyperf_block(&pyperf, "countdown"))
        };
        pairs.push((of_build(&ours, "3.13").0, theirs));
    }
    let ratios: Vec<f64> = pairs.iter().map(|(g, p)| median(g) / median(p)).collect();
    let cvs: Vec<(f64, f64)> = pairs.iter().map(|(g, p)| (cv(g), cv(p))).collect();
    let mean = |v: &mut dyn Iterator<Item = f64>| v.sum::<f64>() / PAIRS as f64;
    let (cv_ours, cv_theirs) = (
        mean(&mut cvs.iter().map(|c| c.0)),
        mean(&mut cvs.iter().map(|c| c.1)),
    );
    let list = |v: &[String]| v.join(", ");
    figures.push(Figure {
        name: "agreement: median gilbench / median pyperf per block pair (countdown, 1 thread, core 0)",
        value: list(&ratios.iter().map(|r| format!("{r:.3}")).collect::<Vec<_>>()),
        goal: "each within ±2 %",
        met: Some(ratios.iter().all(|r| (r - 1.0).abs() <= 0.02)),
    });
    figures.push(Figure {
        name: "coefficient of variation per block pair, gilbench vs pyperf",
        value: format!(
            "{}; mean {:.2} % vs {:.2} %",
            list(
                &cvs.iter()
                    .map(|(g, p)| format!("{:.2} % vs {:.2} %", g * 100.0, p * 100.0))
                    .collect::<Vec<_>>()
            ),
            cv_ours * 100.0,
            cv_theirs * 100.0
        ),
        goal: "gilbench's mean no higher than pyperf's",
        met: Some(cv_ours <= cv_theirs),
    });
}

pub fn measure_cost(scratch: &Path, images: &[(&str, String)], figures: &mut Vec<Figure>) {
    let pyperf: Vec<String> = images
        .iter()
        .map(|(build, image)| pyperf_image(image, &build.replace('.', ""), scratch))
        .collect();
    let builds: Vec<&str> = images.iter().map(|(build, _)| *build).collect();
    let mut theirs = vec![Vec::new(); builds.len()];
    let mut ours = Vec::new();
    for pair in 0..PAIRS {
        for (values, image) in theirs.iter_mut().zip(&pyperf) {
            values.extend(pyperf_block(image, "nbody"));
        }
        ours.extend(gilbench_block(
            &scratch.join(format!("cost-{pair}")),
            &builds,
            "nbody",
        ));
    }
    let (base, build) = (builds[0], builds[1]);
    let ((owner_base, _), (owner, worker)) = (of_build(&ours, base), of_build(&ours, build));
    let pyperf_cost = median(&theirs[1]) / median(&theirs[0]);
    let our_cost = median(&owner) / median(&owner_base);
    figures.push(Figure {
        name: "single-thread cost of 3.13t over 3.13 (nbody): gilbench (owning thread) vs pyperf",
        value: format!(
            "{our_cost:.3} vs {pyperf_cost:.3} (ratio {:.3}); gilbench's cross-thread penalty on \
             3.13t: {:.3}",
            our_cost / pyperf_cost,
            median(&worker) / median(&owner)
        ),
        goal: "within 5 %",
        met: Some((our_cost / pyperf_cost - 1.0).abs() <= 0.05),
    });
}
