//! What every check of `gilbench doctor` is: a status, a topic, a finding
//! and what to do about it; and how the machine checks read the host.

use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Ok,
    /// Neither good nor bad: something gilbench cannot see.
    Note,
    Warn,
    Fail,
}

pub(super) struct Check {
    pub status: Status,
    pub topic: &'static str,
    pub finding: String,
    pub advice: Option<String>,
}

impl Check {
    pub fn ok(topic: &'static str, finding: String) -> Check {
        Check {
            status: Status::Ok,
            topic,
            finding,
            advice: None,
        }
    }
    pub fn note(topic: &'static str, finding: String) -> Check {
        Check {
            status: Status::Note,
            topic,
            finding,
            advice: None,
        }
    }
    pub fn warn(topic: &'static str, finding: String, advice: String) -> Check {
        Check {
            status: Status::Warn,
            topic,
            finding,
            advice: Some(advice),
        }
    }
    pub fn fail(topic: &'static str, finding: String, advice: String) -> Check {
        Check {
            status: Status::Fail,
            topic,
            finding,
            advice: Some(advice),
        }
    }
}

/// A file's text, or None if it cannot be read (absent, not visible).
pub(super) fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}
