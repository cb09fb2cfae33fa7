//! The packages behind a build's cost: named where the cost is said.

use super::texts;
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
    // The other workload imports neither; `same` is imported by none.
    assert_eq!(all.matches("accelpkg").count(), 1, "{all}");
    assert!(!all.contains("same is"), "{all}");
    // Without the imports, nothing ties the package to a workload.
    assert!(!texts(&findings(&fixture())).contains("accelpkg"));
}
