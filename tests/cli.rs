//! The command line without an engine: validation, errors and exit codes.

use crate::util::{gilbench, run, stderr};

#[test]
fn malformed_spec_exits_2_and_shows_the_grammar() {
    let output = run(gilbench().args(["build", "3.13q"]));
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(text.contains("invalid build spec `3.13q`"), "{text}");
    assert!(text.contains("3.13-jit"), "the grammar is shown: {text}");
}

#[test]
fn impossible_builds_exit_2_with_the_reason() {
    let output = run(gilbench().args(["build", "3.12t"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("free-threading (--disable-gil, PEP 703) first appeared in 3.13")
    );

    let output = run(gilbench().args(["build", "3.13-jit", "--configure-arg=--disable-gil"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("does not support the JIT in a free-threaded build"));

    let output = run(gilbench().args(["build", "3.13t@debian-binary"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("must be compiled"));
}

#[test]
fn unreachable_engine_exits_3_with_advice() {
    let output = run(gilbench()
        .args(["build", "3.13"])
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock"));
    assert_eq!(output.status.code(), Some(3));
    let text = stderr(&output);
    assert!(
        text.contains("cannot reach a Docker engine at unix:///nonexistent/docker.sock"),
        "{text}"
    );
    assert!(text.contains("gilbench doctor"), "{text}");
}

#[test]
fn bad_checksum_option_exits_2() {
    let output = run(gilbench().args(["build", "3.13", "--sha256", "xyz"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--sha256 must be 64 hex digits"));
}

#[test]
fn missing_results_exit_2() {
    for args in [
        &["report", "/missing"][..],
        &["compare", "/missing", "/missing-too"],
    ] {
        let output = run(gilbench().args(args));
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains("cannot read /missing"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}
