//! How long `plan()` takes for a pass over 10,000 linked pairs (the bench size), with
//! nothing changed and with 1% of the items edited. Run: `cargo bench -p tandem-core`.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "a benchmark prints its figures"
)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tandem_core::{
    ConflictPolicy, Direction, Entry, EpochMs, FieldValue, Item, ItemRef, LinkRef, LinkedPair,
    Mapping, Number, PlanSettings, RichText, Side, StateCategory, StateValue, UserDirectory,
    pair_baselines, plan,
};

const PAIRS: usize = 10_000;

fn pair(m: &Mapping, n: usize) -> LinkedPair {
    let jira_id = (10_000 + n).to_string();
    let ado_id = (n + 1).to_string();
    let text = format!("Item {n}: the login page rejects valid passwords");
    let body =
        RichText::from_plain(&"Steps to reproduce.\n\nExpected and actual results. ".repeat(8));
    let jira = Item::new(
        ItemRef::new(Side::Jira, jira_id.clone()),
        "Story",
        EpochMs(1),
    )
    .with("summary", FieldValue::Text(text.clone()))
    .with("description", FieldValue::RichText(body.clone()))
    .with(
        "status",
        FieldValue::State(StateValue::new(
            "In Progress",
            Some(StateCategory::InProgress),
        )),
    )
    .with("priority", FieldValue::Choice("High".into()))
    .with("labels", FieldValue::labels(["ui", "login"]));
    let ado = Item::new(
        ItemRef::new(Side::Ado, ado_id.clone()),
        "User Story",
        EpochMs(1),
    )
    .with("System.Title", FieldValue::Text(text))
    .with("System.Description", FieldValue::RichText(body))
    .with(
        "System.State",
        FieldValue::State(StateValue::new("Active", Some(StateCategory::InProgress))),
    )
    .with(
        "Microsoft.VSTS.Common.Priority",
        FieldValue::Number(Number::from_int(2)),
    )
    .with("System.Tags", FieldValue::labels(["ui", "login"]));
    LinkedPair {
        link: LinkRef {
            jira_id,
            jira_key: None,
            ado_id,
        },
        baselines: pair_baselines(m, &jira, &ado),
        jira,
        ado,
        resolutions: BTreeMap::new(),
        comments: None,
        relations: None,
    }
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn measure(name: &str, settings: &PlanSettings<'_>, entries: &[Entry]) {
    let mut runs = Vec::new();
    let mut ops = 0;
    for _ in 0..9 {
        let start = Instant::now();
        ops = plan(settings, entries).len();
        runs.push(start.elapsed());
    }
    println!(
        "{name}: {PAIRS} pairs, {ops} ops, median {:?} per plan",
        median(runs)
    );
}

fn main() {
    let m = Mapping::standard();
    let directory = UserDirectory::default();
    let comments = tandem_core::CommentSettings::default();
    let settings = PlanSettings {
        mapping: &m,
        policy: ConflictPolicy::NewestWins,
        direction: Direction::Both,
        directory: &directory,
        comments: &comments,
    };
    let mut entries: Vec<Entry> = (0..PAIRS).map(|n| Entry::Linked(pair(&m, n))).collect();
    measure("unchanged", &settings, &entries);
    for (n, e) in entries.iter_mut().enumerate().filter(|(n, _)| n % 100 == 0) {
        let Entry::Linked(p) = e else { continue };
        p.jira.set(
            "summary",
            Some(FieldValue::Text(format!("Item {n}: renamed"))),
        );
        p.ado.set(
            "System.Tags",
            Some(FieldValue::labels(["ui", "login", "triaged"])),
        );
    }
    measure("1% edited on both sides", &settings, &entries);
}
