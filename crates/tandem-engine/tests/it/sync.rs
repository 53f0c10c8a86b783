//! Passes over two fakes: creation both ways, edits, merges, conflicts, guards, pacing and
//! bad data.

use serde_json::json;
use tandem_core::{ConflictPolicy, ItemRef, Side};
use tandem_engine::{ItemOutcome, Mode};
use tandem_store::{AuditAction, ConflictStatus, Outcome, PassOutcome, Store};

use crate::fake::Fail;
use crate::harness::Harness;

#[tokio::test]
async fn items_created_on_either_side_appear_on_the_other_with_mapped_fields() {
    let h = Harness::new().await;
    let s = h.seed();
    let r = h.pass().await;
    assert_eq!(r.outcome, PassOutcome::Completed, "{r:#?}");
    assert_eq!(r.counts.created, 4, "{r:#?}");

    let a = h.ado.item(h.ado_of(s.j1).await);
    assert_eq!(a.item_type, "Bug");
    assert_eq!(a.fields["System.Title"], "Login fails");
    assert_eq!(a.fields["Microsoft.VSTS.Common.Priority"], 2);
    assert_eq!(a.fields["System.Tags"], "ui");
    assert_eq!(
        a.fields["System.AssignedTo"]["uniqueName"],
        "ann@example.com"
    );
    assert_eq!(a.state, "Active", "created in its mapped state");
    assert_eq!(a.rich["System.Description"], "<p>Steps to reproduce</p>");
    assert!(a.marker.is_some(), "created with its intent marker");

    let j = h.jira.item(h.jira_of(s.a1).await);
    assert_eq!(j.item_type, "Bug");
    assert_eq!(j.fields["summary"], "Crash on save");
    assert_eq!(j.fields["priority"], json!({"name": "Highest"}));
    assert_eq!(j.fields["labels"], json!(["backend", "p1"]));
    assert_eq!(j.fields["assignee"]["accountId"], "acc-bob");
    assert_eq!(
        j.state, "Done",
        "To Do -> In Progress -> Done: two transitions"
    );
    let story = h.jira.item(h.jira_of(s.a2).await);
    assert_eq!(
        (story.item_type.as_str(), story.state.as_str()),
        ("Story", "In Progress")
    );
    h.assert_converged().await;

    // The audit trail tells what happened to an item, and through which call.
    let trail = h
        .store
        .audit("test", &ItemRef::new(Side::Ado, s.a1.to_string()))
        .await
        .unwrap();
    let actions: Vec<AuditAction> = trail.iter().map(|e| e.entry.action).collect();
    assert!(
        actions.starts_with(&[AuditAction::Create, AuditAction::Link]),
        "{actions:?}"
    );
    assert!(actions.contains(&AuditAction::StateChange), "{actions:?}");
    assert_eq!(
        trail[0].entry.api_call.as_deref(),
        Some("POST /rest/api/3/issue")
    );
}

#[tokio::test]
async fn a_second_pass_right_after_writes_nothing() {
    let h = Harness::new().await;
    h.seed();
    h.pass().await;
    h.reset();
    let r = h.pass().await;
    assert_eq!(h.writes(), 0, "{r:#?}");
    assert_eq!(h.jira.calls("create") + h.ado.calls("create"), 0);
    // The items tandem wrote come back in the feeds and are recognised as its own.
    assert_eq!(r.counts.updated + r.counts.created, 0, "{r:#?}");
    assert!(r.items.is_empty(), "{r:#?}");
}

#[tokio::test]
async fn edits_flow_both_ways_and_different_fields_merge() {
    let h = Harness::new().await;
    let s = h.seed();
    h.pass().await;
    let a1 = h.ado_of(s.j1).await;
    // Jira edits the title, ADO the priority of the same pair.
    h.jira
        .edit(s.j1, json!({"summary": "Login fails on Safari"}));
    h.ado.edit(a1, json!({"Microsoft.VSTS.Common.Priority": 4}));
    // And the other pair moves state in ADO.
    let j_of_a2 = h.jira_of(s.a2).await;
    h.ado.set_state(s.a2, "Closed");
    h.reset();
    let r = h.pass().await;
    assert_eq!(r.counts.updated, 2, "{r:#?}");
    assert_eq!(
        h.ado.item(a1).fields["System.Title"],
        "Login fails on Safari"
    );
    assert_eq!(h.jira.item(s.j1).fields["priority"], json!({"name": "Low"}));
    assert_eq!(h.jira.item(j_of_a2).state, "Done");
    // One write per item and side: Jira edit, ADO patch, one Jira transition.
    assert_eq!(h.ado.calls("update"), 1);
    assert_eq!(h.jira.calls("update"), 1);
    assert_eq!(h.jira.calls("transition"), 1);
    assert_eq!(h.settle().await, 1);
    h.assert_converged().await;
}

async fn both_edit_title(policy: ConflictPolicy) -> (Harness, u64, u64) {
    let mut h = Harness::new().await;
    h.policy(policy);
    let s = h.seed();
    h.pass().await;
    let a1 = h.ado_of(s.j1).await;
    h.jira.edit(s.j1, json!({"summary": "From Jira"}));
    h.ado.edit(a1, json!({"System.Title": "From ADO"}));
    h.reset();
    (h, s.j1, a1)
}

#[tokio::test]
async fn the_same_field_edited_on_both_sides_follows_each_policy() {
    for (policy, want) in [
        (ConflictPolicy::JiraWins, "From Jira"),
        (ConflictPolicy::AdoWins, "From ADO"),
        // ADO was edited last.
        (ConflictPolicy::NewestWins, "From ADO"),
    ] {
        let (h, j1, a1) = both_edit_title(policy).await;
        let r = h.pass().await;
        assert_eq!(h.jira.item(j1).fields["summary"], want, "{policy}: {r:#?}");
        assert_eq!(h.ado.item(a1).fields["System.Title"], want, "{policy}");
        assert_eq!(h.writes(), 1, "{policy}: one side written");
        assert_eq!(h.settle().await, 1, "{policy}");
    }
}

#[tokio::test]
async fn manual_policy_parks_a_conflict_writes_nothing_and_applies_a_resolution() {
    let (h, j1, a1) = both_edit_title(ConflictPolicy::Manual).await;
    let r = h.pass().await;
    assert_eq!(h.writes(), 0, "{r:#?}");
    assert_eq!(r.counts.conflicts, 1);
    let conflicts = h
        .store
        .conflicts("test", Some(ConflictStatus::Open))
        .await
        .unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].field, "title");
    // Parked again on the next pass: still nothing written, still one record.
    h.reset();
    h.pass().await;
    assert_eq!(h.writes(), 0);
    assert_eq!(h.store.conflicts("test", None).await.unwrap().len(), 1);
    let trail = h
        .store
        .audit("test", &ItemRef::new(Side::Jira, j1.to_string()))
        .await
        .unwrap();
    assert_eq!(
        trail
            .iter()
            .filter(|e| e.entry.action == AuditAction::Conflict)
            .count(),
        1,
        "one audit entry per conflict, not per pass"
    );

    // A person takes ADO's side; the next pass applies it, though neither item changed.
    h.store
        .choose_conflict(conflicts[0].id, Side::Ado, tandem_core::EpochMs(1))
        .await
        .unwrap();
    h.reset();
    h.pass().await;
    assert_eq!(h.jira.item(j1).fields["summary"], "From ADO");
    assert_eq!(h.ado.item(a1).fields["System.Title"], "From ADO");
    let after = h.store.conflicts("test", None).await.unwrap();
    assert_eq!(after[0].status, ConflictStatus::Resolved);
    assert_eq!(h.settle().await, 1);
}

#[tokio::test]
async fn dry_run_prints_the_plan_and_writes_nothing() {
    let h = Harness::new().await;
    let s = h.seed();
    let dry = h.engine().pass(Mode::DryRun).await.unwrap();
    assert_eq!(h.writes(), 0);
    assert!(h.store.links("test").await.unwrap().is_empty());
    assert!(
        h.store.last_pass("test").await.unwrap().is_none(),
        "no pass recorded"
    );
    let lines: Vec<String> = dry
        .items
        .iter()
        .flat_map(|i| &i.ops)
        .map(ToString::to_string)
        .collect();
    assert!(
        lines.iter().any(
            |l| l.starts_with(&format!("create ado \"Bug\" from jira:DEMO-{}", s.j1))
                && l.contains("title: (empty) -> \"Login fails\"")
        ),
        "{lines:#?}"
    );
    assert_eq!(dry.items.len(), 4);
    assert!(dry.items.iter().all(|i| i.outcome == ItemOutcome::Planned));

    // After a real pass, an edit shows in a dry run as the field change it is.
    h.pass().await;
    h.jira.edit(s.j1, json!({"summary": "New title"}));
    h.reset();
    let dry = h.engine().pass(Mode::DryRun).await.unwrap();
    assert_eq!(h.writes(), 0);
    let lines: Vec<String> = dry
        .items
        .iter()
        .flat_map(|i| &i.ops)
        .map(ToString::to_string)
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("title: \"Login fails\" -> \"New title\"")),
        "{lines:#?}"
    );
    // The real pass does exactly what the dry run said.
    let real = h.pass().await;
    assert_eq!(
        usize::try_from(h.writes()).unwrap(),
        dry.planned_writes(),
        "{real:#?}"
    );
}

#[tokio::test]
async fn a_stale_revision_rereads_and_replans_without_losing_the_concurrent_edit() {
    let h = Harness::new().await;
    let s = h.seed();
    h.pass().await;
    let a1 = h.ado_of(s.j1).await;
    h.jira.edit(s.j1, json!({"summary": "Jira title"}));
    // Someone edits the ADO item's priority between tandem's read and its write.
    let mut fired = false;
    h.ado.world.lock().before_write = Some(crate::fake::BeforeWrite(Box::new(move |item| {
        if !fired {
            fired = true;
            item.fields
                .insert("Microsoft.VSTS.Common.Priority".into(), json!(1));
            item.rev += 1;
        }
    })));
    h.reset();
    let r = h.pass().await;
    assert_eq!(r.counts.errors, 0, "{r:#?}");
    assert_eq!(h.ado.calls("update"), 2, "stale once, then written");
    assert_eq!(h.ado.item(a1).fields["System.Title"], "Jira title");
    assert_eq!(
        h.ado.item(a1).fields["Microsoft.VSTS.Common.Priority"],
        1,
        "kept"
    );
    h.ado.world.lock().before_write = None;
    h.settle().await;
    assert_eq!(
        h.jira.item(s.j1).fields["priority"],
        json!({"name": "Highest"})
    );
}

#[tokio::test]
async fn transient_failures_and_rate_limits_are_retried() {
    let h = Harness::new().await;
    let s = h.seed();
    h.pass().await;
    let a1 = h.ado_of(s.j1).await;
    h.jira.edit(s.j1, json!({"summary": "Retry me"}));
    h.ado.fail_next("update", Fail::Unavailable);
    h.ado.fail_next("update", Fail::RateLimited);
    let r = h.pass().await;
    assert_eq!(r.counts.errors, 0, "{r:#?}");
    assert_eq!(h.ado.item(a1).fields["System.Title"], "Retry me");
}

#[tokio::test]
async fn a_failure_that_persists_holds_the_cursor_and_the_next_pass_applies_it() {
    let h = Harness::new().await;
    let s = h.seed();
    h.pass().await;
    let a1 = h.ado_of(s.j1).await;
    h.jira.edit(s.j1, json!({"summary": "Later"}));
    for _ in 0..3 {
        h.ado.fail_next("update", Fail::Unavailable);
    }
    let r = h.pass().await;
    assert_eq!(r.counts.errors, 1, "{r:#?}");
    assert_ne!(h.ado.item(a1).fields["System.Title"], "Later");
    let r = h.pass().await;
    assert_eq!(r.counts.errors, 0, "{r:#?}");
    assert_eq!(h.ado.item(a1).fields["System.Title"], "Later");
}

#[tokio::test]
async fn a_write_made_before_the_pair_failed_keeps_its_audit_entry() {
    let h = Harness::new().await;
    let s = h.seed();
    h.pass().await;
    let j2 = h.jira_of(s.a2).await;
    // Azure DevOps: a new title and a new state. Jira takes the title, then every
    // transition attempt fails, so the pair ends failed after one write.
    h.ado
        .edit(s.a2, json!({"System.Title": "Dark mode everywhere"}));
    h.ado.set_state(s.a2, "Closed");
    for _ in 0..3 {
        h.jira.fail_next("transition", Fail::Unavailable);
    }
    let r = h.pass().await;
    assert_eq!(r.counts.errors, 1, "{r:#?}");
    assert_eq!(
        h.jira.item(j2).fields["summary"],
        "Dark mode everywhere",
        "the title was written before the failure"
    );
    let trail = h
        .store
        .audit("test", &ItemRef::new(Side::Jira, j2.to_string()))
        .await
        .unwrap();
    assert!(
        trail.iter().any(|e| e.entry.action == AuditAction::Update),
        "{trail:#?}"
    );
    // The next pass finishes the pair.
    let r = h.pass().await;
    assert_eq!(r.counts.errors, 0, "{r:#?}");
    h.assert_converged().await;
}

#[tokio::test]
async fn counterparts_that_cannot_be_read_wait_for_the_next_pass_and_are_not_parked() {
    let h = Harness::new().await;
    let s = h.seed();
    h.pass().await;
    let a1 = h.ado_of(s.j1).await;
    h.jira.edit(s.j1, json!({"summary": "Read me later"}));
    h.ado.fail_next("get_many", Fail::Unavailable);
    let r = h.pass().await;
    assert_eq!(r.outcome, PassOutcome::Completed, "{r:#?}");
    assert_eq!((r.counts.errors, r.counts.parked), (1, 0), "{r:#?}");
    assert!(
        r.errors[0].contains("could not read the linked Azure DevOps items"),
        "{:?}",
        r.errors
    );
    assert_ne!(h.ado.item(a1).fields["System.Title"], "Read me later");
    // The cursor waited: the next pass applies the edit.
    let r = h.pass().await;
    assert_eq!(r.counts.errors, 0, "{r:#?}");
    assert_eq!(h.ado.item(a1).fields["System.Title"], "Read me later");
    h.assert_converged().await;
}

#[tokio::test]
async fn a_change_feed_that_keeps_failing_ends_that_side_for_the_pass_not_the_pass() {
    let h = Harness::new().await;
    h.seed();
    h.jira.fail_next("feed_page", Fail::Unavailable);
    let r = h.pass().await;
    assert_eq!(r.outcome, PassOutcome::Completed, "{r:#?}");
    assert_eq!(r.counts.errors, 1, "{r:#?}");
    assert!(
        r.errors[0].contains("change feed interrupted"),
        "{:?}",
        r.errors
    );
    assert!(r.errors[0].contains("Jira"), "{:?}", r.errors);
    // Azure DevOps's feed still ran: its items were created in Jira.
    assert!(r.counts.created > 0, "{r:#?}");
    let r = h.pass().await;
    assert_eq!(r.counts.errors, 0, "{r:#?}");
    h.assert_converged().await;
}

#[tokio::test]
async fn credentials_refused_fail_the_pass_with_the_cause() {
    let h = Harness::new().await;
    h.seed();
    h.jira.fail_next("identity", Fail::Unauthorized);
    let r = h.pass().await;
    assert_eq!(r.outcome, PassOutcome::Failed);
    assert!(
        r.errors[0].contains("rejected the credentials"),
        "{:?}",
        r.errors
    );
    let last = h.store.last_pass("test").await.unwrap().unwrap();
    assert_eq!(last.summary.unwrap().outcome, PassOutcome::Failed);
}

#[tokio::test]
async fn bad_data_parks_the_item_with_an_audit_entry_and_the_pass_goes_on() {
    let h = Harness::new().await;
    h.seed();
    h.pass().await;
    // An ADO state with no counterpart, a person Jira does not know, and a Jira person ADO
    // refuses (known to the map, unknown to ADO).
    let unknown_state = h.ado.add("Bug", "Removed", json!({"System.Title": "Gone"}));
    let unmapped = h.ado.add(
        "Bug",
        "New",
        json!({"System.Title": "Whose?", "System.AssignedTo": {"uniqueName": "zed@example.com", "displayName": "Zed"}}),
    );
    h.ado.world.lock().users.retain(|u| u != "bob@example.com");
    let refused = h.jira.add(
        "Bug",
        "To Do",
        json!({"summary": "Bob's", "assignee": {"accountId": "acc-bob"}}),
    );
    let fine = h.jira.add("Task", "To Do", json!({"summary": "Fine"}));
    let r = h.pass().await;
    assert_eq!(r.outcome, PassOutcome::Completed, "{r:#?}");
    assert_eq!(r.counts.parked, 3, "{r:#?}");
    let parked = h.store.parked("test").await.unwrap();
    let reasons: Vec<&str> = parked.iter().map(|p| p.reason.as_str()).collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("Azure DevOps state \"Removed\"") && r.contains("add a pair")),
        "{reasons:#?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("zed@example.com") && r.contains("user map")),
        "{reasons:#?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("unknown identity")),
        "{reasons:#?}"
    );
    // The good item went through, and the refused one exists on ADO without its assignee.
    assert!(
        h.store
            .link_for("test", &ItemRef::new(Side::Jira, fine.to_string()))
            .await
            .unwrap()
            .is_some()
    );
    let refused_ado = h.ado_of(refused).await;
    assert!(
        !h.ado
            .item(refused_ado)
            .fields
            .contains_key("System.AssignedTo")
    );
    for id in [unknown_state, unmapped] {
        let trail = h
            .store
            .audit("test", &ItemRef::new(Side::Ado, id.to_string()))
            .await
            .unwrap();
        assert_eq!(trail.len(), 1, "{trail:#?}");
        assert_eq!(
            (trail[0].entry.action, trail[0].entry.outcome),
            (AuditAction::Park, Outcome::Parked)
        );
    }
    // Parking again adds no audit entry; fixing the data lets the item through.
    h.pass().await;
    let trail = h
        .store
        .audit("test", &ItemRef::new(Side::Ado, unmapped.to_string()))
        .await
        .unwrap();
    assert_eq!(trail.len(), 1);
    h.ado.edit(
        unmapped,
        json!({"System.AssignedTo": {"uniqueName": "ann@example.com", "displayName": "Ann"}}),
    );
    h.ado.world.lock().users.push("bob@example.com".into());
    let r = h.pass().await;
    assert_eq!(r.counts.parked, 1, "only the unknown state is left: {r:#?}");
    assert_eq!(h.store.parked("test").await.unwrap().len(), 1);
    assert_eq!(
        h.ado.item(refused_ado).fields["System.AssignedTo"]["uniqueName"],
        "bob@example.com"
    );
}

#[tokio::test]
async fn the_store_records_cursors_and_passes() {
    let h = Harness::new().await;
    h.seed();
    let r = h.pass().await;
    for side in Side::BOTH {
        assert!(
            h.store.cursor("test", side).await.unwrap().is_some(),
            "{side}"
        );
    }
    let status = h.store.status("test").await.unwrap();
    assert_eq!(status.links, 4);
    assert_eq!(status.open_intents, 0);
    let last = status.last_pass.unwrap().summary.unwrap();
    assert_eq!(last.counts.created, r.counts.created);
}

#[tokio::test]
async fn a_stop_request_finishes_the_items_in_flight_and_ends_the_pass_interrupted() {
    let h = Harness::new().await;
    for i in 0..12 {
        h.jira
            .add("Task", "To Do", json!({"summary": format!("t{i}")}));
    }
    let engine = h.engine_stopping_after_first_item();
    let r = engine.pass(Mode::Apply).await.unwrap();
    assert_eq!(r.outcome, PassOutcome::Interrupted);
    let linked = h.store.links("test").await.unwrap().len();
    assert!((1..12).contains(&linked), "{linked}");
    assert_eq!(
        h.ado.count(),
        linked,
        "every create in flight was finished and linked"
    );
    // The next pass picks up the rest.
    h.pass().await;
    assert_eq!(h.store.links("test").await.unwrap().len(), 12);
    assert_eq!(h.ado.count(), 12);
}

#[tokio::test]
async fn an_item_edited_while_the_feed_is_read_does_not_move_the_cursor_past_unread_pages() {
    let h = Harness::new().await;
    let ids: Vec<u64> = (0..7)
        .map(|i| {
            h.jira
                .add("Task", "To Do", json!({"summary": format!("t{i}")}))
        })
        .collect();
    // The first item listed is edited before its page is read: page 1 shows it stamped
    // later than the feed's opening. The pass then stops after page 1.
    h.jira.world.lock().edit_after_listing = Some(ids[0]);
    let engine = h.engine_stopping_after_first_item();
    let r = engine.pass(Mode::Apply).await.unwrap();
    assert_eq!(r.outcome, PassOutcome::Interrupted);
    assert!(h.store.links("test").await.unwrap().len() < 7);
    // The items of the pages not read are still ahead of the cursor.
    h.pass().await;
    assert_eq!(h.store.links("test").await.unwrap().len(), 7);
    assert_eq!(h.ado.count(), 7);
}
