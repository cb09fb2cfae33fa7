//! The program's one formatter of numbers, durations and text for people:
//! seconds, ratios, changes and percentages as reports print them, elapsed
//! times as progress lines print them, and names made safe to print on a
//! terminal, in Markdown or as a file name. Pure functions of plain values;
//! what takes a domain type is formatted where that type is rendered.

use std::time::Duration;

/// Seconds in a readable unit with three significant digits: "1.23 s",
/// "45.6 ms", "789 µs". For reports.
pub fn fmt_seconds(seconds: f64) -> String {
    fmt_seconds_digits(seconds, 3)
}

/// Seconds in a readable unit with `digits` significant digits (at least
/// the whole part): with 4, "1.350 s", "826.2 ms", "42.07 µs". The terminal
/// tables use 4.
pub fn fmt_seconds_digits(seconds: f64, digits: usize) -> String {
    let (value, unit) = if seconds.abs() >= 1.0 || seconds == 0.0 {
        (seconds, "s")
    } else if seconds.abs() >= 1e-3 {
        (seconds * 1e3, "ms")
    } else if seconds.abs() >= 1e-6 {
        (seconds * 1e6, "µs")
    } else {
        (seconds * 1e9, "ns")
    };
    let whole = match value.abs() {
        m if m >= 100.0 => 3,
        m if m >= 10.0 => 2,
        _ => 1,
    };
    let decimals = digits.saturating_sub(whole);
    format!("{value:.decimals$} {unit}")
}

/// "1.95×".
pub fn fmt_times(x: f64) -> String {
    if x.abs() >= 10.0 {
        format!("{x:.1}×")
    } else {
        format!("{x:.2}×")
    }
}

/// A ratio as a signed change: 1.35 → "+35 %", 0.88 → "-12 %".
pub fn fmt_change(ratio: f64) -> String {
    let pct = (ratio - 1.0) * 100.0;
    let sign = if pct < 0.0 { '-' } else { '+' };
    format!("{sign}{}", fmt_percent(pct.abs()))
}

/// A percentage: 12.3 → "12 %", 3.12 → "3.1 %" (a decimal below 10).
pub fn fmt_percent(pct: f64) -> String {
    if pct.abs() >= 9.95 {
        format!("{pct:.0} %")
    } else {
        format!("{pct:.1} %")
    }
}

/// A size in bytes: "1.5 GiB", "512 MiB".
pub fn fmt_bytes(n: i64) -> String {
    let gib = n as f64 / f64::from(1u32 << 30);
    if gib >= 1.0 {
        format!("{gib:.1} GiB")
    } else {
        format!("{:.0} MiB", n as f64 / f64::from(1u32 << 20))
    }
}

/// Memory in MiB: 9.84 → "9.8 MiB", 123.4 → "123 MiB".
pub fn fmt_mib(mib: f64) -> String {
    // A slope of -0.04 MiB is noise around nothing, not "-0.0 MiB".
    let mib = if mib.abs() < 0.05 { 0.0 } else { mib };
    if mib.abs() >= 99.95 {
        format!("{mib:.0} MiB")
    } else {
        format!("{mib:.1} MiB")
    }
}

/// An elapsed time for progress lines: "4m07s", "12.3s".
pub fn format_duration(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = duration.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

/// How long ago: "just now", "5 min ago", "3 h ago", "2 days ago".
pub fn format_age(age: Duration) -> String {
    let minutes = age.as_secs() / 60;
    match minutes {
        0 => "just now".to_string(),
        1..=59 => format!("{minutes} min ago"),
        60..=2879 => format!("{} h ago", minutes / 60),
        _ => format!("{} days ago", minutes / 1440),
    }
}

/// A string on one line, safe to print: line breaks and tabs become
/// spaces, other control characters (escape sequences) U+FFFD. For
/// tables, headings and the terminal.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// Shortens to `max` characters with an ellipsis.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Text made safe for Markdown, table cells included: one line, Markdown
/// punctuation backslash-escaped, `<`, `>` and `&` as entities.
pub fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in one_line(text).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A name (a build's, a machine's) as a file stem: letters, digits, `.`,
/// `_`, `-` only.
pub fn file_stem(name: &str) -> String {
    let mut stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.starts_with('.') || stem.is_empty() {
        stem.insert(0, '_');
    }
    stem
}

/// A file stem for each name, made unique by "-2", "-3" … where two names
/// give the same one.
pub fn unique_file_stems<'n>(names: impl IntoIterator<Item = &'n str>) -> Vec<String> {
    let mut stems: Vec<String> = Vec::new();
    for name in names {
        let stem = file_stem(name);
        let unique = (1..)
            .map(|n| match n {
                1 => stem.clone(),
                n => format!("{stem}-{n}"),
            })
            .find(|s| !stems.contains(s))
            .expect("an unbounded range has a free stem");
        stems.push(unique);
    }
    stems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(fmt_seconds(1.234), "1.23 s");
        assert_eq!(fmt_seconds(0.0456), "45.6 ms");
        assert_eq!(fmt_seconds(0.000789), "789 µs");
        assert_eq!(fmt_seconds_digits(1.35, 4), "1.350 s");
        assert_eq!(fmt_seconds_digits(0.8262, 4), "826.2 ms");
        assert_eq!(fmt_seconds_digits(42.07e-6, 4), "42.07 µs");
        assert_eq!(fmt_seconds_digits(123.456, 4), "123.5 s");
        assert_eq!(fmt_change(1.35), "+35 %");
        assert_eq!(fmt_change(0.88), "-12 %");
        assert_eq!(fmt_change(1.031), "+3.1 %");
        assert_eq!(fmt_change(0.995), "-0.5 %");
        assert_eq!(fmt_percent(12.3), "12 %");
        assert_eq!(fmt_percent(3.12), "3.1 %");
        assert_eq!(fmt_times(1.953), "1.95×");
        assert_eq!(fmt_bytes(3 << 29), "1.5 GiB");
        assert_eq!(fmt_bytes(512 << 20), "512 MiB");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(format_duration(Duration::from_millis(12_340)), "12.3s");
        assert_eq!(format_duration(Duration::from_secs(247)), "4m07s");
        assert_eq!(format_age(Duration::from_secs(30)), "just now");
        assert_eq!(format_age(Duration::from_secs(300)), "5 min ago");
        assert_eq!(format_age(Duration::from_secs(3 * 3600)), "3 h ago");
        assert_eq!(format_age(Duration::from_secs(47 * 3600)), "47 h ago");
        assert_eq!(format_age(Duration::from_secs(2 * 86_400)), "2 days ago");
    }

    #[test]
    fn names_are_made_printable() {
        assert_eq!(one_line("a\nb\u{1b}[2J"), "a b\u{FFFD}[2J");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(markdown_escape("a|b <c> *d*"), r"a\|b &lt;c&gt; \*d\*");
        assert_eq!(
            unique_file_stems(["3.13t", "3.13/t", "3.13?t", ".x", ""]),
            ["3.13t", "3.13_t", "3.13_t-2", "_.x", "_"]
        );
    }
}
