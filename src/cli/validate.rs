//! `racesim validate FILE...`: parse and validate, run nothing.

use crate::Error;
use crate::cli::ValidateArgs;
use crate::scenario;

/// Validates every file; the first bad one is the error (all are reported).
pub fn validate(a: &ValidateArgs) -> Result<(), Error> {
    let overrides = crate::cli::parse_sets(&a.set)?;
    let mut first_err = None;
    for f in &a.files {
        match scenario::load_file_checked(f, &overrides) {
            Ok(sc) => {
                let points: usize = sc.sweep.iter().map(|x| x.values.len()).product();
                println!(
                    "{}: ok ({} model, {} replications of {}{})",
                    f.display(),
                    sc.model.name(),
                    sc.replications,
                    sc.horizon,
                    if sc.sweep.is_empty() {
                        String::new()
                    } else {
                        format!(", sweep of {points} points")
                    }
                );
            }
            Err(e) => {
                if first_err.is_some() {
                    eprintln!("error: {e}");
                } else {
                    first_err = Some(e);
                }
            }
        }
    }
    match first_err {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
