//! The `racesim` binary: parse arguments, call the library, map errors to
//! exit codes (0 success, 1 a check failed, 2 bad input or usage, 3 internal
//! error). A closed standard output (`racesim ... | head`) ends the program
//! quietly; any other panic is an internal error, reported once with a request
//! to report it, and exits 3.

mod cli;

use std::process::ExitCode;

/// Printing to a closed pipe panics inside `println!`; that is not a bug.
fn is_broken_pipe(message: &str) -> bool {
    message.contains("Broken pipe") || message.contains("failed printing to stdout")
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let message = panic_message(info.payload());
        if !is_broken_pipe(&message) {
            let at = info
                .location()
                .map(|l| format!(" at {l}"))
                .unwrap_or_default();
            eprintln!(
                "internal error: {message}{at}\nthis is a bug in racesim: please report it with the scenario file and the command line"
            );
        }
    }));
    let outcome = std::panic::catch_unwind(|| {
        let cli = match cli::parse() {
            Ok(c) => c,
            Err(e) => {
                let code = if e.use_stderr() { 2 } else { 0 };
                let _ = e.print();
                return ExitCode::from(code);
            }
        };
        let ui = cli.ui();
        match cli::execute(cli, &ui) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{} {e}", ui.error_label());
                ExitCode::from(e.exit_code())
            }
        }
    });
    match outcome {
        Ok(code) => code,
        Err(payload) if is_broken_pipe(&panic_message(payload.as_ref())) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(3),
    }
}
