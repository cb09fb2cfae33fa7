//! `index.html`.

use crate::analysis::fixture::*;
use crate::report::index_html;

#[test]
fn html_is_self_contained_escaped_and_complete() {
    let html = index_html(&fixture()).unwrap();
    assert!(html.contains(
        r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">"#
    ));
    assert!(html.contains(">precision</th>"), "a precision column");
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "no script tag at all");
    assert!(!lower.contains("<b>html"), "stderr is escaped");
    assert!(!lower.contains("<i>really"), "descriptions are escaped");
    // askama escapes as numeric entities, plotters' SVG as named ones.
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&#60;b&#62;html&#60;/b&#62;"));
    for external in [
        "src=",
        "href=\"http",
        "@import",
        "url(",
        "<link",
        "<iframe",
        "<img",
    ] {
        assert!(
            !lower.contains(external),
            "no external resource: {external}"
        );
    }
    // Headline findings, charts, tables, facts, failures, reproduction.
    assert!(html.contains("flat on 3.13 (1.00× at 4 threads)"));
    assert!(html.contains("scales on 3.13t"));
    assert_eq!(
        html.matches("<svg").count(),
        2 + 5 * 2,
        "heatmap, builds, 5 per workload"
    );
    assert!(html.contains("countdown: every sample"));
    assert!(html.contains("<th title=\"bimodal samples, a drift between the first and second half, outliers\">shape</th>"));
    assert!(html.contains("95 % CI of median"));
    assert!(html.contains("countdown: peak memory") && html.contains(">10.5 MiB [10.5–10.5]</td>"));
    assert!(html.contains("3.13.1") && html.contains("--disable-gil"));
    assert!(html.contains("gil_enabled_at_start") && html.contains("0-3"));
    assert!(html.contains("cgroup_cpu_max") && html.contains("PYTHON_GIL unset"));
    assert!(html.contains("RuntimeError: boom"));
    assert!(html.contains("gilbench/cpython:3.13t") && html.contains("sha256:"));
    assert!(html.contains("seed 42"));
    assert!(
        html.contains("gilbench run --builds 3.13,3.13t,3.13-jit --workload &#39;&#60;script&#62;")
    );
    assert!(html.contains("Fabricated CPU"));
}

#[test]
fn a_run_at_one_thread_count_shows_every_sample_and_the_shapes() {
    let html = index_html(&noisy()).unwrap();
    // No heatmap (no speedup); the builds chart; per workload, time and samples.
    assert_eq!(html.matches("<svg").count(), 1 + 2 * 2, "{html}");
    assert!(html.contains("countdown: every sample") && html.contains("sha256: every sample"));
    assert!(!html.contains("speedup (weak scaling)") && !html.contains(": effective parallelism"));
    assert!(
        html.contains(r#"title="bimodal: 3 of 5 samples at 313 ms, 2 at 384 ms">bimodal</td>"#)
    );
    assert!(html.contains(">bimodal, drift +12 %</td>"));
    assert!(html.contains(r#"title="1 outlier (620 ms); outliers: #6">1 outlier</td>"#));
    assert!(html.contains("inconclusive on countdown: -17 % but bimodal on 3.14-jit"));
    assert!(!html.to_lowercase().contains("<script"));
}

#[test]
fn a_run_with_warm_calls_sets_cold_and_warm_side_by_side() {
    let html = index_html(&warmed()).unwrap();
    assert!(html.contains(r##"<a href="#warm">Warm and cold</a>"##));
    assert!(html.contains("made 3 untimed calls of the work"));
    // The JIT build: 500 ms cold, 300 ms warm, 200 ms more for the first
    // call, the three untimed calls 1.10 s; 3.13 the same both ways.
    for row in [
        ">3.13-jit</td>\n      <td>richards</td><td class=\"num\">500 ms</td><td class=\"num\">300 ms</td>",
        ">-40 %</td>\n      <td class=\"num\">200 ms</td><td class=\"num\">1.10 s</td>",
        ">3.13</td>\n      <td>richards</td><td class=\"num\">400 ms</td><td class=\"num\">400 ms</td>",
        ">+0.0 %, within the noise</td>\n      <td class=\"num\">0.00 s</td><td class=\"num\">1.20 s</td>",
    ] {
        assert!(html.contains(row), "{row} in {html}");
    }
    let plain = index_html(&fixture()).unwrap();
    assert!(!plain.contains("Warm and cold"), "only with --warm-calls");
}
