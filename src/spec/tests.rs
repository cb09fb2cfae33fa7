//! The build spec grammar: what parses, what prints back, what is refused.

use super::*;

fn parse(text: &str) -> BuildSpec {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn parses_the_three_variants_and_exact_releases() {
    let spec = parse("3.13");
    assert_eq!(
        spec.version,
        PythonVersion {
            minor: 13,
            patch: None
        }
    );
    assert_eq!(spec.variant, Variant::Default);
    assert_eq!(parse("3.13t").variant, Variant::FreeThreaded);
    assert_eq!(parse("3.13-jit").variant, Variant::Jit);
    let exact = parse("3.13.5t");
    assert_eq!(exact.version.patch, Some(5));
    assert_eq!(exact.version.release(), "3.13.5");
    // A bare minor means the newest release whose checksum gilbench knows.
    assert_eq!(
        parse("3.13").version.release(),
        crate::versions::newest_release(13).unwrap()
    );
}

#[test]
fn parses_runtime_settings_and_sources() {
    let spec = parse("3.13t+PYTHON_GIL=1+PYTHON_JIT=0@debian");
    assert_eq!(
        spec.runtime_env,
        vec![
            ("PYTHON_GIL".to_string(), "1".to_string()),
            ("PYTHON_JIT".to_string(), "0".to_string())
        ]
    );
    assert_eq!(spec.source, Some(SourceSpec::Debian));
    assert_eq!(spec.to_string(), "3.13t+PYTHON_GIL=1+PYTHON_JIT=0@debian");
    assert_eq!(spec.image_spec(), "3.13t");

    let git = parse("3.14t@git:https://example.org/c.git#v3.14.0");
    assert_eq!(
        git.source,
        Some(SourceSpec::Git {
            url: "https://example.org/c.git".into(),
            reference: "v3.14.0".into()
        })
    );
    assert_eq!(
        "git:/srv/cpython".parse::<SourceSpec>().unwrap(),
        SourceSpec::Git {
            url: "/srv/cpython".into(),
            reference: "HEAD".into()
        }
    );
    assert_eq!(
        "dir:/src/cpython".parse::<SourceSpec>().unwrap(),
        SourceSpec::Directory("/src/cpython".into())
    );
}

#[test]
fn display_round_trips() {
    for text in [
        "3.13",
        "3.13t",
        "3.13-jit",
        "3.13.5t",
        "3.14+PYTHON_JIT=1",
        "3.13@dir:/x",
        "3.13t[head]",
        "3.13t+PYTHON_GIL=1@debian[base-1.2]",
    ] {
        assert_eq!(parse(text).to_string(), text);
    }
}

#[test]
fn rejects_malformed_specs_with_the_grammar() {
    for bad in [
        "",
        "3",
        "313",
        "3.x",
        "2.7",
        "3.13q",
        "3.13+GIL",
        "3.13@ftp",
        "3.13.5.1",
        "3.13t-jit",
        "3.13[]",
        "3.13[1x]",
        "3.13[a b]",
    ] {
        let err = bad.parse::<BuildSpec>().unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("grammar") || message.contains("sources:"),
            "{bad}: {message}"
        );
    }
}

#[test]
fn rejects_impossible_combinations_with_a_reason() {
    let err = "3.12t".parse::<BuildSpec>().unwrap_err().to_string();
    assert!(err.contains("first appeared in 3.13"), "{err}");
    let err = "3.11-jit".parse::<BuildSpec>().unwrap_err().to_string();
    assert!(err.contains("JIT"), "{err}");
    let err = "3.8".parse::<BuildSpec>().unwrap_err().to_string();
    assert!(err.contains("3.9–3.15"), "{err}");
    let err = "3.13t@debian-binary"
        .parse::<BuildSpec>()
        .unwrap_err()
        .to_string();
    assert!(err.contains("must be compiled"), "{err}");
    let err = "3.13-jit@debian-binary"
        .parse::<BuildSpec>()
        .unwrap_err()
        .to_string();
    assert!(err.contains("without the JIT"), "{err}");
    assert!("3.14-jit@debian-binary".parse::<BuildSpec>().is_ok());

    let jit_ft = parse("3.13-jit");
    let err = check_configure_args(&jit_ft, &["--disable-gil".into()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("free-threaded"), "{err}");
    assert!(check_configure_args(&parse("3.13t"), &["--with-pydebug".into()]).is_ok());
}

#[test]
fn jit_builds_run_with_the_jit_on_unless_the_spec_says_otherwise() {
    let env = |spec: &str| parse(spec).run_env();
    let on = vec![("PYTHON_JIT".to_string(), "1".to_string())];
    assert_eq!(env("3.13-jit"), on);
    assert_eq!(
        env("3.13-jit+PYTHON_JIT=0"),
        vec![("PYTHON_JIT".to_string(), "0".to_string())]
    );
    assert!(env("3.13").is_empty());
    assert_eq!(
        parse("3.13-jit").image_key(),
        parse("3.13-jit+PYTHON_JIT=0").image_key()
    );
}

#[test]
fn variant_names_round_trip() {
    for v in [Variant::Default, Variant::FreeThreaded, Variant::Jit] {
        assert_eq!(Variant::from_name(v.name()), Some(v));
    }
}

#[test]
fn a_package_variant_is_its_own_image_with_the_same_interpreter() {
    let head = parse("3.13t[head]");
    assert_eq!(head.package_variant.as_deref(), Some("head"));
    assert_eq!(head.image_spec(), "3.13t");
    assert_ne!(head.image_key(), parse("3.13t[base]").image_key());
    assert_ne!(head.image_key(), parse("3.13t").image_key());
    assert_eq!(parse("3.13t").with_package_variant("head"), head);
}
