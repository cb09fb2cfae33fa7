//! Every exporter and chart, rendered from hand-built results
//! (`analysis::fixture`). The snapshot tests sit beside the renderers they
//! test.

mod exports;
mod findings;
mod gil;
mod html;
mod machines;
mod packages;
mod plots;
mod render;

use super::Finding;

fn texts(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| f.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}
