//! The facts tables of `index.html`: each build's facts side by side, the
//! machine and engine, and the run's configuration.

use serde_json::Value;

use crate::analysis::{Analysis, Known};
use crate::format::fmt_bytes;
use crate::report::{packages, precision};
use crate::results::BuildRecord;

pub(super) struct Fact {
    pub key: String,
    pub value: String,
}

impl Fact {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Fact {
        Fact {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// One fact across the builds, side by side.
pub(super) struct FactRow {
    pub key: String,
    pub values: Vec<String>,
    /// The builds disagree: worth a look.
    pub differs: bool,
}

/// The facts the runner reports (`runner/facts.py`, in the container's
/// `python3 runner serve`), in a useful order, then any others.
const FACT_ORDER: &[&str] = &[
    "python_version",
    "implementation",
    "version",
    "compiler",
    "executable",
    "config_args",
    "py_gil_disabled",
    "gil_enabled_at_start",
    "gil_enabled_after_import",
    "jit_built",
    "jit_enabled",
    "jit_detection",
    "cpu_count",
    "process_cpu_count",
    "affinity",
    "cgroup_version",
    "cgroup_cpu_max",
    "cgroup_memory_max",
    "cgroup_pids_max",
    "env",
    "switch_interval",
    "has_subinterpreters",
    "modes",
    "modes_unsupported",
    "start_method",
    "kernel",
    "machine",
    "platform",
];

/// Every build's facts, runtime environment and image labels, one row per
/// key (known facts first, in a useful order), one column per build.
pub(super) fn build_facts(a: &Analysis<'_>) -> Vec<FactRow> {
    let records: Vec<Option<&BuildRecord>> = a.builds.iter().map(|b| a.build_record(b)).collect();
    let mut keys: Vec<String> = Vec::new();
    let mut add = |key: String| {
        if !keys.contains(&key) {
            keys.push(key);
        }
    };
    for key in FACT_ORDER {
        if records
            .iter()
            .flatten()
            .any(|r| r.facts.get(*key).is_some())
        {
            add((*key).to_string());
        }
    }
    let mut rest: Vec<String> = records
        .iter()
        .flatten()
        .filter_map(|r| r.facts.as_object())
        .flat_map(|m| m.keys().cloned())
        .filter(|k| !FACT_ORDER.contains(&k.as_str()))
        .collect();
    rest.sort();
    rest.into_iter().for_each(&mut add);
    let fact = |r: &BuildRecord, key: &str| r.facts.get(key).map(fact_value);
    let mut rows: Vec<FactRow> = keys
        .iter()
        .map(|key| {
            row(
                key.clone(),
                records.iter().map(|r| r.and_then(|r| fact(r, key))),
            )
        })
        .collect();
    if records.iter().flatten().any(|r| !r.packages.is_empty()) {
        rows.push(row(
            "packages".into(),
            records.iter().map(|r| {
                r.map(|r| {
                    let lines: Vec<String> = r.packages.iter().map(|p| p.describe()).collect();
                    lines.join("; ")
                })
            }),
        ));
    }
    if !a.package_differences.is_empty() {
        rows.push(row(
            "package differences".into(),
            a.builds.iter().map(|build| {
                let copies: Vec<String> = a
                    .package_differences
                    .iter()
                    .filter_map(|d| {
                        let copy = d.builds.iter().find(|c| &c.build == build)?;
                        Some(packages::copy_words(&d.name, copy, &d.builds))
                    })
                    .collect();
                (!copies.is_empty()).then(|| copies.join("; "))
            }),
        ));
    }
    /// One of a build record's maps of strings.
    type MapOf = fn(&BuildRecord) -> &std::collections::BTreeMap<String, String>;
    let maps: [(&str, MapOf); 2] = [
        ("runtime env", |r| &r.runtime_env),
        ("label", |r| &r.image_labels),
    ];
    for (prefix, map) in maps {
        let mut map_keys: Vec<&String> = records
            .iter()
            .flatten()
            .flat_map(|r| map(r).keys())
            .collect();
        map_keys.sort();
        map_keys.dedup();
        for key in map_keys {
            rows.push(row(
                format!("{prefix} {key}"),
                records
                    .iter()
                    .map(|r| r.and_then(|r| map(r).get(key).cloned())),
            ));
        }
    }
    rows
}

fn row(key: String, values: impl Iterator<Item = Option<String>>) -> FactRow {
    let values: Vec<String> = values.map(|v| v.unwrap_or_else(|| "—".into())).collect();
    let differs = values.windows(2).any(|w| w[0] != w[1]);
    FactRow {
        key,
        values,
        differs,
    }
}

/// A fact's value as text: strings as they are, lists of CPUs as ranges,
/// objects as `key=value` pairs, null as "—".
fn fact_value(value: &Value) -> String {
    match value {
        Value::Null => "—".into(),
        Value::String(s) if s.is_empty() => "(empty)".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_u64) => {
            ranges(&items.iter().filter_map(Value::as_u64).collect::<Vec<_>>())
        }
        Value::Array(items) => items.iter().map(fact_value).collect::<Vec<_>>().join(", "),
        Value::Object(map) if map.is_empty() => "(none)".into(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                Value::Null => format!("{k} unset"),
                v => format!("{k}={}", fact_value(v)),
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// [0, 1, 2, 3, 8] → "0-3, 8".
fn ranges(numbers: &[u64]) -> String {
    let mut sorted = numbers.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[j] + 1 {
            j += 1;
        }
        parts.push(if j > i + 1 {
            format!("{}-{}", sorted[i], sorted[j])
        } else if j == i + 1 {
            format!("{}, {}", sorted[i], sorted[j])
        } else {
            sorted[i].to_string()
        });
        i = j + 1;
    }
    if parts.is_empty() {
        "(none)".into()
    } else {
        parts.join(", ")
    }
}

pub(super) fn environment(a: &Analysis<'_>) -> Vec<Fact> {
    let e = &a.results.environment;
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    vec![
        Fact::new("host CPU", opt(&e.host_cpu_model)),
        Fact::new("host CPUs", e.host_cpus.to_string()),
        Fact::new("host kernel", opt(&e.host_kernel)),
        Fact::new("engine version", opt(&e.engine_version)),
        Fact::new("engine API version", e.engine_api_version.clone()),
        Fact::new("engine OS", opt(&e.engine_os)),
        Fact::new("engine kernel", opt(&e.engine_kernel)),
        Fact::new(
            "engine CPUs",
            e.engine_cpus.map_or_else(|| "—".into(), |n| n.to_string()),
        ),
        Fact::new(
            "engine memory",
            e.engine_memory_bytes.map_or_else(|| "—".into(), fmt_bytes),
        ),
    ]
}

pub(super) fn config(a: &Analysis<'_>) -> Vec<Fact> {
    let c = &a.results.config;
    let list = |items: &[String]| items.join(", ");
    let mut out = vec![
        Fact::new("builds", list(&c.builds)),
        Fact::new("workloads", list(&c.workloads)),
        Fact::new(
            "modes",
            c.modes
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Fact::new(
            "threads",
            c.threads
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Fact::new(
            "repeats per cell",
            match c.precision {
                None => c.repeat.to_string(),
                Some(goal) => format!(
                    "{} to {}, until the median and speedup are known to {}{}",
                    c.repeat,
                    goal.max_repeat,
                    precision::text(Known::Within(goal.target)),
                    goal.time_budget_s
                        .map(|s| format!(" or {s:.0} s of measuring are spent"))
                        .unwrap_or_default()
                ),
            },
        ),
        Fact::new("warmups per cell", c.warmup.to_string()),
        Fact::new("timeout per sample", format!("{} s", c.timeout_s)),
        Fact::new(
            "cpuset",
            c.cpus.clone().unwrap_or_else(|| "all CPUs".into()),
        ),
        Fact::new(
            "memory limit",
            if c.memory_bytes > 0 {
                fmt_bytes(c.memory_bytes)
            } else {
                "none".into()
            },
        ),
        Fact::new("seed", c.seed.to_string()),
    ];
    out.extend(
        c.build_options
            .iter()
            .map(|(k, v)| Fact::new(format!("build option {k}"), v)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_well() {
        assert_eq!(ranges(&[3, 0, 1, 2, 8]), "0-3, 8");
        assert_eq!(ranges(&[0, 1]), "0, 1");
        assert_eq!(
            fact_value(&serde_json::json!({"PYTHON_GIL": "0", "PYTHON_JIT": null})),
            "PYTHON_GIL=0, PYTHON_JIT unset"
        );
        assert_eq!(fact_value(&Value::Bool(true)), "true");
    }
}
