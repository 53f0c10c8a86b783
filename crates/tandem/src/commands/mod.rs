//! One module per subcommand. Each exposes `run(...) -> anyhow::Result<ExitCode>`.

pub(crate) mod demo;
pub(crate) mod sim;
