//! The packages behind a build's cost: named where the cost is said.

use super::texts;
use crate::analysis::compare::{CompareOptions, compare, compare_builds};
use crate::analysis::fixture::*;
use crate::report::findings;
use crate::results::packages::differences;

const ACCELPKG: &str = "accelpkg is pure Python 1.0 on 3.13t (py3-none-any: no cp313t wheel) \
                        and compiled 2.0 on 3.13 (cp313)";

#[test]
fn differences_name_version_kind_and_compiled_modules() {
    let results = with_package_differences();
    let found = differences(&results.builds);
    let names: Vec<_> = found
        .iter()
        .map(|d| (d.name.as_str(), d.differs.join(",")))
        .collect();
    assert_eq!(
        names,
        [
            ("accelpkg", "version,kind,compiled".into()),
            ("same", "version".into())
        ]
    );
    let free = found[0].builds.iter().find(|b| b.build == "3.13t").unwrap();
    assert_eq!(free.abi, "cp313t");
}

#[test]
fn a_cost_names_the_packages_its_workload_imports_and_only_those() {
    let all = texts(&findings(&with_package_differences()));
    assert!(
        all.contains(&format!("+35 % on countdown — {ACCELPKG}")),
        "{all}"
    );
    // Where the builds scale differently too (flat on 3.13, scaling on 3.13t).
    assert!(
        all.contains(&format!("The builds' packages differ: {ACCELPKG}.")),
        "{all}"
    );
    // The other workload imports neither; `same` is imported by none.
    assert_eq!(all.matches("accelpkg").count(), 2, "{all}");
    assert!(!all.contains("same is"), "{all}");
    // Without the imports, nothing ties the package to a workload.
    assert!(!texts(&findings(&fixture())).contains("accelpkg"));
}

#[test]
fn the_build_table_markdown_and_compare_carry_them() {
    let results = with_package_differences();
    let html = crate::report::html::index_html(&results).unwrap();
    assert!(
        html.contains("package differences"),
        "the build table's row"
    );
    assert!(html.contains("accelpkg 2.0: compiled (cp313)"), "{html}");
    assert!(html.contains("accelpkg 1.0: pure Python (py3-none-any: no cp313t wheel)"));
    // Pure Python on every build: no wheel was missing.
    assert!(html.contains("same 1.1: pure Python (py3-none-any)<"));
    let markdown = crate::report::summary_markdown(&results);
    assert!(
        markdown.contains(&format!("on countdown — {ACCELPKG}")),
        "{markdown}"
    );

    let options = CompareOptions::default();
    let builds = compare_builds(&results, "3.13", "3.13t", &options).unwrap();
    let table = crate::report::compare::table(&builds);
    assert!(table.contains(&format!("countdown: {ACCELPKG}")), "{table}");
    // Two runs: each side's copy is named by its side.
    let mut older = results.clone();
    older.builds[1].packages[0].version = "0.9".into();
    let runs = compare(&older, &scaled(&results, "3.13t", 1.3), &options);
    let text = crate::report::compare::markdown(&runs);
    assert!(
        text.contains("accelpkg is 1.0 on 3.13t (new) and 0.9 on 3.13t (base)"),
        "{text}"
    );
}
