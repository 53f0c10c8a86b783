use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::Cli;

pub(crate) fn run() -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "tandem {}: the demo grows with the product.",
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(out)?;
    write!(out, "{}", Cli::command().render_long_help())?;
    Ok(ExitCode::SUCCESS)
}
