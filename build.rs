//! The runner package and the workload suite are compiled into the binary
//! (`include_dir!`), which does not tell cargo to watch them: this does.

fn main() {
    println!("cargo:rerun-if-changed=runner");
    println!("cargo:rerun-if-changed=workloads");
}
