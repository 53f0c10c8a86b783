//! `tandem sync`, `run`, `status`, `links`, `conflicts` and `audit`, driving the real binary
//! against both simulators over real HTTP (issue 9's "done when").

use serde_json::{Value, json};

use crate::sandbox::run;
use crate::world::{World, start};

/// Waits on the test's own thread (no async runtime runs on it).
#[allow(
    clippy::disallowed_methods,
    reason = "a plain test thread, not a runtime worker"
)]
fn pause(ms: u64) {
    std::thread::sleep(std::time::Duration::from_millis(ms));
}

fn by_key<'a>(issues: &'a [Value], key: &str) -> &'a Value {
    issues.iter().find(|i| i["key"] == key).unwrap()
}

#[test]
fn items_created_on_either_side_appear_on_the_other_and_a_second_pass_writes_nothing() {
    let w = start("", &[]);
    let jira_before = w.jira_issues().len();
    let ado_before = w.ado_items().len();
    let report = w.sync_ok();
    assert_eq!(
        usize::try_from(report["counts"]["created"].as_u64().unwrap()).unwrap(),
        jira_before + ado_before,
        "{report:#}"
    );
    w.assert_converged();

    // Mapped fields, both ways: the ADO story "Sign in with the company identity provider"
    // (Active, priority 1, tags sync+demo, assigned to sync-bot, an HTML description).
    let issues = w.jira_issues();
    let story = issues
        .iter()
        .find(|i| i["fields"]["summary"] == "Sign in with the company identity provider")
        .unwrap();
    assert_eq!(story["fields"]["issuetype"]["name"], "Story");
    assert_eq!(story["fields"]["status"]["name"], "In Progress");
    assert_eq!(story["fields"]["priority"]["name"], "Highest");
    assert_eq!(story["fields"]["labels"], json!(["demo", "sync"]));
    assert_eq!(
        story["fields"]["assignee"]["accountId"],
        "712020:5f0c3b0a-1d2e-4f5a-8b9c-0d1e2f3a4b5c"
    );
    let desc = story["fields"]["description"].to_string();
    assert!(
        desc.contains("As a customer I sign in with my company account"),
        "{desc}"
    );
    // ... and a Jira issue on the ADO side.
    let key = issues
        .iter()
        .find(|i| i["properties"].get("tandem.link").is_none())
        .unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let jira = w.jira_issue(&key);
    let ado = w.ado_item(&w.ado_of(&key));
    assert_eq!(ado["fields"]["System.Title"], jira["fields"]["summary"]);
    assert_eq!(ado["fields"]["System.AreaPath"], "Demo\\Web");
    let marker = ado["relations"].to_string();
    assert!(
        marker.contains("urn:tandem:link:"),
        "created with its marker: {marker}"
    );

    // Right after: nothing to write on either side (echoes recognised).
    w.reset_stats();
    let report = w.sync_ok();
    assert_eq!(w.mutating(), (0, 0), "{:#?}", w.stats());
    assert_eq!(report["counts"]["created"], 0);
    assert_eq!(report["counts"]["updated"], 0);
}

#[test]
fn edits_flow_both_ways_and_different_fields_of_one_pair_merge() {
    let w = start("", &[]);
    w.sync_ok();
    let issues = w.jira_issues();
    let key = issues[0]["key"].as_str().unwrap().to_owned();
    let other = issues[1]["key"].as_str().unwrap().to_owned();
    let ado = w.ado_of(&key);
    let ado_other = w.ado_of(&other);
    // Jira edits the title, ADO the priority of the same pair; ADO closes another item.
    w.jira_edit(&key, json!({"summary": "Edited in Jira"}));
    w.ado_edit(&ado, &[("Microsoft.VSTS.Common.Priority", json!(4))]);
    w.ado_edit(&ado_other, &[("System.State", json!("Closed"))]);
    w.reset_stats();
    let report = w.sync_ok();
    assert_eq!(report["counts"]["updated"], 2, "{report:#}");
    assert_eq!(w.ado_item(&ado)["fields"]["System.Title"], "Edited in Jira");
    assert_eq!(w.jira_issue(&key)["fields"]["priority"]["name"], "Low");
    assert_eq!(w.jira_issue(&other)["fields"]["status"]["name"], "Done");
    w.assert_converged();
    w.reset_stats();
    w.sync_ok();
    assert_eq!(w.mutating(), (0, 0));
}

fn conflict_world(policy: &str) -> (World, String, String) {
    let w = start(
        "",
        &[("conflict = \"manual\"", &format!("conflict = \"{policy}\""))],
    );
    w.sync_ok();
    let key = w.jira_issues()[0]["key"].as_str().unwrap().to_owned();
    let ado = w.ado_of(&key);
    w.jira_edit(&key, json!({"summary": "Jira's title"}));
    // ADO edits last.
    pause(5);
    w.ado_edit(&ado, &[("System.Title", json!("ADO's title"))]);
    w.reset_stats();
    (w, key, ado)
}

#[test]
fn the_same_field_edited_on_both_sides_follows_each_conflict_policy() {
    for (policy, want) in [
        ("jira-wins", "Jira's title"),
        ("ado-wins", "ADO's title"),
        ("newest-wins", "ADO's title"),
    ] {
        let (w, key, ado) = conflict_world(policy);
        w.sync_ok();
        assert_eq!(w.jira_issue(&key)["fields"]["summary"], want, "{policy}");
        assert_eq!(w.ado_item(&ado)["fields"]["System.Title"], want, "{policy}");
        let (j, a) = w.mutating();
        assert_eq!(j + a, 1, "{policy}: one side written");
    }
}

#[test]
fn manual_policy_parks_a_conflict_writes_nothing_and_a_resolution_applies() {
    let (w, key, ado) = conflict_world("manual");
    let report = w.sync_ok();
    assert_eq!(report["counts"]["conflicts"], 1, "{report:#}");
    assert_eq!(w.mutating(), (0, 0));
    let listed = run(&mut w.tandem(&["conflicts"]));
    assert!(listed.stdout.contains("field title"), "{}", listed.all());
    assert!(listed.stdout.contains("Jira's title") && listed.stdout.contains("ADO's title"));
    let json = run(&mut w.tandem(&["conflicts", "--json"]));
    let list: Value = serde_json::from_str(json.stdout.trim()).unwrap();
    let id = list[0]["id"].to_string();
    let status = run(&mut w.tandem(&["status"]));
    assert!(status.stdout.contains("1 waiting"), "{}", status.all());

    let resolved = run(&mut w.tandem(&["conflicts", "resolve", &id, "--take", "ado"]));
    assert_eq!(resolved.code, Some(0), "{}", resolved.all());
    w.sync_ok();
    assert_eq!(w.jira_issue(&key)["fields"]["summary"], "ADO's title");
    assert_eq!(w.ado_item(&ado)["fields"]["System.Title"], "ADO's title");
    let after = run(&mut w.tandem(&["conflicts"]));
    assert!(after.stdout.contains("0 conflict(s)"), "{}", after.all());
}

#[test]
fn dry_run_prints_each_field_change_and_conflict_and_writes_nothing() {
    let (w, key, _) = conflict_world("manual");
    let other = w.jira_issues()[1]["key"].as_str().unwrap().to_owned();
    w.jira_edit(&other, json!({"summary": "Renamed"}));
    w.reset_stats();
    let r = run(&mut w.tandem(&["sync", "--once", "--dry-run"]));
    assert_eq!(r.code, Some(0), "{}", r.all());
    assert_eq!(w.mutating(), (0, 0));
    assert!(
        r.stdout.contains("title: \"") && r.stdout.contains("-> \"Renamed\""),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(&format!("jira:{key}")), "{}", r.stdout);
    assert!(r.stdout.contains("conflict on title"), "{}", r.stdout);
    assert!(r.stdout.contains("nothing was written"));
    // The real pass does what the dry run said.
    w.sync_ok();
    assert_eq!(w.mutating(), (0, 1));
}

#[test]
fn bad_data_parks_the_item_with_an_audit_entry_and_the_pass_goes_on() {
    let w = start(
        "",
        &[("unmapped_users = \"skip\"", "unmapped_users = \"error\"")],
    );
    // Jamie exists only in Azure DevOps; "Removed" has no Jira status; Carol (a Jira portal
    // customer) is unknown to Azure DevOps, which refuses her.
    let jamie = w.ado_create(
        "Bug",
        &[
            ("System.Title", json!("Jamie's bug")),
            ("System.AssignedTo", json!("jamie@example.com")),
        ],
    );
    let removed = w.ado_create("Task", &[("System.Title", json!("Dropped"))]);
    w.ado_edit(&removed, &[("System.State", json!("Removed"))]);
    let carol = w.jira_create(
        "Bug",
        "Carol's bug",
        json!({"assignee": {"accountId": "qm:5a1c0f2e-1111-4222-8333-944455556666"}}),
    );
    let (r, report) = w.sync();
    assert_eq!(report["outcome"], "completed", "{}", r.all());
    // The demo data has more people without a counterpart than ours; all of them park.
    let parked = report["counts"]["parked"].as_u64().unwrap();
    assert!(parked >= 3, "{report:#}");
    let status = run(&mut w.tandem(&["status"]));
    assert!(
        status
            .stdout
            .contains(&format!("parked:     {parked} item(s)")),
        "{}",
        status.all()
    );
    assert!(
        status.stdout.contains("Azure DevOps state \"Removed\""),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("jamie@example.com"),
        "{}",
        status.stdout
    );
    for (item, want) in [
        (format!("ado:{jamie}"), "has no counterpart on Jira"),
        (
            format!("ado:{removed}"),
            "add a pair for it to the state map",
        ),
        (carol.clone(), "unknown identity"),
    ] {
        let a = run(&mut w.tandem(&["audit", &item]));
        assert_eq!(a.code, Some(0), "{}", a.all());
        assert!(
            a.stdout.contains("park") && a.stdout.contains(want),
            "{item}: {}",
            a.stdout
        );
    }
    // Everything else went through, and Carol's bug exists in ADO without the assignee.
    let ado = w.ado_item(&w.ado_of(&carol));
    assert!(ado["fields"].get("System.AssignedTo").is_none(), "{ado:#}");
    assert_eq!(w.linked().len(), w.jira_issues().len());
    // Fixing the data lets the item through on the next pass.
    w.ado_edit(&jamie, &[("System.AssignedTo", json!("bob@example.com"))]);
    let report = w.sync_ok();
    assert_eq!(
        report["counts"]["parked"].as_u64().unwrap(),
        parked - 1,
        "{report:#}"
    );
    let key = w.jira_of(&jamie);
    assert_eq!(
        w.jira_issue(&key)["fields"]["assignee"]["accountId"],
        "712020:b0b00000-0000-4000-8000-000000000002"
    );
}

#[test]
fn under_429s_latency_and_5xx_the_run_completes_and_converges() {
    let w = start(
        r#"
[jira]
extends = "demo"
[jira.faults]
latency_ms = 20
jitter_ms = 20
error_rate = 0.08
error_status = 503
error_retry_after = 1
[jira.rate_limits]
get_per_sec = 8
post_per_sec = 4
put_per_sec = 4

[ado]
extends = "demo"
[ado.faults]
latency_ms = 20
jitter_ms = 20
error_rate = 0.08
error_status = 503
[ado.rate_limit]
limit = 3
block_at = 4
window_seconds = 2
max_delay_ms = 300
"#,
        &[],
    );
    // Transient failures the connectors could not absorb leave items for the next pass (the
    // cursor waits for them); a few passes converge.
    for _ in 0..6 {
        let (r, report) = w.sync();
        assert_ne!(report["outcome"], "failed", "{}", r.all());
        if report["counts"]["errors"] == 0
            && report["counts"]["created"] == 0
            && report["counts"]["updated"] == 0
        {
            break;
        }
    }
    w.jira.server().common().set_faults(Default::default());
    w.ado.server().common().set_faults(Default::default());
    w.assert_converged();
    let (j, a) = w.stats();
    assert!(
        j.by_status.contains_key("503") || a.by_status.contains_key("503"),
        "faults were injected: {j:?} {a:?}"
    );
    assert!(
        j.by_status.contains_key("429") || a.by_status.contains_key("429"),
        "rate limits were hit: {j:?} {a:?}"
    );
}

/// For every write step: a pass killed right after it (`TANDEM_TEST_FAULT`, the process
/// exits there), then passes that must converge with no duplicate and no lost update.
#[test]
fn a_crash_after_each_write_step_converges_with_no_duplicate_and_no_lost_update() {
    let points = [
        "intent-opened",
        "remote-created",
        "link-recorded",
        "remote-updated",
        "state-changed",
        "baselines-recorded",
        "conflict-parked",
    ];
    for point in points {
        let w = start("", &[]);
        w.sync_ok();
        let issues = w.jira_issues();
        let edited = issues[0]["key"].as_str().unwrap().to_owned();
        let contested = issues[1]["key"].as_str().unwrap().to_owned();
        let contested_ado = w.ado_of(&contested);
        // Two new items (the ADO one Closed: its Jira copy needs two transitions), an edit,
        // and a conflict.
        w.jira_create("Bug", "New in Jira", json!({}));
        w.ado_create(
            "Bug",
            &[
                ("System.Title", json!("New in ADO")),
                ("System.State", json!("Closed")),
            ],
        );
        w.jira_edit(&edited, json!({"summary": "Edited in Jira"}));
        w.jira_edit(&contested, json!({"summary": "J says"}));
        w.ado_edit(&contested_ado, &[("System.Title", json!("A says"))]);

        let crashed = run(w
            .tandem(&["sync", "--once"])
            .env("TANDEM_TEST_FAULT", point));
        assert_eq!(crashed.code, Some(75), "{point}: {}", crashed.all());
        assert!(crashed.stderr.contains(point), "{point}: {}", crashed.all());

        // The next runs finish what the crash left; then a run has nothing to write.
        w.sync_ok();
        w.sync_ok();
        w.reset_stats();
        w.sync_ok();
        assert_eq!(w.mutating(), (0, 0), "{point}: {:#?}", w.stats());

        let jira = w.jira_issues();
        let ado = w.ado_items();
        let count_j = |t: &str| jira.iter().filter(|i| i["fields"]["summary"] == t).count();
        let count_a = |t: &str| {
            ado.iter()
                .filter(|i| i["fields"]["System.Title"] == t)
                .count()
        };
        assert_eq!(
            (count_j("New in Jira"), count_a("New in Jira")),
            (1, 1),
            "{point}"
        );
        assert_eq!(
            (count_j("New in ADO"), count_a("New in ADO")),
            (1, 1),
            "{point}"
        );
        let copy = jira
            .iter()
            .find(|i| i["fields"]["summary"] == "New in ADO")
            .unwrap();
        assert_eq!(copy["fields"]["status"]["name"], "Done", "{point}");
        assert_eq!(
            w.ado_item(&w.ado_of(&edited))["fields"]["System.Title"],
            "Edited in Jira",
            "{point}: no lost update"
        );
        // The conflict is parked (once) and nothing was written for it.
        assert_eq!(
            by_key(&jira, &contested)["fields"]["summary"],
            "J says",
            "{point}"
        );
        assert_eq!(
            w.ado_item(&contested_ado)["fields"]["System.Title"],
            "A says",
            "{point}"
        );
        let c = run(&mut w.tandem(&["conflicts", "--json"]));
        let list: Value = serde_json::from_str(c.stdout.trim()).unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1, "{point}: {list:#}");
        assert_eq!(w.linked().len(), jira.len(), "{point}");
        assert_eq!(w.linked().len(), ado.len(), "{point}");
    }
}

#[test]
fn run_syncs_at_an_interval_and_stops_cleanly_on_sigterm() {
    let w = start("", &[]);
    let child = w
        .tandem(&["run", "--interval", "1"])
        .env("TANDEM_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first pass to link everything.
    let total = w.jira_issues().len() + w.ado_items().len();
    let mut linked = 0;
    for _ in 0..100 {
        pause(100);
        linked = w.linked().len();
        if linked == total {
            break;
        }
    }
    assert_eq!(linked, total);
    // An edit is picked up by a later pass.
    let key = w.jira_issues()[0]["key"].as_str().unwrap().to_owned();
    let ado = w.ado_of(&key);
    w.jira_edit(&key, json!({"summary": "While running"}));
    let mut seen = false;
    for _ in 0..60 {
        pause(100);
        if w.ado_item(&ado)["fields"]["System.Title"] == "While running" {
            seen = true;
            break;
        }
    }
    assert!(seen, "the daemon synced the edit");
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("stopped"));
    // With a 1 s interval the signal may land during a pass: that pass finishes its items
    // in flight and is recorded as interrupted; either way nothing failed.
    let status = run(&mut w.tandem(&["status"]));
    assert!(
        (status.stdout.contains("last pass:  completed")
            || status.stdout.contains("last pass:  interrupted"))
            && status.stdout.contains(" 0 failed"),
        "{}",
        status.all()
    );
}

#[test]
fn scope_filters_limit_what_is_synced() {
    let w = start(
        "",
        &[
            (
                "project = \"DEMO\"\n",
                "project = \"DEMO\"\njql = \"labels = sync\"\n",
            ),
            (
                "area_path = 'Demo\\Web'\n",
                "area_path = 'Demo\\Web'\nwiql = \"[System.Tags] CONTAINS 'sync'\"\n",
            ),
        ],
    );
    let tagged = w.jira_create("Task", "In scope", json!({"labels": ["sync"]}));
    let untagged = w.jira_create("Task", "Out of scope", json!({"labels": ["other"]}));
    let in_jira = w
        .jira_issues()
        .iter()
        .filter(|i| {
            i["fields"]["labels"]
                .as_array()
                .is_some_and(|l| l.contains(&json!("sync")))
        })
        .count();
    let in_ado = w
        .ado_items()
        .iter()
        .filter(|i| {
            i["fields"]["System.Tags"]
                .as_str()
                .is_some_and(|t| t.split("; ").any(|x| x == "sync"))
        })
        .count();
    w.sync_ok();
    let links = w.linked();
    assert_eq!(links.len(), in_jira + in_ado, "{links:?}");
    assert!(links.iter().any(|(k, _)| *k == tagged));
    assert!(!links.iter().any(|(k, _)| *k == untagged));
}

#[test]
fn jira_data_center_syncs_with_wiki_markup_and_user_names() {
    let w = start(
        "[jira]\nextends = \"datacenter\"\n",
        &[
            ("mode = \"cloud\"", "mode = \"datacenter\""),
            ("auth = \"cloud-api-token\"", "auth = \"dc-pat\""),
            ("user = \"sync-bot@example.com\"", "user = \"sync-bot\""),
            ("712020:5f0c3b0a-1d2e-4f5a-8b9c-0d1e2f3a4b5c", "sync-bot"),
            ("712020:a11ce000-0000-4000-8000-000000000001", "alice"),
            ("712020:b0b00000-0000-4000-8000-000000000002", "bob"),
        ],
    );
    let (s, v) = w.jira_call(
        "GET",
        "/rest/api/2/search?jql=project%20%3D%20DEMO&maxResults=0",
        None,
    );
    assert_eq!(s, 200, "{v}");
    let jira_total = usize::try_from(v["total"].as_u64().unwrap()).unwrap();
    let ado_total = w.ado_items().len();
    let report = w.sync_ok();
    assert_eq!(report["counts"]["parked"], 0, "{report:#}");
    assert_eq!(w.linked().len(), jira_total + ado_total);
    // The ADO story's HTML description arrives as wiki markup, its assignee by user name.
    let story = w
        .ado_items()
        .into_iter()
        .find(|i| i["fields"]["System.Title"] == "Sign in with the company identity provider")
        .unwrap();
    let key = w.jira_of(&story["id"].to_string());
    let (s, issue) = w.jira_call("GET", &format!("/rest/api/2/issue/{key}"), None);
    assert_eq!(s, 200, "{issue}");
    let desc = issue["fields"]["description"].as_str().unwrap();
    assert!(
        desc.contains("As a customer I sign in with my company account"),
        "{desc}"
    );
    assert_eq!(issue["fields"]["assignee"]["name"], "sync-bot");
    assert_eq!(issue["fields"]["status"]["name"], "In Progress");
    w.reset_stats();
    w.sync_ok();
    assert_eq!(w.mutating(), (0, 0));
}
