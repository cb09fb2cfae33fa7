//! Split over two engines against one engine: the same matrix, one engine
//! on CPU 0 alone, then split over it and a second engine on CPU 1, the
//! images reaching the second through a local registry. Runs in pairs, the
//! order alternating, so that the machine's drift hits both alike.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use super::registry::{Registry, free_port};
use super::{Figure, checked, gilbench, median};

const FIRST: &str = "unix:///var/run/docker.sock?cpus=0";
const PAIRS: usize = 3;

pub fn measure_split(scratch: &Path, figures: &mut Vec<Figure>) {
    let second = format!("{}?cpus=1", second_engine());
    let registry_dir = scratch.join("registry");
    std::fs::create_dir_all(&registry_dir).unwrap();
    let port = free_port();
    let registry = Registry::start(&registry_dir, port);
    let registry_address = format!("127.0.0.1:{port}");
    let run = |name: &str, engines: &[&str]| -> f64 {
        let mut command = gilbench();
        command.args([
            "run",
            "--build",
            "3.13",
            "--build",
            "3.13t",
            "--workload",
            "countdown,fib,nbody,walk_objects",
            "--threads",
            "1",
            "--repeat",
            "3",
            "--warmup",
            "0",
            "--registry",
            &registry_address,
            "-q",
        ]);
        for engine in engines {
            command.args(["--engine", engine]);
        }
        let started = Instant::now();
        checked(command.arg("-o").arg(scratch.join(name)));
        started.elapsed().as_secs_f64()
    };
    // Once first, so that the second engine has the images before timing.
    run("warm", &[FIRST, &second]);
    let (mut one, mut split) = (Vec::new(), Vec::new());
    for pair in 0..PAIRS {
        let alone = || run(&format!("one-{pair}"), &[FIRST]);
        let both = || run(&format!("split-{pair}"), &[FIRST, &second]);
        if pair % 2 == 0 {
            one.push(alone());
            split.push(both());
        } else {
            split.push(both());
            one.push(alone());
        }
    }
    drop(registry);
    let ratios: Vec<f64> = split.iter().zip(&one).map(|(s, o)| s / o).collect();
    let ratio = median(&ratios);
    figures.push(Figure {
        name: "split over two engines (one CPU each) / one engine: wall time of the same run",
        value: format!(
            "{ratio:.2} (pairs: {}; one engine {:.1} s, split {:.1} s, medians; 4 workloads × 2 \
             builds × 3 repeats)",
            ratios
                .iter()
                .map(|r| format!("{r:.2}"))
                .collect::<Vec<_>>()
                .join(", "),
            median(&one),
            median(&split)
        ),
        goal: "<= 0.6",
        met: Some(ratio <= 0.6),
    });
}

/// The second engine of the tests (`tests/engines/up` starts it).
fn second_engine() -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/engines/up");
    let output = checked(&mut Command::new(script));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("GILBENCH_TEST_ENGINE2="))
        .expect("tests/engines/up names the second engine")
        .to_string()
}
