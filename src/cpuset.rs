//! Cpusets as Docker and Linux write them: "0,1", "0-3,6".

use std::collections::BTreeSet;

/// The CPUs a cpuset names.
pub fn parse(set: &str) -> Result<BTreeSet<u32>, String> {
    let bad = || format!("`{set}` is not a cpuset such as 0,1 or 0-3");
    let mut cpus = BTreeSet::new();
    for part in set.split(',').map(str::trim) {
        let (low, high) = match part.split_once('-') {
            Some((low, high)) => (
                low.trim().parse().map_err(|_| bad())?,
                high.trim().parse().map_err(|_| bad())?,
            ),
            None => {
                let cpu: u32 = part.parse().map_err(|_| bad())?;
                (cpu, cpu)
            }
        };
        if low > high {
            return Err(bad());
        }
        cpus.extend(low..=high);
    }
    Ok(cpus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpusets_list_their_cpus() {
        assert_eq!(parse("0,1").unwrap().len(), 2);
        assert_eq!(parse("0-3,6").unwrap().len(), 5);
        assert_eq!(
            parse(" 1 - 2 ").unwrap().into_iter().collect::<Vec<_>>(),
            [1, 2]
        );
        assert!(parse("a").is_err());
        assert!(parse("3-1").is_err());
        assert!(parse("").is_err());
    }
}
