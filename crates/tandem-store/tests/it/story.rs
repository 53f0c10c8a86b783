//! The conformance story: one scenario written against the `Store` trait only. Every backend
//! runs it (SQLite here; a PostgreSQL backend calls `story` with its own store). It walks the
//! life of a profile: creates through the intent journal, syncs, conflicts, cursors, audit
//! and passes, checking at each step what must be true for the engine's invariants.

use std::collections::BTreeMap;

use tandem_core::{
    Baseline, Baselines, CommentPair, ConflictNote, EpochMs, FieldValue, ItemRef, LinkRef, Side,
    Sided,
};
use tandem_store::{
    AuditAction, ConflictStatus, CreateRecord, Cursor, FieldChange, IntentState, ItemStamp,
    NewAudit, Outcome, PassCounts, PassOutcome, PassSummary, Store, StoreError, SyncRecord,
};

const P: &str = "web-team";
const OTHER: &str = "ops";

fn jira(id: &str) -> ItemRef {
    ItemRef {
        side: Side::Jira,
        id: id.into(),
        key: Some(format!("WEB-{id}")),
    }
}

fn ado(id: &str) -> ItemRef {
    ItemRef::new(Side::Ado, id)
}

fn text(s: &str) -> Option<FieldValue> {
    Some(FieldValue::Text(s.into()))
}

fn baselines(pairs: &[(&str, &str, &str)]) -> Baselines {
    pairs
        .iter()
        .map(|(f, j, a)| {
            (
                (*f).to_owned(),
                Baseline {
                    jira: text(j),
                    ado: text(a),
                },
            )
        })
        .collect()
}

fn audit(item: ItemRef, action: AuditAction, at: i64) -> NewAudit {
    NewAudit {
        at: EpochMs(at),
        item,
        link: None,
        source: Some(Side::Jira),
        action,
        changes: vec![FieldChange {
            field: "title".into(),
            old: None,
            new: text("x"),
        }],
        api_call: Some("POST /_apis/wit/workitems/$User%20Story".into()),
        outcome: Outcome::Ok,
        message: None,
    }
}

fn stamps(j: i64, a: i64, rev: u64) -> Sided<Option<ItemStamp>> {
    Sided::new(
        Some(ItemStamp {
            updated: EpochMs(j),
            revision: None,
        }),
        Some(ItemStamp {
            updated: EpochMs(a),
            revision: Some(rev),
        }),
    )
}

/// The whole story, in chapters.
pub(crate) async fn story<S: Store>(store: &S) {
    creating_through_the_intent_journal(store).await;
    syncing_records_baselines_and_stamps(store).await;
    conflicts_wait_for_a_person(store).await;
    comments_pair_once(store).await;
    cursors_per_profile_and_side(store).await;
    audit_trail_per_item(store).await;
    parked_items_wait_for_a_fix(store).await;
    passes_and_status(store).await;
}

async fn parked_items_wait_for_a_fix<S: Store>(s: &S) {
    assert_eq!(s.parked(P).await.unwrap(), vec![]);
    // Parking is new the first time and when the reason changes; the same reason again is
    // not (so a pass that meets the same bad data adds nothing to the audit trail).
    let item = ado("77");
    assert!(
        s.park_item(P, &item, "unknown state", EpochMs(600))
            .await
            .unwrap()
    );
    assert!(
        !s.park_item(P, &item, "unknown state", EpochMs(610))
            .await
            .unwrap()
    );
    assert!(
        s.park_item(P, &item, "unmapped user", EpochMs(620))
            .await
            .unwrap()
    );
    assert!(
        s.park_item(P, &jira("30003"), "x", EpochMs(630))
            .await
            .unwrap()
    );
    assert!(s.park_item(OTHER, &item, "x", EpochMs(630)).await.unwrap());
    let parked = s.parked(P).await.unwrap();
    assert_eq!(parked.len(), 2);
    assert_eq!(
        (
            &parked[0].item,
            parked[0].reason.as_str(),
            parked[0].since,
            parked[0].updated
        ),
        (&item, "unmapped user", EpochMs(600), EpochMs(620))
    );
    assert_eq!(parked[1].item.key.as_deref(), Some("WEB-30003"));
    assert_eq!(s.status(P).await.unwrap().parked, 2);
    s.unpark_item(P, &item).await.unwrap();
    s.unpark_item(P, &jira("30003")).await.unwrap();
    s.unpark_item(P, &jira("30003")).await.unwrap();
    assert_eq!(s.parked(P).await.unwrap(), vec![]);
    assert_eq!(s.parked(OTHER).await.unwrap().len(), 1);
}

async fn creating_through_the_intent_journal<S: Store>(s: &S) {
    assert_eq!(s.links(P).await.unwrap(), vec![]);
    assert_eq!(s.open_intents(P).await.unwrap(), vec![]);

    // An intent is written before the create; asking again returns the same intent, so a
    // restarted pass looks for its marker instead of creating a second counterpart.
    let intent = s
        .open_intent(P, &jira("10001"), Side::Ado, EpochMs(100))
        .await
        .unwrap();
    assert_eq!(intent.state, IntentState::Open);
    assert_eq!(intent.source, jira("10001"));
    let again = s
        .open_intent(P, &jira("10001"), Side::Ado, EpochMs(150))
        .await
        .unwrap();
    assert_eq!(again.id, intent.id);
    assert_eq!(again.created, EpochMs(100));
    assert_eq!(s.open_intents(P).await.unwrap(), vec![intent.clone()]);
    assert_eq!(s.intent(intent.id).await.unwrap(), Some(intent.clone()));

    // The counterpart exists: link, baselines, intent closed, audit - together.
    let link = LinkRef {
        jira_id: "10001".into(),
        jira_key: Some("WEB-1".into()),
        ado_id: "501".into(),
    };
    let record = CreateRecord {
        intent: intent.id,
        link: link.clone(),
        baselines: baselines(&[
            ("title", "Login fails", "Login fails"),
            ("state", "To Do", "New"),
        ]),
        synced: stamps(100, 120, 1),
        at: EpochMs(130),
        audit: vec![audit(ado("501"), AuditAction::Create, 130)],
    };
    let stored = s.complete_create(P, &record).await.unwrap();
    assert_eq!(stored.link, link);
    assert_eq!(stored.profile, P);
    assert_eq!(stored.synced, stamps(100, 120, 1));
    assert_eq!(
        s.link_for(P, &jira("10001")).await.unwrap(),
        Some(stored.clone())
    );
    assert_eq!(
        s.link_for(P, &ado("501")).await.unwrap(),
        Some(stored.clone())
    );
    assert_eq!(s.link(stored.id).await.unwrap(), Some(stored.clone()));
    assert_eq!(s.link_for(OTHER, &ado("501")).await.unwrap(), None);
    assert_eq!(s.baselines(stored.id).await.unwrap(), record.baselines);
    let closed = s.intent(intent.id).await.unwrap().unwrap();
    assert_eq!(
        (closed.state, closed.link, closed.closed),
        (IntentState::Closed, Some(stored.id), Some(EpochMs(130)))
    );
    assert_eq!(s.open_intents(P).await.unwrap(), vec![]);
    let trail = s.audit(P, &ado("501")).await.unwrap();
    assert_eq!(trail.len(), 1);
    assert_eq!(
        trail[0].entry.link,
        Some(stored.id),
        "the audit entry is tied to the new link"
    );

    // Batch lookups, as the engine makes them for a page of a feed.
    let ids = vec!["10001".to_owned(), "10002".to_owned(), "501".to_owned()];
    assert_eq!(
        s.links_for_items(P, Side::Jira, &ids).await.unwrap(),
        vec![stored.clone()]
    );
    assert_eq!(
        s.links_for_items(P, Side::Ado, &ids).await.unwrap(),
        vec![stored.clone()]
    );
    assert_eq!(s.links_for_items(P, Side::Ado, &[]).await.unwrap(), vec![]);
    let batch = s
        .baselines_for(&[stored.id, tandem_store::LinkId(999_999)])
        .await
        .unwrap();
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[&stored.id], record.baselines);

    // Completing again (a lost reply) answers with the same link and changes nothing.
    assert_eq!(s.complete_create(P, &record).await.unwrap(), stored);
    assert_eq!(s.links(P).await.unwrap(), vec![stored.clone()]);
    assert_eq!(s.audit(P, &ado("501")).await.unwrap().len(), 1);

    // An item already linked cannot be linked again, and the failed attempt leaves nothing
    // behind: no link, no baselines, the intent still open.
    let dup = s
        .open_intent(P, &ado("777"), Side::Jira, EpochMs(200))
        .await
        .unwrap();
    let clash = CreateRecord {
        intent: dup.id,
        link: LinkRef {
            jira_id: "10001".into(),
            jira_key: None,
            ado_id: "777".into(),
        },
        baselines: baselines(&[("title", "a", "a")]),
        synced: stamps(1, 1, 1),
        at: EpochMs(210),
        audit: vec![audit(ado("777"), AuditAction::Create, 210)],
    };
    let err = s.complete_create(P, &clash).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("already linked"), "{err}");
    assert_eq!(s.link_for(P, &ado("777")).await.unwrap(), None);
    assert_eq!(s.open_intents(P).await.unwrap(), vec![dup.clone()]);
    assert_eq!(s.audit(P, &ado("777")).await.unwrap(), vec![]);

    // A create that made nothing is abandoned; its intent can no longer produce a link.
    s.abandon_intent(dup.id, EpochMs(220), "ADO refused the work item type")
        .await
        .unwrap();
    let gone = s.intent(dup.id).await.unwrap().unwrap();
    assert_eq!(gone.state, IntentState::Abandoned);
    assert_eq!(gone.note.as_deref(), Some("ADO refused the work item type"));
    assert!(matches!(
        s.complete_create(P, &clash).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.abandon_intent(dup.id, EpochMs(230), "again").await,
        Err(StoreError::NotFound(_))
    ));
    // A fresh intent for the same source may then be opened.
    let fresh = s
        .open_intent(P, &ado("777"), Side::Jira, EpochMs(240))
        .await
        .unwrap();
    assert_ne!(fresh.id, dup.id);
    s.abandon_intent(fresh.id, EpochMs(241), "test")
        .await
        .unwrap();

    // Another profile may link the same ids.
    let other = s
        .open_intent(OTHER, &jira("10001"), Side::Ado, EpochMs(300))
        .await
        .unwrap();
    let mut rec = record.clone();
    rec.intent = other.id;
    let other_link = s.complete_create(OTHER, &rec).await.unwrap();
    assert_ne!(other_link.id, stored.id);
    assert!(
        matches!(
            s.complete_create(P, &rec).await,
            Err(StoreError::Conflict(_))
        ),
        "profile mismatch"
    );
}

async fn syncing_records_baselines_and_stamps<S: Store>(s: &S) {
    let link = s.link_for(P, &jira("10001")).await.unwrap().unwrap();
    let record = SyncRecord {
        link: link.id,
        baselines: baselines(&[("title", "Login fails on Safari", "Login fails on Safari")]),
        synced: Sided::new(
            None,
            Some(ItemStamp {
                updated: EpochMs(400),
                revision: Some(2),
            }),
        ),
        at: EpochMs(400),
        audit: vec![audit(ado("501"), AuditAction::Update, 400)],
    };
    s.record_sync(&record).await.unwrap();
    let b = s.baselines(link.id).await.unwrap();
    assert_eq!(b["title"].jira, text("Login fails on Safari"));
    assert_eq!(
        b["state"].ado,
        text("New"),
        "fields not named keep their baselines"
    );
    let after = s.link(link.id).await.unwrap().unwrap();
    assert_eq!(
        after.synced.jira, link.synced.jira,
        "an absent stamp is left alone"
    );
    assert_eq!(
        after.synced.ado,
        Some(ItemStamp {
            updated: EpochMs(400),
            revision: Some(2)
        })
    );

    // An empty value is stored as empty, not dropped.
    let mut cleared = BTreeMap::new();
    cleared.insert(
        "state".to_owned(),
        Baseline {
            jira: None,
            ado: None,
        },
    );
    let record = SyncRecord {
        baselines: cleared,
        audit: vec![],
        ..record
    };
    s.record_sync(&record).await.unwrap();
    assert_eq!(
        s.baselines(link.id).await.unwrap()["state"],
        Baseline::default()
    );

    let missing = SyncRecord {
        link: tandem_store::LinkId(999_999),
        ..record
    };
    assert!(matches!(
        s.record_sync(&missing).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn conflicts_wait_for_a_person<S: Store>(s: &S) {
    let link = s.link_for(P, &jira("10001")).await.unwrap().unwrap();
    let note = ConflictNote {
        link: link.link.clone(),
        field: "title".into(),
        base: Some(Baseline {
            jira: text("b"),
            ado: text("b"),
        }),
        jira: text("J"),
        ado: text("A"),
    };
    let c = s.park_conflict(link.id, &note, EpochMs(500)).await.unwrap();
    assert_eq!(
        (c.status, c.take, c.field.as_str()),
        (ConflictStatus::Open, None, "title")
    );
    assert_eq!(
        (c.jira.clone(), c.ado.clone(), c.link.clone()),
        (text("J"), text("A"), link.link.clone())
    );

    // Parking again (the next pass) refreshes the same record.
    let note2 = ConflictNote {
        ado: text("A2"),
        ..note.clone()
    };
    let c2 = s
        .park_conflict(link.id, &note2, EpochMs(510))
        .await
        .unwrap();
    assert_eq!(c2.id, c.id);
    assert_eq!(
        (c2.ado.clone(), c2.created, c2.updated),
        (text("A2"), EpochMs(500), EpochMs(510))
    );
    assert_eq!(
        s.conflicts(P, Some(ConflictStatus::Open)).await.unwrap(),
        vec![c2.clone()]
    );
    assert_eq!(s.conflicts(OTHER, None).await.unwrap(), vec![]);

    // A person chooses; parking again keeps the choice.
    let chosen = s
        .choose_conflict(c.id, Side::Ado, EpochMs(520))
        .await
        .unwrap();
    assert_eq!(
        (chosen.status, chosen.take),
        (ConflictStatus::Chosen, Some(Side::Ado))
    );
    let kept = s
        .park_conflict(link.id, &note2, EpochMs(530))
        .await
        .unwrap();
    assert_eq!((kept.id, kept.status), (c.id, ConflictStatus::Chosen));
    assert_eq!(s.status(P).await.unwrap().chosen_conflicts, 1);

    // The pass applies the choice and records the baseline: the conflict is settled.
    let record = SyncRecord {
        link: link.id,
        baselines: baselines(&[("title", "A2", "A2")]),
        synced: Sided::default(),
        at: EpochMs(540),
        audit: vec![],
    };
    s.record_sync(&record).await.unwrap();
    let done = s.conflict(c.id).await.unwrap().unwrap();
    assert_eq!(done.status, ConflictStatus::Resolved);
    assert_eq!(done.resolution.as_deref(), Some("took ado"));
    assert_eq!(done.resolved, Some(EpochMs(540)));
    let err = s
        .choose_conflict(c.id, Side::Jira, EpochMs(550))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(matches!(
        s.choose_conflict(tandem_store::ConflictId(424_242), Side::Jira, EpochMs(1))
            .await,
        Err(StoreError::NotFound(_))
    ));

    // A new conflict on the same field opens a new record; one that the sides settle by
    // themselves resolves as converged.
    let c3 = s.park_conflict(link.id, &note, EpochMs(560)).await.unwrap();
    assert_ne!(c3.id, c.id);
    s.record_sync(&SyncRecord {
        at: EpochMs(570),
        ..record
    })
    .await
    .unwrap();
    let c3 = s.conflict(c3.id).await.unwrap().unwrap();
    assert_eq!(c3.resolution.as_deref(), Some("converged"));
    assert_eq!(
        s.conflicts(P, Some(ConflictStatus::Resolved))
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(s.conflicts(P, None).await.unwrap().len(), 2);

    let nowhere = s
        .park_conflict(tandem_store::LinkId(999_999), &note, EpochMs(1))
        .await;
    assert!(matches!(nowhere, Err(StoreError::NotFound(_))));
}

async fn comments_pair_once<S: Store>(s: &S) {
    let link = s.link_for(P, &jira("10001")).await.unwrap().unwrap();
    assert_eq!(s.comment_pairs(link.id).await.unwrap(), vec![]);
    let pair = CommentPair {
        jira: "10500".into(),
        ado: "3".into(),
    };
    let entry = audit(ado("501"), AuditAction::Comment, 580);
    s.record_comment_pair(link.id, &pair, EpochMs(580), std::slice::from_ref(&entry))
        .await
        .unwrap();
    // Again (an adopted copy after a crash): nothing changes.
    s.record_comment_pair(link.id, &pair, EpochMs(590), &[entry])
        .await
        .unwrap();
    assert_eq!(s.comment_pairs(link.id).await.unwrap(), vec![pair]);
    let comment_entries = s
        .audit(P, &jira("10001"))
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entry.action == AuditAction::Comment);
    assert_eq!(comment_entries.count(), 1);
    // A comment cannot be paired twice.
    let clash = CommentPair {
        jira: "10501".into(),
        ado: "3".into(),
    };
    let err = s
        .record_comment_pair(link.id, &clash, EpochMs(600), &[])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let other = CommentPair {
        jira: "10501".into(),
        ado: "4".into(),
    };
    s.record_comment_pair(link.id, &other, EpochMs(600), &[])
        .await
        .unwrap();
    assert_eq!(s.comment_pairs(link.id).await.unwrap().len(), 2);
}

async fn cursors_per_profile_and_side<S: Store>(s: &S) {
    assert_eq!(s.cursor(P, Side::Jira).await.unwrap(), None);
    let c = Cursor {
        stamp: EpochMs(1_000),
        tie: "10001".into(),
    };
    s.set_cursor(P, Side::Jira, &c, EpochMs(1)).await.unwrap();
    assert_eq!(s.cursor(P, Side::Jira).await.unwrap(), Some(c.clone()));
    assert_eq!(s.cursor(P, Side::Ado).await.unwrap(), None);
    assert_eq!(s.cursor(OTHER, Side::Jira).await.unwrap(), None);
    let c2 = Cursor {
        stamp: EpochMs(2_000),
        tie: "10007".into(),
    };
    s.set_cursor(P, Side::Jira, &c2, EpochMs(2)).await.unwrap();
    assert_eq!(s.cursor(P, Side::Jira).await.unwrap(), Some(c2));
}

async fn audit_trail_per_item<S: Store>(s: &S) {
    let link = s.link_for(P, &jira("10001")).await.unwrap().unwrap();
    let mut parked = audit(jira("10001"), AuditAction::Park, 600);
    parked.outcome = Outcome::Parked;
    parked.message = Some("field \"state\": Jira state \"Blocked\" has no counterpart".into());
    parked.link = Some(link.id);
    s.append_audit(
        P,
        &[parked.clone(), audit(jira("20002"), AuditAction::Park, 601)],
    )
    .await
    .unwrap();
    // Asking by either item of the pair shows the entries of both.
    let by_jira = s.audit(P, &jira("10001")).await.unwrap();
    let by_ado = s.audit(P, &ado("501")).await.unwrap();
    assert_eq!(by_jira, by_ado);
    let actions: Vec<AuditAction> = by_jira.iter().map(|e| e.entry.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::Create,
            AuditAction::Update,
            AuditAction::Comment,
            AuditAction::Park
        ]
    );
    assert_eq!(by_jira.last().unwrap().entry, parked);
    assert!(by_jira.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(s.audit(P, &jira("20002")).await.unwrap().len(), 1);
    assert_eq!(s.audit(OTHER, &jira("20002")).await.unwrap(), vec![]);
}

async fn passes_and_status<S: Store>(s: &S) {
    assert_eq!(s.last_pass("nobody").await.unwrap(), None);
    let first = s.begin_pass(P, EpochMs(700)).await.unwrap();
    let summary = PassSummary {
        finished: EpochMs(750),
        outcome: PassOutcome::Completed,
        counts: PassCounts {
            seen: 12,
            created: 1,
            updated: 3,
            conflicts: 1,
            parked: 1,
            errors: 0,
        },
        errors: vec![],
    };
    s.finish_pass(first, &summary).await.unwrap();
    let second = s.begin_pass(P, EpochMs(800)).await.unwrap();
    let last = s.last_pass(P).await.unwrap().unwrap();
    assert_eq!(
        (last.id, last.started, last.summary),
        (second, EpochMs(800), None),
        "in progress"
    );
    let failed = PassSummary {
        finished: EpochMs(810),
        outcome: PassOutcome::Failed,
        counts: PassCounts::default(),
        errors: vec!["Jira: 401 Unauthorized (run `tandem doctor`)".into()],
    };
    s.finish_pass(second, &failed).await.unwrap();
    assert!(matches!(
        s.finish_pass(tandem_store::PassId(999_999), &failed).await,
        Err(StoreError::NotFound(_))
    ));

    let status = s.status(P).await.unwrap();
    assert_eq!(status.links, 1);
    assert_eq!(status.open_conflicts, 0);
    assert_eq!(status.open_intents, 0);
    assert_eq!(status.parked, 0);
    assert_eq!(status.last_pass.unwrap().summary, Some(failed));
    let other = s.status(OTHER).await.unwrap();
    assert_eq!((other.links, other.last_pass), (1, None));
}
