//! Every exporter and chart, rendered from hand-built results
//! (`analysis::fixture`).

mod exports;
mod findings;
mod html;
mod plots;
mod render;

use super::{Finding, csv};

fn texts(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| f.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn csv_fields_are_quoted() {
    assert_eq!(csv::quote("a,b"), "\"a,b\"");
    assert_eq!(csv::quote("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv::quote("plain"), "plain");
}
