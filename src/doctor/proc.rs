//! Machine checks from /proc: the load average, other busy processes, and
//! the time a hypervisor steals.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use super::check::{Check, read};
use crate::format::one_line;

/// How long other processes' CPU use is measured.
const INTERVAL: Duration = Duration::from_millis(500);
/// Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;
/// Other processes using this many CPUs together (a fifth of one): warn.
const BUSY_CPUS: f64 = 0.2;
/// Processes using at least this share of a CPU are named.
const NAMED_CPUS: f64 = 0.05;
/// Steal time above this share of all CPU time: warn.
const STEAL: f64 = 0.05;

/// Load, busy processes and steal time, from the /proc of a host with
/// `host_cpus` CPUs. Takes [`INTERVAL`].
pub(super) fn checks(proc_dir: &Path, host_cpus: usize) -> Vec<Check> {
    let before = (processes(proc_dir), cpu_ticks(proc_dir));
    std::thread::sleep(INTERVAL);
    let after = (processes(proc_dir), cpu_ticks(proc_dir));
    let load = read(&proc_dir.join("loadavg"))
        .as_deref()
        .and_then(parse_loadavg);
    let seconds = INTERVAL.as_secs_f64();
    let used = busy(&before.0, &after.0, seconds, std::process::id());
    let shares = before.1.zip(after.1).and_then(|(b, a)| shares(b, a));
    let mut out = vec![
        load_check(load, host_cpus),
        busy_check(&used, shares, host_cpus),
    ];
    out.push(shares.map_or_else(
        || Check::note("steal", "CPU time not visible (no /proc/stat)".into()),
        |s| steal_check(s.steal),
    ));
    out
}

/// The three load averages of /proc/loadavg ("0.52 0.58 0.59 1/467 12345").
fn parse_loadavg(text: &str) -> Option<[f64; 3]> {
    let mut fields = text.split_whitespace().map(str::parse::<f64>);
    Some([
        fields.next()?.ok()?,
        fields.next()?.ok()?,
        fields.next()?.ok()?,
    ])
}

fn load_check(load: Option<[f64; 3]>, cpus: usize) -> Check {
    let Some([one, five, fifteen]) = load else {
        return Check::note("load", "not visible (no /proc/loadavg)".into());
    };
    let finding = format!("load average {one:.2}, {five:.2}, {fifteen:.2} on {cpus} CPUs");
    if one >= (cpus as f64 / 10.0).max(1.0) {
        Check::warn(
            "load",
            finding,
            "something else keeps the CPUs busy: stop it (see busy below) and wait until the \
             1-minute load falls below 1 (the average lags by a minute)"
                .into(),
        )
    } else {
        Check::ok("load", finding)
    }
}

/// The command name and CPU time (user + system, in clock ticks) from a
/// /proc/PID/stat line. The name is in parentheses and may hold spaces
/// and parentheses itself, so the fields are counted from the last ")".
fn parse_pid_stat(text: &str) -> Option<(String, u64)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_string();
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // Fields 14 and 15 of proc(5), counted from the state (field 3).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((name, utime + stime))
}

/// Every process's name and CPU ticks, by pid.
fn processes(proc_dir: &Path) -> BTreeMap<u32, (String, u64)> {
    let Ok(entries) = std::fs::read_dir(proc_dir) else {
        return BTreeMap::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = read(&e.path().join("stat"))?;
            Some((pid, parse_pid_stat(&stat)?))
        })
        .collect()
}

/// Processes other than `own_pid` that used CPU time between the two
/// snapshots `seconds` apart: (name, pid, CPUs used), busiest first.
fn busy(
    before: &BTreeMap<u32, (String, u64)>,
    after: &BTreeMap<u32, (String, u64)>,
    seconds: f64,
    own_pid: u32,
) -> Vec<(String, u32, f64)> {
    let mut used: Vec<(String, u32, f64)> = after
        .iter()
        .filter(|(pid, _)| **pid != own_pid)
        .filter_map(|(pid, (name, ticks))| {
            let (_, earlier) = before.get(pid)?;
            let delta = ticks.checked_sub(*earlier)?;
            (delta > 0).then(|| {
                let cpus = delta as f64 / TICKS_PER_SECOND / seconds;
                (name.clone(), *pid, cpus)
            })
        })
        .collect();
    used.sort_by(|x, y| y.2.total_cmp(&x.2).then(x.1.cmp(&y.1)));
    used
}

/// Whether the host's CPUs were busy besides gilbench: the share of all
/// CPU time /proc/stat counts as busy (processes of other containers and
/// PID namespaces included), else the sum over the visible processes.
fn busy_check(used: &[(String, u32, f64)], shares: Option<CpuShares>, host_cpus: usize) -> Check {
    let visible = used.iter().fold(0.0, |sum, u| sum + u.2);
    let busy = shares.map_or(visible, |s| (s.busy * host_cpus as f64).max(visible));
    let named: Vec<String> = used
        .iter()
        .filter(|u| u.2 >= NAMED_CPUS)
        .take(3)
        .map(|(name, pid, cpus)| format!("{} (pid {pid}) {:.0} %", one_line(name), cpus * 100.0))
        .collect();
    let who = match (named.is_empty(), busy >= BUSY_CPUS) {
        (false, _) => format!("; busiest: {}", named.join(", ")),
        (true, true) => "; no process visible here (other containers or namespaces)".into(),
        (true, false) => String::new(),
    };
    let finding = format!(
        "{busy:.2} CPUs busy besides gilbench over {:.1} s{who}",
        INTERVAL.as_secs_f64()
    );
    if busy >= BUSY_CPUS {
        Check::warn(
            "busy",
            finding,
            "stop or pause what runs while gilbench measures, or keep it off the CPUs the run \
             uses (--cpus for the run, taskset or a cgroup for the rest)"
                .into(),
        )
    } else {
        Check::ok("busy", finding)
    }
}

/// Clock ticks of all CPUs from the "cpu" line of /proc/stat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CpuTicks {
    total: u64,
    /// Idle and waiting for I/O.
    idle: u64,
    steal: u64,
}

/// The aggregate "cpu  user nice system idle iowait irq softirq steal …"
/// line of /proc/stat (guest time is already in user and nice).
fn parse_proc_stat(text: &str) -> Option<CpuTicks> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let at = |i: usize| values.get(i).copied().unwrap_or(0);
    Some(CpuTicks {
        total: values.iter().sum(),
        idle: at(3) + at(4),
        steal: at(7),
    })
}

fn cpu_ticks(proc_dir: &Path) -> Option<CpuTicks> {
    parse_proc_stat(&read(&proc_dir.join("stat"))?)
}

/// Shares of all CPU time between two readings of /proc/stat.
#[derive(Debug, Clone, Copy, PartialEq)]
struct CpuShares {
    /// Neither idle nor stolen.
    busy: f64,
    /// Taken by the hypervisor for other guests.
    steal: f64,
}

fn shares(before: CpuTicks, after: CpuTicks) -> Option<CpuShares> {
    let total = after.total.checked_sub(before.total).filter(|t| *t > 0)? as f64;
    let idle = after.idle.saturating_sub(before.idle) as f64;
    let steal = after.steal.saturating_sub(before.steal) as f64;
    Some(CpuShares {
        busy: ((total - idle - steal) / total).max(0.0),
        steal: steal / total,
    })
}

fn steal_check(share: f64) -> Check {
    let finding = format!(
        "the hypervisor took {:.1} % of the CPUs' time",
        share * 100.0
    );
    if share >= STEAL {
        Check::warn(
            "steal",
            finding,
            "this VM shares its host's CPUs with other guests: measure at a quieter time or on \
             a dedicated host, and compare builds within one run"
                .into(),
        )
    } else {
        Check::ok("steal", finding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::check::Status;

    #[test]
    fn load_averages_are_read_and_judged() {
        assert_eq!(
            parse_loadavg("2.60 2.33 2.26 5/143 613\n"),
            Some([2.6, 2.33, 2.26])
        );
        assert_eq!(parse_loadavg("garbage"), None);
        assert_eq!(load_check(Some([2.6, 2.3, 2.2]), 2).status, Status::Warn);
        assert_eq!(load_check(Some([0.3, 0.3, 0.2]), 2).status, Status::Ok);
        assert_eq!(load_check(Some([3.0, 3.0, 3.0]), 64).status, Status::Ok);
        assert_eq!(load_check(None, 2).status, Status::Note);
    }

    #[test]
    fn process_cpu_times_are_read_past_odd_names() {
        let line = "615 (cat) R 603 603 9390 0 -1 4194304 101 0 0 0 17 4 0 0 20 0 1 0 422373";
        assert_eq!(parse_pid_stat(line), Some(("cat".into(), 21)));
        let odd = "7 (a) b (c)) S 1 7 7 0 -1 0 0 0 0 0 250 50 0 0 20 0 1 0 1";
        assert_eq!(parse_pid_stat(odd), Some(("a) b (c)".into(), 300)));
        assert_eq!(parse_pid_stat("7 (short) S 1"), None);
    }

    #[test]
    fn busy_processes_are_named_busiest_first() {
        let snapshot = |entries: &[(u32, &str, u64)]| -> BTreeMap<u32, (String, u64)> {
            entries
                .iter()
                .map(|(pid, name, ticks)| (*pid, (name.to_string(), *ticks)))
                .collect()
        };
        let before = snapshot(&[(1, "init", 10), (42, "python3", 1000), (7, "me", 0)]);
        let after = snapshot(&[
            (1, "init", 11),
            (42, "python3", 1049),
            (7, "me", 50),
            (99, "new", 5),
        ]);
        let used = busy(&before, &after, 0.5, 7);
        assert_eq!(used.len(), 2, "{used:?}");
        assert_eq!((used[0].0.as_str(), used[0].1), ("python3", 42));
        assert!((used[0].2 - 0.98).abs() < 1e-9);
        let check = busy_check(&used, None, 2);
        assert_eq!(check.status, Status::Warn);
        assert!(
            check.finding.contains("1.00 CPUs busy")
                && check.finding.contains("python3 (pid 42) 98 %"),
            "{}",
            check.finding
        );
        assert!(!check.finding.contains("init"), "2 % is not named");
        let quiet = busy_check(&used[1..], None, 2);
        assert_eq!(quiet.status, Status::Ok);
        assert!(
            quiet.finding.starts_with("0.02 CPUs busy"),
            "{}",
            quiet.finding
        );
        // Busy in /proc/stat, but no process of this namespace: a container.
        let hidden = busy_check(
            &[],
            Some(CpuShares {
                busy: 0.9,
                steal: 0.0,
            }),
            2,
        );
        assert_eq!(hidden.status, Status::Warn);
        assert!(
            hidden.finding.contains("1.80 CPUs busy"),
            "{}",
            hidden.finding
        );
        assert!(hidden.finding.contains("no process visible here"));
        assert_eq!(
            busy_check(&[], None, 2).finding,
            "0.00 CPUs busy besides gilbench over 0.5 s"
        );
    }

    #[test]
    fn cpu_time_is_split_into_busy_idle_and_steal() {
        let text = "cpu  595456 101 113732 126090 3410 0 1076 1037 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n";
        let before = parse_proc_stat(text).unwrap();
        assert_eq!(before.steal, 1037);
        assert_eq!(before.idle, 126090 + 3410);
        assert_eq!(
            before.total,
            595456 + 101 + 113732 + 126090 + 3410 + 1076 + 1037
        );
        let after = CpuTicks {
            total: before.total + 100,
            idle: before.idle + 30,
            steal: before.steal + 12,
        };
        let s = shares(before, after).unwrap();
        assert!(
            (s.busy - 0.58).abs() < 1e-9 && (s.steal - 0.12).abs() < 1e-9,
            "{s:?}"
        );
        assert_eq!(shares(before, before), None, "no time passed");
        let check = steal_check(s.steal);
        assert_eq!(check.status, Status::Warn);
        assert!(check.finding.contains("12.0 %"), "{}", check.finding);
        assert_eq!(steal_check(0.01).status, Status::Ok);
    }
}
