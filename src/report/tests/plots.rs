//! The charts.

use crate::analysis::Analysis;
use crate::analysis::fixture::*;
use crate::report::plots;
use crate::results::Mode;

/// True if the SVG has a `<text>` element with exactly this (escaped) content.
fn has_text(svg: &str, text: &str) -> bool {
    svg.contains(&format!(">\n{text}\n</text>"))
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
