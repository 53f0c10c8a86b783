//! Crash safety: a pass stopped after each write step (as if the process died there) is
//! followed by passes that converge with no duplicate and no lost update.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tandem_core::ConflictPolicy;
use tandem_engine::{EngineError, FailAt, FaultPoint, ItemOutcome, Mode};
use tandem_store::Store;

use crate::harness::Harness;

struct Scene {
    h: Harness,
    j1: u64,
    j2: u64,
    new_jira: u64,
    new_ado: u64,
}

/// A synced profile, then: a new issue on each side (creates, one needing Jira transitions),
/// a Jira edit (an update) and a title edited on both sides (a conflict, manual policy).
async fn scene() -> Scene {
    let mut h = Harness::new().await;
    h.policy(ConflictPolicy::Manual);
    let s = h.seed();
    h.pass().await;
    let a2 = h.ado_of(s.j2).await;
    let new_jira = h.jira.add(
        "Bug",
        "In Progress",
        json!({"summary": "New in Jira", "priority": {"name": "Low"}}),
    );
    let new_ado = h
        .ado
        .add("Bug", "Closed", json!({"System.Title": "New in ADO"}));
    h.jira.edit(s.j1, json!({"summary": "Edited in Jira"}));
    h.jira.edit(s.j2, json!({"summary": "J says"}));
    h.ado.edit(a2, json!({"System.Title": "A says"}));
    Scene {
        h,
        j1: s.j1,
        j2: s.j2,
        new_jira,
        new_ado,
    }
}

async fn check(sc: &Scene, point: FaultPoint) {
    let h = &sc.h;
    // The second pass may still write (it finishes what the crash left); the one after
    // must not.
    let passes = h.settle().await;
    assert!(passes <= 2, "{point}: {passes} passes to settle");
    assert_eq!(
        h.jira.count(),
        6,
        "{point}: no duplicate on Jira: {:#?}",
        h.jira.items()
    );
    assert_eq!(
        h.ado.count(),
        6,
        "{point}: no duplicate on ADO: {:#?}",
        h.ado.items()
    );
    assert_eq!(h.store.links("test").await.unwrap().len(), 6, "{point}");
    assert!(
        h.store.open_intents("test").await.unwrap().is_empty(),
        "{point}"
    );
    // No lost update.
    let a1 = h.ado_of(sc.j1).await;
    assert_eq!(
        h.ado.item(a1).fields["System.Title"],
        "Edited in Jira",
        "{point}"
    );
    let a_new = h.ado_of(sc.new_jira).await;
    assert_eq!(h.ado.item(a_new).state, "Active", "{point}");
    assert_eq!(
        h.ado.item(a_new).fields["Microsoft.VSTS.Common.Priority"],
        4,
        "{point}"
    );
    let j_new = h.jira_of(sc.new_ado).await;
    assert_eq!(h.jira.item(j_new).state, "Done", "{point}");
    assert_eq!(
        h.jira.item(j_new).fields["summary"],
        "New in ADO",
        "{point}"
    );
    // The conflict is parked once and nothing was written for it.
    let conflicts = h.store.conflicts("test", None).await.unwrap();
    assert_eq!(conflicts.len(), 1, "{point}: {conflicts:#?}");
    assert_eq!(h.jira.item(sc.j2).fields["summary"], "J says", "{point}");
    h.assert_converged_except_conflicts().await;
}

impl Harness {
    async fn assert_converged_except_conflicts(&self) {
        let links = self.store.links("test").await.unwrap();
        for l in links {
            let j = self.jira.item(l.link.jira_id.parse().unwrap());
            let a = self.ado.item(l.link.ado_id.parse().unwrap());
            if j.fields.get("summary").and_then(|v| v.as_str()) == Some("J says") {
                continue;
            }
            assert_eq!(
                j.fields.get("summary"),
                a.fields.get("System.Title"),
                "{l:?}"
            );
        }
    }
}

#[tokio::test]
async fn every_write_step_recovers_without_duplicates_or_lost_updates() {
    for point in FaultPoint::ALL {
        for nth in [1, 2] {
            let sc = scene().await;
            let engine = sc.h.engine_with(Arc::new(FailAt::new(point, nth)));
            match engine.pass(Mode::Apply).await {
                Err(EngineError::Injected(p)) => assert_eq!(p, point),
                Ok(r) if nth > 1 => {
                    // The step is reached only once in this scene: nothing to prove twice.
                    assert_eq!(r.counts.errors, 0);
                    continue;
                }
                other => panic!("{point}: the fault did not fire: {other:?}"),
            }
            check(&sc, point).await;
        }
    }
}

#[tokio::test]
async fn a_recent_intent_without_its_marker_waits_instead_of_risking_a_duplicate() {
    let mut sc = scene().await;
    sc.h.settings.options.intent_grace = Duration::from_secs(600);
    let engine =
        sc.h.engine_with(Arc::new(FailAt::new(FaultPoint::IntentOpened, 1)));
    assert!(matches!(
        engine.pass(Mode::Apply).await,
        Err(EngineError::Injected(_))
    ));
    let before = sc.h.jira.count() + sc.h.ado.count();
    let r = sc.h.pass().await;
    assert!(
        r.items.iter().any(|i| i.outcome == ItemOutcome::Deferred),
        "{r:#?}"
    );
    assert_eq!(sc.h.store.open_intents("test").await.unwrap().len(), 1);
    // Once the grace has passed, the create happens, under the same marker.
    sc.h.settings.options.intent_grace = Duration::ZERO;
    sc.h.settle().await;
    assert_eq!(
        sc.h.jira.count() + sc.h.ado.count(),
        before + 2,
        "both new items copied once"
    );
    assert!(sc.h.store.open_intents("test").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_create_found_by_its_marker_is_linked_not_repeated() {
    let sc = scene().await;
    let engine =
        sc.h.engine_with(Arc::new(FailAt::new(FaultPoint::RemoteCreated, 1)));
    assert!(matches!(
        engine.pass(Mode::Apply).await,
        Err(EngineError::Injected(_))
    ));
    let intents = sc.h.store.open_intents("test").await.unwrap();
    assert_eq!(intents.len(), 1);
    let target = match intents[0].target {
        tandem_core::Side::Jira => &sc.h.jira,
        tandem_core::Side::Ado => &sc.h.ado,
    };
    assert_eq!(
        target.with_marker(intents[0].id).len(),
        1,
        "made before the crash"
    );
    sc.h.reset();
    sc.h.pass().await;
    assert_eq!(
        sc.h.jira.calls("create") + sc.h.ado.calls("create"),
        1,
        "only the other new item"
    );
    assert_eq!(target.with_marker(intents[0].id).len(), 1, "not made again");
}
