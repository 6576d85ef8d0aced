//! `racesim man [COMMAND]`: prints the manual page, rendered by clap_mangen
//! from the same definitions that parse the command line (so it never falls
//! behind `--help`), as roff on standard output.
//!
//! ```console
//! $ racesim man > racesim.1 && man ./racesim.1
//! $ racesim man run > racesim-run.1
//! ```

use clap::{Args, CommandFactory};

use racesim::Error;

use super::Cli;

/// `racesim man`.
#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// A subcommand, for its own page (racesim-COMMAND(1)); without it, racesim(1)
    #[arg(value_name = "COMMAND")]
    command: Option<String>,
}

/// The roff text of racesim(1), or of racesim-COMMAND(1).
fn page(command: Option<&str>) -> Result<Vec<u8>, Error> {
    let mut cmd = Cli::command();
    cmd.build();
    let cmd = match command {
        None => cmd,
        Some(name) => {
            let names: Vec<String> = cmd
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            let sub = cmd.find_subcommand(name).cloned().ok_or_else(|| {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                let hint = racesim::suggest::hint(name, &names, |all| {
                    format!("; the commands are {}", all.join(", "))
                });
                Error::Usage(format!("racesim has no command `{name}`{hint}"))
            })?;
            // after build(), a subcommand's display name is `racesim-NAME`
            sub
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .source(format!("racesim {}", env!("CARGO_PKG_VERSION")))
        .manual("racesim manual")
        .render(&mut out)
        .map_err(|e| Error::Internal(format!("cannot render the manual page: {e}")))?;
    Ok(out)
}

/// Prints the page on standard output.
pub(crate) fn man(a: &ManArgs) -> Result<(), Error> {
    let text = page(a.command.as_deref())?;
    super::write_stdout(&text, "the manual page")
}
