//! Machine checks from /sys: SMT siblings among the CPUs a run would use,
//! the frequency governor, and turbo boost.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::check::{Check, read};
use crate::format::one_line;

/// SMT siblings, governors and turbo for the CPUs a run would use, from
/// the /sys/devices/system/cpu folder `sys`.
pub(super) fn checks(sys: &Path, used: &BTreeSet<u32>) -> Vec<Check> {
    let siblings: Vec<(u32, BTreeSet<u32>)> = used
        .iter()
        .filter_map(|cpu| {
            let text = read(&sys.join(format!("cpu{cpu}/topology/thread_siblings_list")))?;
            Some((*cpu, crate::cpuset::parse(text.trim()).ok()?))
        })
        .collect();
    let governors: Vec<(u32, String)> = used
        .iter()
        .filter_map(|cpu| {
            let text = read(&sys.join(format!("cpu{cpu}/cpufreq/scaling_governor")))?;
            Some((*cpu, text.trim().to_string()))
        })
        .collect();
    vec![
        smt_check(&siblings, used),
        governor_check(&governors),
        turbo_check(
            read(&sys.join("intel_pstate/no_turbo")).as_deref(),
            read(&sys.join("cpufreq/boost")).as_deref(),
        ),
    ]
}

/// The cores (sets of SMT siblings) on which at least two of `chosen` sit.
fn shared_cores(siblings: &[(u32, BTreeSet<u32>)], chosen: &BTreeSet<u32>) -> Vec<Vec<u32>> {
    let cores: BTreeSet<Vec<u32>> = siblings
        .iter()
        .map(|(_, set)| set.intersection(chosen).copied().collect::<Vec<u32>>())
        .filter(|used| used.len() > 1)
        .collect();
    cores.into_iter().collect()
}

/// One CPU of `chosen` per core: the lowest-numbered sibling.
fn one_per_core(siblings: &[(u32, BTreeSet<u32>)], chosen: &BTreeSet<u32>) -> Vec<u32> {
    let firsts: BTreeSet<u32> = siblings
        .iter()
        .filter_map(|(_, set)| set.intersection(chosen).next().copied())
        .collect();
    firsts.into_iter().collect()
}

fn list(cpus: &[u32]) -> String {
    cpus.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn smt_check(siblings: &[(u32, BTreeSet<u32>)], chosen: &BTreeSet<u32>) -> Check {
    if siblings.is_empty() {
        return Check::note("smt", "CPU topology not visible".into());
    }
    let shared = shared_cores(siblings, chosen);
    if shared.is_empty() {
        return Check::ok(
            "smt",
            format!(
                "no two of CPUs {} share a core",
                list(&one_per_core(siblings, chosen))
            ),
        );
    }
    let pairs: Vec<String> = shared.iter().take(3).map(|core| list(core)).collect();
    Check::warn(
        "smt",
        format!(
            "{} core{} {} more than one of the CPUs a run would use (SMT siblings: CPUs {}{})",
            shared.len(),
            if shared.len() == 1 { "" } else { "s" },
            if shared.len() == 1 { "has" } else { "have" },
            pairs.join("; "),
            if shared.len() > 3 { "; …" } else { "" }
        ),
        format!(
            "siblings share one core's units, so two workers on them run slower than on two \
             cores: use one CPU per core (--cpus {}), or turn SMT off \
             (`echo off > /sys/devices/system/cpu/smt/control` as root)",
            list(&one_per_core(siblings, chosen))
        ),
    )
}

fn governor_check(governors: &[(u32, String)]) -> Check {
    if governors.is_empty() {
        return Check::note(
            "cpufreq",
            "frequency scaling not visible (no cpufreq in /sys, as in most VMs)".into(),
        );
    }
    let mut by_governor: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (cpu, governor) in governors {
        by_governor.entry(governor).or_default().push(*cpu);
    }
    let finding: Vec<String> = by_governor
        .iter()
        .map(|(g, cpus)| format!("{} on CPUs {}", one_line(g), list(cpus)))
        .collect();
    let finding = format!("governor {}", finding.join("; "));
    if by_governor.keys().all(|g| *g == "performance") {
        Check::ok("cpufreq", finding)
    } else {
        Check::warn(
            "cpufreq",
            finding,
            "a CPU that changes its clock with the load changes the timings: \
             `cpupower frequency-set -g performance` (as root)"
                .into(),
        )
    }
}

/// From intel_pstate's `no_turbo` ("1": off) or cpufreq's `boost` ("1": on).
fn turbo_check(no_turbo: Option<&str>, boost: Option<&str>) -> Check {
    let (on, knob, off_value) = match (no_turbo.map(str::trim), boost.map(str::trim)) {
        (Some(v), _) => (v == "0", "intel_pstate/no_turbo", "1"),
        (None, Some(v)) => (v == "1", "cpufreq/boost", "0"),
        (None, None) => {
            return Check::note("turbo", "turbo boost not visible".into());
        }
    };
    if on {
        let path = PathBuf::from("/sys/devices/system/cpu").join(knob);
        Check::warn(
            "turbo",
            format!("turbo boost is on ({knob})"),
            format!(
                "turbo clocks depend on temperature and on how many cores are busy: \
                 `echo {off_value} > {}` (as root) while benchmarking",
                path.display()
            ),
        )
    } else {
        Check::ok("turbo", format!("turbo boost is off ({knob})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::check::Status;

    #[test]
    fn smt_siblings_among_the_chosen_cpus_are_flagged() {
        let parse = |s: &str| crate::cpuset::parse(s).unwrap();
        // Four CPUs on two cores: 0 and 2 share one, 1 and 3 the other.
        let siblings: Vec<(u32, BTreeSet<u32>)> = [(0, "0,2"), (1, "1,3"), (2, "0,2"), (3, "1,3")]
            .iter()
            .map(|(cpu, list)| (*cpu, parse(list)))
            .collect();
        let all = parse("0-3");
        assert_eq!(shared_cores(&siblings, &all), [vec![0, 2], vec![1, 3]]);
        assert_eq!(one_per_core(&siblings, &all), [0, 1]);
        let check = smt_check(&siblings, &all);
        assert_eq!(check.status, Status::Warn);
        assert!(check.finding.contains("CPUs 0,2; 1,3"), "{}", check.finding);
        assert!(check.advice.unwrap().contains("--cpus 0,1"));
        let distinct = parse("0,1");
        assert_eq!(smt_check(&siblings, &distinct).status, Status::Ok);
        assert_eq!(smt_check(&[], &all).status, Status::Note);
    }

    #[test]
    fn governors_and_turbo_are_judged_where_visible() {
        let performance = [(0, "performance".to_string()), (1, "performance".into())];
        assert_eq!(governor_check(&performance).status, Status::Ok);
        let mixed = [(0, "performance".to_string()), (1, "powersave".into())];
        let check = governor_check(&mixed);
        assert_eq!(check.status, Status::Warn);
        assert!(
            check.finding.contains("powersave on CPUs 1"),
            "{}",
            check.finding
        );
        assert!(
            check
                .advice
                .unwrap()
                .contains("cpupower frequency-set -g performance")
        );
        assert_eq!(governor_check(&[]).status, Status::Note);

        assert_eq!(turbo_check(Some("1\n"), None).status, Status::Ok);
        let on = turbo_check(Some("0\n"), None);
        assert_eq!(on.status, Status::Warn);
        assert!(
            on.advice
                .unwrap()
                .contains("echo 1 > /sys/devices/system/cpu/intel_pstate/no_turbo")
        );
        assert_eq!(turbo_check(None, Some("1")).status, Status::Warn);
        assert_eq!(turbo_check(None, Some("0")).status, Status::Ok);
        assert_eq!(turbo_check(None, None).status, Status::Note);
    }
}
