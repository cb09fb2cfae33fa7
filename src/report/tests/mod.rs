//! Every exporter and chart, rendered from hand-built results
//! (`analysis::fixture`).

mod exports;
mod findings;
mod html;
mod plots;
mod render;

use super::Finding;
use super::*;

fn texts(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| f.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn helpers_format_and_parse() {
    assert_eq!(fmt_seconds(1.234), "1.23 s");
    assert_eq!(fmt_seconds(0.0456), "45.6 ms");
    assert_eq!(fmt_seconds(0.000789), "789 µs");
    assert_eq!(fmt_change(1.35), "+35 %");
    assert_eq!(fmt_change(0.88), "-12 %");
    assert_eq!(fmt_change(1.031), "+3.1 %");
    assert_eq!(fmt_times(1.953), "1.95×");
    assert_eq!(markdown::md("a|b <c> *d*"), r"a\|b &lt;c&gt; \*d\*");
    assert_eq!(one_line("a\nb\u{1b}[2J"), "a b\u{FFFD}[2J");
    assert_eq!(csv::quote("a,b"), "\"a,b\"");
    assert_eq!(csv::quote("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv::quote("plain"), "plain");
}
