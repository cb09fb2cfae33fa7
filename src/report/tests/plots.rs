//! The charts.

use crate::analysis::Analysis;
use crate::analysis::fixture::*;
use crate::report::plots;
use crate::results::Mode;

/// True if the SVG has a `<text>` element with exactly this (escaped) content.
fn has_text(svg: &str, text: &str) -> bool {
    svg.contains(&format!(">{text}</text>"))
}

/// How many circles are drawn open: in a group that is not filled.
fn open_circles(svg: &str) -> usize {
    svg.split("<g")
        .skip(1)
        .filter(|group| {
            group
                .split('>')
                .next()
                .is_some_and(|tag| tag.contains("fill=\"none\""))
        })
        .map(|group| {
            group
                .split("</g>")
                .next()
                .unwrap_or("")
                .matches("<circle")
                .count()
        })
        .sum()
}

#[test]
fn charts_have_titles_axes_and_legends() {
    let run = fixture();
    let a = Analysis::new(&run);
    let ctx = plots::WorkloadChart {
        analysis: &a,
        workload: "countdown",
        mode: Mode::Threads,
    };
    let time = plots::time::render(ctx).unwrap();
    assert!(time.starts_with("<svg role=\"img\" aria-label=\"countdown: wall time\""));
    for text in [
        "countdown: wall time",
        "worker threads (log₂ scale)",
        "wall time (s), median; bars: quartiles",
        "4 CPUs",
    ] {
        assert!(time.contains(text), "time chart lacks {text:?}");
    }
    let speedup = plots::speedup::render(ctx).unwrap();
    for text in [
        "speedup (weak scaling)",
        "speedup vs 1 worker (×)",
        "ideal (speedup = N)",
        "1× = no gain",
        "4 CPUs",
    ] {
        assert!(speedup.contains(text), "speedup chart lacks {text:?}");
    }
    let parallelism = plots::parallelism::render(ctx).unwrap();
    for text in [
        "effective parallelism",
        "busy workers (worker CPU s / wall s)",
        "ideal (all N busy)",
        "4 CPUs available",
    ] {
        assert!(
            parallelism.contains(text),
            "parallelism chart lacks {text:?}"
        );
    }
    let heatmap = plots::heatmap::render(&a).unwrap().unwrap();
    for text in [
        "Speedup at each",
        "no gain (1×)",
        "&lt;script&gt;",
        "1.96× @2 ⚠",
        "some samples failed",
    ] {
        assert!(heatmap.contains(text), "heatmap lacks {text:?}");
    }
    let builds = plots::builds::render(&a).unwrap().unwrap();
    for text in [
        "Time at 1 worker relative to 3.13",
        "+35 %",
        "-20 %",
        "change in median wall time",
    ] {
        assert!(builds.contains(text), "builds chart lacks {text:?}");
    }
    for build in ["3.13", "3.13t", "3.13-jit"] {
        for svg in [&time, &speedup, &parallelism, &heatmap] {
            assert!(has_text(svg, build), "legend or label {build}");
        }
    }
    assert!(has_text(&heatmap, "countdown"));
    assert!(has_text(&builds, "3.13t") && has_text(&builds, "3.13-jit"));
    assert!(!has_text(&builds, "3.13"), "the baseline has no bar");
    let hostile = plots::time::render(plots::WorkloadChart {
        workload: HOSTILE,
        ..ctx
    })
    .unwrap();
    assert!(hostile.contains("&lt;script&gt;alert(1)&lt;/script&gt;: wall time"));
    for svg in [&time, &speedup, &parallelism, &heatmap, &builds, &hostile] {
        assert!(!svg.contains("<script"), "escaped in SVG");
    }
}

#[test]
fn the_strip_chart_shows_every_sample() {
    let run = fixture();
    let a = Analysis::new(&run);
    let ctx = plots::WorkloadChart {
        analysis: &a,
        workload: "countdown",
        mode: Mode::Threads,
    };
    let strip = plots::strip::render(ctx).unwrap();
    assert!(strip.starts_with("<svg role=\"img\" aria-label=\"countdown: every sample\""));
    for text in [
        "worker threads; samples left to right in the order taken",
        // Weak scaling: 0.8 s to 4 s, more than the linear axis shows well.
        "wall time (s, log scale); bar: median, ○ outlier",
    ] {
        assert!(strip.contains(text), "strip chart lacks {text:?}");
    }
    for label in ["1", "2", "4", "3.13", "3.13t", "3.13-jit"] {
        assert!(has_text(&strip, label), "strip chart lacks {label:?}");
    }
    // 5 samples in each of the 8 cells with measurements, one dot each.
    assert_eq!(strip.matches("<circle").count(), 40);

    let noisy_run = noisy();
    let a = Analysis::new(&noisy_run);
    let one = plots::strip::render(plots::WorkloadChart {
        analysis: &a,
        workload: "sha256",
        mode: Mode::Threads,
    })
    .unwrap();
    assert!(one.contains("wall time (ms); bar: median, ○ outlier"));
    assert!(one.contains("build; samples left to right"));
    assert!(has_text(&one, "3.14") && has_text(&one, "3.14-jit"));
    assert_eq!(one.matches("<circle").count(), 20);
    assert_eq!(open_circles(&one), 1, "one open circle: the outlier");

    let hostile = plots::strip::render(plots::WorkloadChart {
        workload: HOSTILE,
        ..ctx
    })
    .unwrap();
    assert!(hostile.contains("&lt;script&gt;alert(1)&lt;/script&gt;: every sample"));
    assert!(!hostile.contains("<script"));
    let nothing = plots::strip::render(plots::WorkloadChart {
        workload: "absent",
        ..ctx
    })
    .unwrap();
    assert!(has_text(&nothing, "no measurements"));
}

#[test]
fn above_the_limit_each_strip_is_the_shape_of_its_samples() {
    // 3 builds × 3 thread counts × 60 samples, less the failing cell: 480.
    let run = RunBuilder {
        repeat: 60,
        workloads: vec![("countdown".into(), crate::results::Scaling::Weak)],
        ..standard_builder()
    }
    .build();
    let a = Analysis::new(&run);
    let strip = plots::strip::render(plots::WorkloadChart {
        analysis: &a,
        workload: "countdown",
        mode: Mode::Threads,
    })
    .unwrap();
    assert!(strip.contains("worker threads; width: samples, earlier half left, later half right"));
    assert_eq!(strip.matches("<circle").count(), 0, "no dot per sample");
    // Each strip's halves are one path each (a pale colour per build), and
    // the chart stays far smaller than 480 dots would make it.
    assert!(strip.len() < 12_000, "{} bytes", strip.len());
}
