//! A profile over two fakes and an in-memory store.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tandem_core::{ConflictPolicy, Mapping, UserPair};
use tandem_engine::{Engine, FaultHook, Hooks, Mode, PassReport, SyncSettings};
use tandem_store::SqliteStore;

use crate::fake::Fake;

pub(crate) struct Harness {
    pub(crate) jira: Fake,
    pub(crate) ado: Fake,
    pub(crate) store: SqliteStore,
    pub(crate) settings: SyncSettings,
}

pub(crate) fn mapping() -> Mapping {
    let mut m = Mapping::standard();
    m.users.pairs = vec![
        UserPair {
            jira: "acc-ann".into(),
            ado: "ann@example.com".into(),
            default: false,
        },
        UserPair {
            jira: "acc-bob".into(),
            ado: "bob@example.com".into(),
            default: false,
        },
    ];
    // Fakes know exactly the paired people: an unknown e-mail is not written blindly.
    m.users.ado_accepts_email = false;
    // A person without a counterpart parks the item (`unmapped_users = "error"`).
    m.users.unmapped = tandem_core::UnmappedUsers::Error;
    // Like a mapping from tandem.toml: explicit state pairs only, so a state without one
    // parks its item.
    for f in &mut m.fields {
        if let tandem_core::Converter::State(states) = &mut f.convert {
            states.categories.clear();
        }
    }
    m
}

impl Harness {
    pub(crate) async fn new() -> Harness {
        let mut settings = SyncSettings::new("test", mapping());
        settings.options.intent_grace = Duration::ZERO;
        settings.options.concurrency = 3;
        Harness {
            jira: Fake::jira(),
            ado: Fake::ado(),
            store: SqliteStore::in_memory().await.expect("store"),
            settings,
        }
    }

    pub(crate) fn policy(&mut self, p: ConflictPolicy) {
        self.settings.policy = p;
    }

    pub(crate) fn engine(&self) -> Engine<Fake, Fake, SqliteStore> {
        Engine::new(
            self.jira.clone(),
            self.ado.clone(),
            self.store.clone(),
            self.settings.clone(),
        )
    }

    pub(crate) fn engine_with(
        &self,
        faults: Arc<dyn FaultHook>,
    ) -> Engine<Fake, Fake, SqliteStore> {
        self.engine().with_hooks(Hooks {
            faults,
            ..Hooks::default()
        })
    }

    /// An engine that asks itself to stop as soon as the first item is done: a pass of it
    /// ends interrupted after the page in flight.
    pub(crate) fn engine_stopping_after_first_item(&self) -> Engine<Fake, Fake, SqliteStore> {
        #[derive(Debug)]
        struct StopAfterFirstItem(tandem_engine::Stop);
        impl tandem_engine::Progress for StopAfterFirstItem {
            fn event(&self, e: &tandem_engine::Event) {
                if matches!(e, tandem_engine::Event::Item { .. }) {
                    self.0.stop();
                }
            }
        }
        let hooks = Hooks::default();
        self.engine().with_hooks(Hooks {
            progress: Arc::new(StopAfterFirstItem(hooks.stop.clone())),
            ..hooks
        })
    }

    pub(crate) async fn pass(&self) -> PassReport {
        self.engine().pass(Mode::Apply).await.expect("pass")
    }

    /// Runs passes until one writes nothing, and returns how many it took (at most 4).
    pub(crate) async fn settle(&self) -> usize {
        for n in 1..=4 {
            self.reset();
            let r = self.pass().await;
            assert_eq!(r.outcome, tandem_store::PassOutcome::Completed, "{r:#?}");
            if self.writes() == 0 {
                return n;
            }
        }
        panic!("no quiet pass after 4")
    }

    pub(crate) fn writes(&self) -> u64 {
        self.jira.writes() + self.ado.writes()
    }

    pub(crate) fn reset(&self) {
        self.jira.reset_calls();
        self.ado.reset_calls();
    }

    /// Two Jira issues and two ADO work items, nothing linked.
    pub(crate) fn seed(&self) -> Seeded {
        Seeded {
            j1: self.jira.add(
                "Bug",
                "In Progress",
                json!({"summary": "Login fails", "priority": {"name": "High"}, "labels": ["ui"],
                       "assignee": {"accountId": "acc-ann"}, "description": "Steps to reproduce"}),
            ),
            j2: self.jira.add("Story", "To Do", json!({"summary": "Export CSV", "priority": {"name": "Medium"}})),
            a1: self.ado.add(
                "Bug",
                "Closed",
                json!({"System.Title": "Crash on save", "Microsoft.VSTS.Common.Priority": 1,
                       "System.Tags": "backend; p1", "System.AssignedTo": {"uniqueName": "bob@example.com", "displayName": "Bob"}}),
            ),
            a2: self.ado.add("User Story", "Active", json!({"System.Title": "Dark mode", "Microsoft.VSTS.Common.Priority": 3})),
        }
    }

    /// The ADO id linked to a Jira id (panics if none).
    pub(crate) async fn ado_of(&self, jira: u64) -> u64 {
        use tandem_store::Store;
        let l = self
            .store
            .link_for(
                "test",
                &tandem_core::ItemRef::new(tandem_core::Side::Jira, jira.to_string()),
            )
            .await
            .unwrap()
            .expect("linked");
        l.link.ado_id.parse().unwrap()
    }

    pub(crate) async fn jira_of(&self, ado: u64) -> u64 {
        use tandem_store::Store;
        let l = self
            .store
            .link_for(
                "test",
                &tandem_core::ItemRef::new(tandem_core::Side::Ado, ado.to_string()),
            )
            .await
            .unwrap()
            .expect("linked");
        l.link.jira_id.parse().unwrap()
    }

    /// Checks every linked pair holds the same title, state and priority on both sides, and
    /// that every item is linked exactly once (no duplicates).
    pub(crate) async fn assert_converged(&self) {
        use tandem_store::Store;
        let links = self.store.links("test").await.unwrap();
        assert_eq!(
            links.len(),
            self.jira.count(),
            "every Jira issue linked once"
        );
        assert_eq!(links.len(), self.ado.count(), "every ADO item linked once");
        for l in links {
            let j = self.jira.item(l.link.jira_id.parse().unwrap());
            let a = self.ado.item(l.link.ado_id.parse().unwrap());
            assert_eq!(
                j.fields.get("summary"),
                a.fields.get("System.Title"),
                "{l:?}"
            );
            let state = match j.state.as_str() {
                "To Do" => "New",
                "In Progress" | "In Review" => "Active",
                "Done" => {
                    if a.state == "Resolved" {
                        "Resolved"
                    } else {
                        "Closed"
                    }
                }
                s => s,
            };
            assert_eq!(state, a.state, "{l:?}");
        }
    }
}

pub(crate) struct Seeded {
    pub j1: u64,
    pub j2: u64,
    pub a1: u64,
    pub a2: u64,
}
