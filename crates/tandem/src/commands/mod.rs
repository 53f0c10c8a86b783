//! One module per subcommand. Each exposes `run(...) -> anyhow::Result<ExitCode>`.

pub(crate) mod config;
pub(crate) mod convert;
pub(crate) mod demo;
pub(crate) mod doctor;
pub(crate) mod init;
pub(crate) mod rotate;
pub(crate) mod sim;
pub(crate) mod sim_config;
pub(crate) mod token;
