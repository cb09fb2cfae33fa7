use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = gilbench::cli::Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(gilbench::commands::dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            gilbench::error::exit_code_of(&error)
        }
    }
}
