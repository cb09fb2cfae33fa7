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
    // Two runs: each side's copy is named by its run.
    let mut older = results.clone();
    older.builds[1].packages[0].version = "0.9".into();
    let runs = compare(&older, &scaled(&results, "3.13t", 1.3), &options);
    let text = crate::report::compare::markdown(&runs);
    assert!(
        text.contains("accelpkg is 1.0 on 3.13t in the new run and 0.9 on 3.13t in the base run"),
        "{text}"
    );
}

#[test]
fn a_source_build_says_so_and_nothing_of_wheels() {
    use crate::analysis::packages::PackagePair;
    use crate::report::packages::pair_words;
    use crate::results::{PackageKind, PackageOnBuild};
    let copy = |build: &str, abi: &str, kind, tags: &str, compiled: &[&str]| PackageOnBuild {
        build: build.into(),
        abi: abi.into(),
        version: "4.3.0".into(),
        kind,
        tags: tags.into(),
        compiled: compiled.iter().map(|c| c.to_string()).collect(),
    };
    let speedups = ["simplejson._speedups"];
    let pair = PackagePair {
        name: "simplejson".into(),
        build: copy("3.13t", "cp313t", PackageKind::BuiltHere, "", &speedups),
        other: copy("3.13", "cp313", PackageKind::PureWheel, "py3-none-any", &[]),
    };
    assert_eq!(
        pair_words(&pair),
        "simplejson is compiled on 3.13t (built here from source) and pure Python on 3.13 \
         (py3-none-any: no cp313 wheel)"
    );
    // A source build that skipped its accelerator is pure Python.
    let skipped = PackagePair {
        build: copy("3.13t", "cp313t", PackageKind::BuiltHere, "", &[]),
        other: copy(
            "3.13",
            "cp313",
            PackageKind::CompiledWheel,
            "cp313-cp313-linux_x86_64",
            &speedups,
        ),
        ..pair
    };
    assert_eq!(
        pair_words(&skipped),
        "simplejson is pure Python on 3.13t (built here from source) and compiled on 3.13 (cp313)"
    );
}
