//! `racesim validate FILE...`: parse and validate, run nothing
//! ([`racesim::pipeline::validate`]).

use std::path::PathBuf;

use clap::Args;

use racesim::Error;

use super::Ui;

/// `racesim validate`.
#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Scenario files
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Override a key: PATH=VALUE (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
}

/// Validates every file; the first bad one is the error (all are reported).
pub(crate) fn validate(a: &ValidateArgs, ui: &Ui) -> Result<(), Error> {
    let overrides = super::parse_sets(&a.set)?;
    let registry = racesim::models::builtin();
    let mut first_err = None;
    for f in &a.files {
        match racesim::pipeline::validate::validate(&registry, f, &overrides) {
            Ok(line) if !ui.quiet => println!("{line}"),
            Ok(_) => {}
            Err(e) => {
                if first_err.is_some() {
                    eprintln!("{} {e}", ui.error_label());
                } else {
                    first_err = Some(e);
                }
            }
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
