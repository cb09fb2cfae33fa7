//! A JIT that changes what a program does. When a cell fails on a build
//! whose JIT is on, the sample is taken once more with `PYTHON_JIT=0` in the
//! same image; if that one completes, the failure is the JIT's, and a
//! reproducer (plain `python3`, no gilbench) goes to the run's folder and
//! is run once, in the same place, with the JIT on and off.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::report::{jit_reproducer_path, jit_verdict};
use crate::results::{BuildRecord, Sample};
use crate::runner::{SampleRequest, ScriptRequest};

/// What JIT triage needs: the builds whose JIT is on, each workload's
/// source (by name), and the run's folder.
pub struct JitTriage {
    pub builds: HashSet<String>,
    pub sources: HashMap<String, Vec<u8>>,
    pub dir: PathBuf,
}

impl JitTriage {
    pub fn new(builds: &[BuildRecord], sources: HashMap<String, Vec<u8>>, dir: &Path) -> Self {
        JitTriage {
            builds: builds
                .iter()
                .filter(|b| jit_is_on(b))
                .map(|b| b.name.clone())
                .collect(),
            sources,
            dir: dir.to_path_buf(),
        }
    }
}

/// On by the interpreter's facts, or asked for with `PYTHON_JIT` (set by
/// the build's spec, or by `-jit` builds themselves).
fn jit_is_on(build: &BuildRecord) -> bool {
    build.facts["jit_enabled"].as_bool() == Some(true)
        || build
            .runtime_env
            .get("PYTHON_JIT")
            .is_some_and(|v| v.as_str() != "0")
}

/// The same sample with the JIT switched off.
pub fn jit_off(request: &SampleRequest) -> SampleRequest {
    SampleRequest {
        env: without_jit(&request.env),
        ..request.clone()
    }
}

/// An environment with the JIT switched off.
pub fn without_jit(env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut off = env.clone();
    off.insert("PYTHON_JIT".into(), "0".into());
    off
}

/// A reproducer written to the run's folder: where (in it), its text, and
/// the workload's folder where the samples ran.
pub struct Reproducer {
    pub path: PathBuf,
    script: String,
    folder: String,
}

impl Reproducer {
    /// Running it once as the samples ran, with `env` added: its argument
    /// is the workload's folder there, so that what lies beside the
    /// workload is found.
    pub fn request(&self, env: BTreeMap<String, String>, timeout_s: f64) -> ScriptRequest {
        ScriptRequest {
            source: self.script.clone(),
            args: vec![self.folder.clone()],
            timeout_s,
            env,
        }
    }
}

/// Writes the reproducer of a failure the JIT caused, of the workload at
/// `workload_path` where the samples ran; None without its source.
pub fn write_reproducer(
    triage: &JitTriage,
    build: &str,
    workload: &str,
    workload_path: &str,
    failed: &Sample,
    off: &Sample,
) -> Result<Option<Reproducer>> {
    let Some(source) = triage.sources.get(workload) else {
        return Ok(None);
    };
    let relative = jit_reproducer_path(build, workload);
    let name = relative.file_name().unwrap_or_default().to_string_lossy();
    let size = off.size.or(failed.size).unwrap_or(1);
    let workload_path = Path::new(workload_path);
    let file = workload_path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy();
    let stem = file.strip_suffix(".py").unwrap_or(&file);
    // A JSON string is a Python string literal too.
    let literal = |text: &str| serde_json::to_string(text);
    let script = REPRODUCER
        .replace(
            "{verdict}",
            &jit_verdict(build, workload, failed.kind, off.completed_in_s()),
        )
        .replace("{file}", &name)
        .replace("{kind}", failed.kind.map_or("failed", |k| k.as_str()))
        .replace("{module}", &literal(stem)?)
        .replace("{workload_file}", &literal(&file)?)
        .replace("{size}", &size.to_string())
        .replace("{source}", &literal(&String::from_utf8_lossy(source))?);
    let path = triage.dir.join(&relative);
    std::fs::create_dir_all(path.parent().expect("a folder"))?;
    std::fs::write(&path, &script)?;
    let folder = workload_path.parent().unwrap_or(Path::new("/"));
    Ok(Some(Reproducer {
        path: relative,
        script,
        folder: folder.to_string_lossy().into_owned(),
    }))
}

const REPRODUCER: &str = r#"#!/usr/bin/env python3
"""{verdict}.

Plain python3, no gilbench: the workload as one sample at one worker runs it
(setup, one call of work, check), at the size the sample used.

    PYTHON_JIT=1 python3 {file}    # the JIT on: {kind}
    PYTHON_JIT=0 python3 {file}    # the JIT off: completes

A workload that imports or reads files beside it needs its folder: give the
folder as the argument (python3 {file} FOLDER), or put this script in it.
"""
import os
import sys
import time
import types

SIZE = {size}
SOURCE = {source}

# The workload's folder: the argument, else this script's.
FOLDER = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(__file__))
sys.path.append(FOLDER)
module = types.ModuleType({module})
module.__file__ = os.path.join(FOLDER, {workload_file})
exec(compile(SOURCE, module.__file__, "exec"), module.__dict__)
setup = getattr(module, "setup", None)
state = setup(SIZE, 1) if setup is not None else None
started = time.perf_counter()
result = module.work(state, 0, 1, SIZE)
took = time.perf_counter() - started
passed = module.check([result], SIZE, 1)
print("work took %.3f s; check %s" % (took, "passed" if passed else "failed"))
sys.exit(0 if passed else 1)
"#;
