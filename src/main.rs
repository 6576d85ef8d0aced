//! The `racesim` binary: parse arguments, call the library, map errors to
//! exit codes (0 success, 1 a check failed, 2 bad input or usage, 3 internal
//! error).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match racesim::cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match racesim::cli::execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
