//! How long earlier builds took on this machine's engines, so that a build
//! can say up front roughly how long it will take.

use std::time::Duration;

use crate::cache::{Cache, Durations};

const FILE: &str = "build-times.json";

/// Durations of the last build of each kind, by key.
pub struct BuildTimes(Durations);

/// What makes builds take alike long: the engine, the minor version, the
/// variant and the profile (sources and patch releases barely matter).
pub fn key(engine_host: &str, image_spec: &str, profile: &str) -> String {
    format!("{engine_host} {image_spec} {profile}")
}

/// What to expect of a build never done on this engine (measured on 2 cores).
pub fn first_build_estimate(profile: &str) -> &'static str {
    match profile {
        "quick" => "on 2 cores about 3 minutes, 7 for a JIT build",
        "optimized" => "PGO + LTO: on 2 cores 20 minutes or more",
        _ => "a prebuilt interpreter: under a minute",
    }
}

impl BuildTimes {
    /// The recorded times; none if the file is missing or unreadable.
    pub fn load(cache: &Cache) -> BuildTimes {
        BuildTimes(Durations::load(cache, FILE))
    }

    pub fn expected(&self, key: &str) -> Option<Duration> {
        self.0
            .get(key)
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
    }

    /// Remembers a build's duration.
    pub fn record(mut self, key: String, took: Duration) {
        self.0.set(key, took.as_secs() as f64);
        self.0.save();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_times_are_remembered_per_kind() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf()).unwrap();
        let jit = key("unix:///var/run/docker.sock", "3.13-jit", "quick");
        assert_eq!(BuildTimes::load(&cache).expected(&jit), None);
        BuildTimes::load(&cache).record(jit.clone(), Duration::from_secs(414));
        let times = BuildTimes::load(&cache);
        assert_eq!(times.expected(&jit), Some(Duration::from_secs(414)));
        assert_eq!(
            times.expected(&key("tcp://other:2375", "3.13-jit", "quick")),
            None
        );
    }
}
