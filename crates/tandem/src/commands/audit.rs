//! `tandem audit ITEM`: what tandem did to an item, when, from which side, through which API
//! call, and why it parked it.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use tandem_config::Env;
use tandem_core::{FieldValue, ItemRef, Side};
use tandem_store::Store;

use super::config::{ConfigFileArgs, load};
use super::status::{runtime, when};
use super::sync::profiles;
use crate::wiring;

/// Arguments of `tandem audit`.
#[derive(Debug, clap::Args)]
pub(crate) struct AuditArgs {
    #[command(flatten)]
    file: ConfigFileArgs,
    /// The item: a Jira key (`DEMO-12`) or `jira:ID`, an Azure DevOps id (`42`) or `ado:42`.
    item: String,
    /// The profile (default: every profile).
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// JSON on stdout.
    #[arg(long)]
    json: bool,
}

fn show(v: Option<&FieldValue>) -> String {
    v.map_or_else(|| "(empty)".to_owned(), ToString::to_string)
}

/// Parses the item argument; a Jira key is resolved to the issue id through the links and
/// parked items of the profile.
async fn item<S: Store>(store: &S, profile: &str, arg: &str) -> anyhow::Result<Option<ItemRef>> {
    let arg = arg.trim();
    if let Some(id) = arg.strip_prefix("ado:") {
        return Ok(Some(ItemRef::new(Side::Ado, id)));
    }
    if arg.chars().all(|c| c.is_ascii_digit()) {
        return Ok(Some(ItemRef::new(Side::Ado, arg)));
    }
    let key = arg.strip_prefix("jira:").unwrap_or(arg);
    if key.chars().all(|c| c.is_ascii_digit()) {
        return Ok(Some(ItemRef::new(Side::Jira, key)));
    }
    let found = store
        .links(profile)
        .await?
        .into_iter()
        .find(|l| {
            l.link
                .jira_key
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case(key))
        })
        .map(|l| l.link.item(Side::Jira));
    if found.is_some() {
        return Ok(found);
    }
    Ok(store
        .parked(profile)
        .await?
        .into_iter()
        .find(|p| {
            p.item
                .key
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case(key))
        })
        .map(|p| p.item))
}

pub(crate) fn run(args: &AuditArgs) -> anyhow::Result<ExitCode> {
    let env = Env::from_process();
    let config = load(&args.file, &env)?.config;
    let targets = profiles(&config, args.profile.as_deref())?;
    let mut out = std::io::stdout().lock();
    let mut any = false;
    runtime()?.block_on(async {
        let store = wiring::open_store(&config, &env).await?;
        let mut all = Vec::new();
        for p in &targets {
            let Some(item) = item(&store, &p.name, &args.item).await? else {
                continue;
            };
            let entries = store.audit(&p.name, &item).await?;
            if entries.is_empty() {
                continue;
            }
            any = true;
            if args.json {
                all.extend(entries);
                continue;
            }
            writeln!(
                out,
                "profile {}: {} ({} entries)",
                p.name,
                item,
                entries.len()
            )?;
            for e in entries {
                let a = &e.entry;
                writeln!(
                    out,
                    "  {}  {:<12} {:<7} {}{}",
                    when(a.at),
                    serde_json::to_value(a.action)?.as_str().unwrap_or_default(),
                    serde_json::to_value(a.outcome)?
                        .as_str()
                        .unwrap_or_default(),
                    a.item,
                    a.source.map(|s| format!(" (from {s})")).unwrap_or_default(),
                )?;
                for c in &a.changes {
                    writeln!(
                        out,
                        "      {}: {} -> {}",
                        c.field,
                        show(c.old.as_ref()),
                        show(c.new.as_ref())
                    )?;
                }
                if let Some(call) = &a.api_call {
                    writeln!(out, "      call: {call}")?;
                }
                if let Some(m) = &a.message {
                    writeln!(out, "      {m}")?;
                }
            }
        }
        if args.json {
            writeln!(out, "{}", serde_json::to_string(&all)?)?;
        }
        anyhow::Ok(())
    })?;
    if !any && !args.json {
        return Err(anyhow::anyhow!(
            "tandem has no record of {:?}: give a Jira key (DEMO-12) or an Azure DevOps id (42) of an item a pass has seen",
            args.item
        ))
        .context("tandem audit");
    }
    Ok(ExitCode::SUCCESS)
}
