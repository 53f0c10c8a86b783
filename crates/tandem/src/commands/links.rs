//! `tandem links`: the pairs tandem keeps in step.

use std::io::Write;
use std::process::ExitCode;

use tandem_config::Env;
use tandem_store::Store;

use super::config::load;
use super::status::{runtime, when};
use super::sync::profiles;
use crate::wiring;

/// Arguments of `tandem links`: those of `tandem status`.
pub(crate) use super::status::StatusArgs as LinksArgs;

pub(crate) fn run(args: &LinksArgs) -> anyhow::Result<ExitCode> {
    let env = Env::from_process();
    let config = load(&args.file, &env)?.config;
    let targets = profiles(&config, args.profile.as_deref())?;
    let mut out = std::io::stdout().lock();
    runtime()?.block_on(async {
        let store = wiring::open_store(&config, &env).await?;
        let mut all = Vec::new();
        for p in &targets {
            let links = store.links(&p.name).await?;
            if args.json {
                all.extend(links);
                continue;
            }
            writeln!(out, "profile {}: {} pair(s)", p.name, links.len())?;
            for l in links {
                writeln!(
                    out,
                    "  {:<14} <-> ado:{:<8} linked {}",
                    format!(
                        "jira:{}",
                        l.link.jira_key.as_deref().unwrap_or(&l.link.jira_id)
                    ),
                    l.link.ado_id,
                    when(l.created)
                )?;
            }
        }
        if args.json {
            writeln!(out, "{}", serde_json::to_string(&all)?)?;
        }
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
