use proptest::prelude::*;

use super::*;
use crate::testkit::{
    ado_item, ado_state, directory, jira_item, jira_state, link, mapping, num, text,
};
use crate::value::{StateValue, UserRef};

const J: Side = Side::Jira;
const A: Side = Side::Ado;

/// A synced pair: Jira WEB-1 (id 1) and ADO 101, with baselines matching their values.
fn synced(m: &Mapping) -> LinkedPair {
    let jira = jira_item("1", 1_000)
        .with("summary", text("Login fails"))
        .with("status", jira_state("In Progress"))
        .with("priority", FieldValue::Choice("High".into()))
        .with("labels", FieldValue::labels(["ui"]));
    let ado = ado_item("101", 1_000)
        .with("System.Title", text("Login fails"))
        .with("System.State", ado_state("Active"))
        .with("Microsoft.VSTS.Common.Priority", num(2.0))
        .with("System.Tags", FieldValue::labels(["ui"]));
    LinkedPair {
        link: link("1", "101"),
        baselines: pair_baselines(m, &jira, &ado),
        jira,
        ado,
        resolutions: BTreeMap::new(),
        comments: None,
        relations: None,
    }
}

fn run(m: &Mapping, policy: ConflictPolicy, direction: Direction, entries: &[Entry]) -> Vec<Op> {
    let dir = directory();
    let s = PlanSettings {
        mapping: m,
        policy,
        direction,
        directory: &dir,
        comments: &CommentSettings::default(),
    };
    plan(&s, entries)
}

fn run_pair(policy: ConflictPolicy, pair: &LinkedPair) -> Vec<Op> {
    run(
        &mapping(),
        policy,
        Direction::Both,
        &[Entry::Linked(pair.clone())],
    )
}

fn lines(ops: &[Op]) -> Vec<String> {
    ops.iter().map(ToString::to_string).collect()
}

/// Applies a plan's writes and baselines to the pair, as a successful pass would.
fn apply(pair: &mut LinkedPair, ops: &[Op]) {
    for op in ops {
        match op {
            Op::Update(u) => {
                let item = if u.target.side == J {
                    &mut pair.jira
                } else {
                    &mut pair.ado
                };
                for w in &u.writes {
                    item.set(w.field.clone(), w.new.clone());
                }
                item.updated.0 += 1;
                item.revision = item.revision.map(|r| r + 1);
            }
            Op::ChangeState(s) => {
                let item = if s.target.side == J {
                    &mut pair.jira
                } else {
                    &mut pair.ado
                };
                item.set(s.write.field.clone(), s.write.new.clone());
                item.updated.0 += 1;
            }
            Op::RecordBaselines { baselines, .. } => {
                pair.baselines.extend(baselines.clone());
            }
            Op::ParkItem { .. } | Op::ParkConflict(_) => {}
            Op::CopyComment(_) | Op::PairComments { .. } => {}
            Op::Relate(r) => {
                let item = if r.side == J {
                    &mut pair.jira
                } else {
                    &mut pair.ado
                };
                let l = crate::ItemLink {
                    kind: r.kind.clone(),
                    target: r.other.clone(),
                };
                if r.add {
                    item.links.push(l);
                } else {
                    item.links.retain(|x| *x != l);
                }
            }
            Op::Adopt { .. } | Op::Create(_) => panic!("not for a linked pair: {op}"),
        }
    }
    pair.resolutions.clear();
}

#[test]
fn nothing_changed_plans_nothing() {
    let pair = synced(&mapping());
    assert_eq!(run_pair(ConflictPolicy::Manual, &pair), vec![]);
}

#[test]
fn case_table() {
    use ConflictPolicy::*;
    type Edit = fn(&mut LinkedPair);
    // (case, policy, edit made to a synced pair, the plan as a dry run prints it)
    let cases: Vec<(&str, ConflictPolicy, Edit, Vec<&str>)> = vec![
        (
            "jira edit flows to ado",
            Manual,
            |p| p.jira.set("summary", Some(text("Login fails on Safari"))),
            vec![
                "update ado:101; title: \"Login fails\" -> \"Login fails on Safari\"",
                "record jira:WEB-1 <-> ado:101: title",
            ],
        ),
        (
            "ado edit flows to jira",
            Manual,
            |p| {
                p.ado.set(
                    "System.Tags",
                    Some(FieldValue::labels(["ui", "needs review"])),
                );
            },
            vec![
                "update jira:WEB-1; labels: [ui] -> [needs_review, ui]",
                "record jira:WEB-1 <-> ado:101: labels",
            ],
        ),
        (
            "different fields merge",
            Manual,
            |p| {
                p.jira.set("summary", Some(text("New title")));
                p.ado.set("Microsoft.VSTS.Common.Priority", Some(num(1.0)));
            },
            vec![
                "update jira:WEB-1; priority: \"High\" -> \"Highest\"",
                "update ado:101; title: \"Login fails\" -> \"New title\"",
                "record jira:WEB-1 <-> ado:101: priority, title",
            ],
        ),
        (
            "state is a state change, not an edit",
            Manual,
            |p| p.ado.set("System.State", Some(ado_state("Resolved"))),
            vec![
                "state jira:WEB-1; state: In Progress -> Done",
                "record jira:WEB-1 <-> ado:101: state",
            ],
        ),
        (
            "same change on both sides",
            Manual,
            |p| {
                p.jira.set("summary", Some(text("Same")));
                p.ado.set("System.Title", Some(text("Same")));
            },
            vec!["record jira:WEB-1 <-> ado:101: title"],
        ),
        (
            "equivalent change through a lossy map",
            Manual,
            |p| {
                p.jira.set("status", Some(jira_state("Done")));
                p.ado.set("System.State", Some(ado_state("Resolved")));
            },
            vec!["record jira:WEB-1 <-> ado:101: state"],
        ),
        (
            "manual parks and writes nothing",
            Manual,
            |p| {
                p.jira.set("summary", Some(text("J")));
                p.ado.set("System.Title", Some(text("A")));
            },
            vec!["conflict jira:WEB-1 <-> ado:101 field title: jira \"J\" vs ado \"A\""],
        ),
        (
            "jira wins",
            JiraWins,
            |p| {
                p.jira.set("summary", Some(text("J")));
                p.ado.set("System.Title", Some(text("A")));
            },
            vec![
                "update ado:101; title: \"A\" -> \"J\"",
                "record jira:WEB-1 <-> ado:101: title",
            ],
        ),
        (
            "ado wins",
            AdoWins,
            |p| {
                p.jira.set("summary", Some(text("J")));
                p.ado.set("System.Title", Some(text("A")));
            },
            vec![
                "update jira:WEB-1; title: \"J\" -> \"A\"",
                "record jira:WEB-1 <-> ado:101: title",
            ],
        ),
        (
            "newest wins",
            NewestWins,
            |p| {
                p.jira.set("summary", Some(text("J")));
                p.jira.updated = EpochMs(2_000);
                p.ado.set("System.Title", Some(text("A")));
                p.ado.updated = EpochMs(3_000);
            },
            vec![
                "update jira:WEB-1; title: \"J\" -> \"A\"",
                "record jira:WEB-1 <-> ado:101: title",
            ],
        ),
        (
            "a person's resolution beats the policy",
            Manual,
            |p| {
                p.jira.set("summary", Some(text("J")));
                p.ado.set("System.Title", Some(text("A")));
                p.resolutions.insert("title".into(), Side::Ado);
            },
            vec![
                "update jira:WEB-1; title: \"J\" -> \"A\"",
                "record jira:WEB-1 <-> ado:101: title",
            ],
        ),
        (
            "unknown state parks the whole item",
            Manual,
            |p| {
                p.jira.set("summary", Some(text("Also changed")));
                p.jira.set(
                    "status",
                    Some(FieldValue::State(StateValue::new("Blocked", None))),
                );
            },
            vec![
                "park jira:WEB-1; field \"state\": Jira state \"Blocked\" (type \"User Story\") has no \
                  counterpart on Azure DevOps: add a pair for it to the state map, or a default for its category",
            ],
        ),
        (
            "unmapped user parks",
            JiraWins,
            |p| {
                p.ado.set(
                    "System.AssignedTo",
                    Some(FieldValue::User(UserRef::with_id("dan@example.com"))),
                );
            },
            vec![
                "park jira:WEB-1; field \"assignee\": Azure DevOps user dan@example.com has no counterpart \
                  on Jira: add a pair to the user map, or make sure the person exists there with the same e-mail address",
            ],
        ),
        (
            "clearing a field is a change",
            Manual,
            |p| p.jira.set("labels", None),
            vec![
                "update ado:101; labels: [ui] -> (empty)",
                "record jira:WEB-1 <-> ado:101: labels",
            ],
        ),
    ];
    for (case, policy, edit, expected) in cases {
        let mut pair = synced(&mapping());
        edit(&mut pair);
        let ops = run_pair(policy, &pair);
        assert_eq!(lines(&ops), expected, "{case}");
        // Whatever was planned, applying it leaves nothing more to write.
        apply(&mut pair, &ops);
        let again = run_pair(policy, &pair);
        assert!(
            again.iter().all(|op| !op.is_remote_write()),
            "{case}: echo {:?}",
            lines(&again)
        );
    }
}

#[test]
fn lossy_state_map_does_not_echo() {
    // Jira "In Review" has no pair; its category maps it to ADO "Active", which maps back to
    // "In Progress". Per-side baselines keep that from reading as an ADO change.
    let mut pair = synced(&mapping());
    pair.jira.set("status", Some(jira_state("In Review")));
    let ops = run_pair(ConflictPolicy::Manual, &pair);
    assert_eq!(lines(&ops), vec!["record jira:WEB-1 <-> ado:101: state"]);
    apply(&mut pair, &ops);
    assert_eq!(run_pair(ConflictPolicy::Manual, &pair), vec![]);

    pair.jira.set("status", Some(jira_state("To Do")));
    let ops = run_pair(ConflictPolicy::Manual, &pair);
    assert_eq!(lines(&ops)[0], "state ado:101; state: Active -> New");
    apply(&mut pair, &ops);
    pair.jira.set("status", Some(jira_state("In Review")));
    let ops = run_pair(ConflictPolicy::Manual, &pair);
    assert_eq!(lines(&ops)[0], "state ado:101; state: New -> Active");
    apply(&mut pair, &ops);
    assert_eq!(run_pair(ConflictPolicy::Manual, &pair), vec![]);
    assert_eq!(pair.jira.get("status"), Some(&jira_state("In Review")));
}

#[test]
fn a_crash_between_write_and_record_only_records_on_the_next_pass() {
    let mut pair = synced(&mapping());
    pair.jira.set("summary", Some(text("Renamed")));
    pair.jira.set("status", Some(jira_state("In Review")));
    let ops = run_pair(ConflictPolicy::Manual, &pair);
    // The writes land, the baselines do not.
    let writes: Vec<Op> = ops.into_iter().filter(Op::is_remote_write).collect();
    apply(&mut pair, &writes);
    let ops = run_pair(ConflictPolicy::Manual, &pair);
    assert_eq!(
        lines(&ops),
        vec!["record jira:WEB-1 <-> ado:101: state, title"]
    );
}

#[test]
fn one_way_fields_and_profiles() {
    let mut m = mapping();
    m.fields[0].direction = Direction::JiraToAdo; // title
    // An ADO-side edit of a Jira-owned field is kept there and only recorded.
    let mut pair = synced(&m);
    pair.ado.set("System.Title", Some(text("ADO's own")));
    let ops = run(
        &m,
        ConflictPolicy::AdoWins,
        Direction::Both,
        &[Entry::Linked(pair.clone())],
    );
    assert_eq!(lines(&ops), vec!["record jira:WEB-1 <-> ado:101: title"]);
    apply(&mut pair, &ops);
    // The next Jira edit overwrites it, whatever the policy.
    pair.jira.set("summary", Some(text("Jira's")));
    let ops = run(
        &m,
        ConflictPolicy::AdoWins,
        Direction::Both,
        &[Entry::Linked(pair.clone())],
    );
    assert_eq!(
        lines(&ops)[0],
        "update ado:101; title: \"ADO's own\" -> \"Jira's\""
    );

    // A jira-to-ado profile ignores ADO edits and ADO-only items.
    let mut pair = synced(&m);
    pair.ado
        .set("Microsoft.VSTS.Common.Priority", Some(num(1.0)));
    let new_ado = ado_item("102", 5).with("System.Title", text("x"));
    let ops = run(
        &m,
        ConflictPolicy::AdoWins,
        Direction::JiraToAdo,
        &[Entry::Linked(pair), Entry::Unlinked(new_ado)],
    );
    assert_eq!(lines(&ops), vec!["record jira:WEB-1 <-> ado:101: priority"]);
}

#[test]
fn unlinked_items_are_created_adopted_or_parked() {
    let m = mapping();
    let story = jira_item("7", 5)
        .with("summary", text("New story"))
        .with("status", jira_state("In Progress"))
        .with(
            "assignee",
            FieldValue::User(crate::testkit::user("acc-ann", "ann@example.com", "Ann")),
        )
        .with("timeoriginalestimate", num(7200.0));
    let mut marked = ado_item("300", 5).with("System.Title", text("made by tandem"));
    marked.marker = Some(Uuid::from_u128(42));
    let mut odd = jira_item("8", 5);
    odd.item_type = "Spike".into();
    let ops = run(
        &m,
        ConflictPolicy::Manual,
        Direction::Both,
        &[
            Entry::Unlinked(marked),
            Entry::Unlinked(odd),
            Entry::Unlinked(story),
        ],
    );
    assert_eq!(
        lines(&ops),
        vec![
            "create ado \"User Story\" from jira:WEB-7; title: (empty) -> \"New story\"; \
             assignee: (empty) -> Ann <ann@example.com>; estimate: (empty) -> 2; state: (empty) -> Active",
            "park jira:WEB-8; Jira type \"Spike\" has no counterpart on Azure DevOps: add it to the type map",
            "adopt ado:300 (marker 00000000-0000-0000-0000-00000000002a)",
        ]
    );
    let Op::Create(create) = &ops[0] else {
        panic!()
    };
    // Every mapped field gets a baseline, empty ones included, so the first pass after the
    // create has nothing to record.
    assert_eq!(create.baselines.len(), m.fields.len());
    assert_eq!(
        create
            .fields
            .iter()
            .map(|w| w.field.as_str())
            .collect::<Vec<_>>(),
        [
            "System.Title",
            "System.AssignedTo",
            "Microsoft.VSTS.Scheduling.OriginalEstimate"
        ]
    );
}

#[test]
fn ops_are_sorted_by_item_then_phase() {
    let m = mapping();
    let mut p10 = synced(&m);
    p10.link = link("10", "110");
    p10.jira.item.id = "10".into();
    p10.jira.set("summary", Some(text("x")));
    p10.jira.set("status", Some(jira_state("Done")));
    p10.ado.set("System.Tags", Some(FieldValue::labels(["t"])));
    let mut p9 = synced(&m);
    p9.link = link("9", "109");
    p9.jira.set("summary", Some(text("J")));
    p9.ado.set("System.Title", Some(text("A")));
    let new_jira = jira_item("2", 1).with("summary", text("n"));
    let new_ado = ado_item("5", 1).with("System.Title", text("n"));
    let entries = [
        Entry::Unlinked(new_ado),
        Entry::Linked(p10),
        Entry::Unlinked(new_jira),
        Entry::Linked(p9),
    ];
    let ops = run(&m, ConflictPolicy::Manual, Direction::Both, &entries);
    let shape: Vec<(String, Phase, Option<Side>)> = ops
        .iter()
        .map(|op| {
            let subject = op.link().map_or_else(
                || match op {
                    Op::Create(c) => c.source.to_string(),
                    _ => String::new(),
                },
                |l| l.jira_id.clone(),
            );
            let side = match op {
                Op::Update(u) => Some(u.target.side),
                Op::ChangeState(s) => Some(s.target.side),
                _ => None,
            };
            (subject, op.phase(), side)
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            ("jira:WEB-2".into(), Phase::Create, None),
            ("9".into(), Phase::Conflict, None),
            ("10".into(), Phase::Update, Some(J)),
            ("10".into(), Phase::Update, Some(A)),
            ("10".into(), Phase::State, Some(A)),
            ("10".into(), Phase::Record, None),
            ("ado:5".into(), Phase::Create, None),
        ]
    );
    // The order does not depend on the order of the entries.
    let mut reversed = entries.to_vec();
    reversed.reverse();
    assert_eq!(
        run(&m, ConflictPolicy::Manual, Direction::Both, &reversed),
        ops
    );
}

#[test]
fn ops_serialise_for_json_output() {
    let mut pair = synced(&mapping());
    pair.jira.set("summary", Some(text("x")));
    let ops = run_pair(ConflictPolicy::Manual, &pair);
    let json = serde_json::to_value(&ops).unwrap();
    assert_eq!(json[0]["op"], "update");
    assert_eq!(
        json[0]["writes"][0]["new"],
        serde_json::json!({"kind": "text", "value": "x"})
    );
    assert_eq!(json[0]["guard"]["revision"], 1);
    let back: Vec<Op> = serde_json::from_value(json).unwrap();
    assert_eq!(back, ops);
}

// --- Property tests: the "no echo" invariant ------------------------------------------

fn pick<T: Clone + std::fmt::Debug + 'static>(options: Vec<T>) -> impl Strategy<Value = T> {
    proptest::sample::select(options)
}

/// Values each mapped field can hold on each side, all mappable, so plans never park.
fn domain(side: Side, name: &str) -> Vec<Option<FieldValue>> {
    let users = directory();
    let mut v: Vec<Option<FieldValue>> = match (side, name) {
        (_, "title") => vec![Some(text("a")), Some(text("b"))],
        (_, "description") => vec![Some(FieldValue::RichText(crate::RichText::from_plain("d")))],
        (J, "state") => ["To Do", "In Progress", "In Review", "Done"]
            .map(|s| Some(jira_state(s)))
            .to_vec(),
        (A, "state") => ["New", "Active", "Resolved", "Closed"]
            .map(|s| Some(ado_state(s)))
            .to_vec(),
        (J, "priority") => ["Highest", "High", "Medium", "Low", "Lowest"]
            .map(|s| Some(FieldValue::Choice(s.into())))
            .to_vec(),
        (A, "priority") => (1..=4).map(|n| Some(num(f64::from(n)))).collect(),
        (_, "assignee") => users.users.get(side)[..2]
            .iter()
            .map(|u| Some(FieldValue::User(u.clone())))
            .collect(),
        (J, "labels") => vec![
            Some(FieldValue::labels(["x"])),
            Some(FieldValue::labels(["x", "y_z"])),
        ],
        (A, "labels") => vec![
            Some(FieldValue::labels(["x"])),
            Some(FieldValue::labels(["y z"])),
        ],
        (J, "estimate") => vec![Some(num(1.0)), Some(num(3600.0)), Some(num(5400.0))],
        (A, "estimate") => vec![Some(num(0.5)), Some(num(1.0)), Some(num(0.3333))],
        (J, "due") => vec![Some(FieldValue::Date("2024-01-02".parse().unwrap()))],
        (A, "due") => vec![Some(FieldValue::DateTime(EpochMs(1_704_200_000_000)))],
        _ => vec![],
    };
    if name != "state" {
        v.push(None);
    }
    v
}

fn field_values(side: Side) -> BoxedStrategy<Vec<Option<FieldValue>>> {
    mapping()
        .fields
        .iter()
        .map(|f| pick(domain(side, f.name())))
        .collect::<Vec<_>>()
        .boxed()
}

fn baseline_strategy() -> BoxedStrategy<Vec<Option<Baseline>>> {
    mapping()
        .fields
        .iter()
        .map(|f| {
            proptest::option::of(
                (pick(domain(J, f.name())), pick(domain(A, f.name())))
                    .prop_map(|(jira, ado)| Baseline { jira, ado }),
            )
        })
        .collect::<Vec<_>>()
        .boxed()
}

fn policy() -> impl Strategy<Value = ConflictPolicy> {
    pick(vec![
        ConflictPolicy::JiraWins,
        ConflictPolicy::AdoWins,
        ConflictPolicy::NewestWins,
        ConflictPolicy::Manual,
    ])
}

fn build_pair(
    jv: &[Option<FieldValue>],
    av: &[Option<FieldValue>],
    bs: &[Option<Baseline>],
    stamps: (i64, i64),
) -> LinkedPair {
    let m = mapping();
    let mut jira = jira_item("1", stamps.0);
    let mut ado = ado_item("101", stamps.1);
    let mut baselines = Baselines::new();
    for (i, f) in m.fields.iter().enumerate() {
        jira.set(f.jira.clone(), jv[i].clone());
        ado.set(f.ado.clone(), av[i].clone());
        if let Some(b) = &bs[i] {
            baselines.insert(f.name().to_owned(), b.clone());
        }
    }
    LinkedPair {
        link: link("1", "101"),
        baselines,
        jira,
        ado,
        resolutions: BTreeMap::new(),
        comments: None,
        relations: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Applying a plan's writes and baselines, then planning again, writes nothing: no change
    /// tandem made comes back as a change. Without open conflicts the second plan is empty.
    #[test]
    fn replanning_after_applying_writes_nothing(
        jv in field_values(J),
        av in field_values(A),
        bs in baseline_strategy(),
        jira_stamp in 0..3i64,
        ado_later in any::<bool>(),
        policy in policy(),
    ) {
        // Distinct stamps: a newest-wins tie is parked (see merge3's table) and may be decided
        // by a later pass, once either item has moved.
        let stamps = (jira_stamp, if ado_later { jira_stamp + 1 } else { jira_stamp - 1 });
        let mut pair = build_pair(&jv, &av, &bs, stamps);
        let first = run_pair(policy, &pair);
        prop_assert!(first.iter().all(|op| !matches!(op, Op::ParkItem { .. })), "{:?}", lines(&first));
        apply(&mut pair, &first);
        let second = run_pair(policy, &pair);
        prop_assert!(second.iter().all(|op| !op.is_remote_write()), "first {:?}\nsecond {:?}", lines(&first), lines(&second));
        let conflicts = first.iter().any(|op| matches!(op, Op::ParkConflict(_)));
        if !conflicts {
            prop_assert!(second.is_empty(), "first {:?}\nsecond {:?}", lines(&first), lines(&second));
        }
        // A conflict stays parked, unchanged, until someone resolves it.
        let parked = |ops: &[Op]| ops.iter().filter(|op| matches!(op, Op::ParkConflict(_))).count();
        prop_assert_eq!(parked(&first), parked(&second));
    }

    /// Creating a counterpart and recording the planned baselines leaves nothing to do.
    #[test]
    fn a_created_pair_is_in_sync(jv in field_values(J), from_ado in any::<bool>()) {
        let m = mapping();
        let source_side = if from_ado { A } else { J };
        let mut source = if from_ado { ado_item("55", 9) } else { jira_item("55", 9) };
        for (i, f) in m.fields.iter().enumerate() {
            let value = if from_ado { domain(A, f.name()).into_iter().next().flatten() } else { jv[i].clone() };
            source.set(f.field(source_side).to_owned(), value);
        }
        let ops = run(&m, ConflictPolicy::Manual, Direction::Both, &[Entry::Unlinked(source.clone())]);
        prop_assert_eq!(ops.len(), 1);
        let Op::Create(create) = &ops[0] else { panic!("{ops:?}") };
        let mut target = if from_ado { jira_item("66", 10) } else { ado_item("66", 10) };
        target.item_type.clone_from(&create.item_type);
        for w in create.fields.iter().chain(&create.state) {
            target.set(w.field.clone(), w.new.clone());
        }
        let (jira, ado) = if from_ado { (target, source) } else { (source, target) };
        let pair = LinkedPair {
            link: LinkRef { jira_id: jira.item.id.clone(), jira_key: None, ado_id: ado.item.id.clone() },
            baselines: create.baselines.clone(),
            jira,
            ado,
            resolutions: BTreeMap::new(),
            comments: None,
        relations: None,
        };
        prop_assert_eq!(run_pair(ConflictPolicy::Manual, &pair), vec![]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Once a pair is in sync, edits made on one side are written to the other side only:
    /// nothing bounces back to the side that was edited, whatever lossy maps lie between.
    #[test]
    fn edits_flow_one_way_only(
        jv in field_values(J),
        av in field_values(A),
        bs in baseline_strategy(),
        edit_side_is_ado in any::<bool>(),
        picks in proptest::collection::vec(proptest::option::of(0usize..8), 8),
        policy in prop_oneof![Just(ConflictPolicy::JiraWins), Just(ConflictPolicy::AdoWins)],
    ) {
        let m = mapping();
        let mut pair = build_pair(&jv, &av, &bs, (1, 2));
        let first = run_pair(policy, &pair);
        apply(&mut pair, &first);
        prop_assert!(run_pair(policy, &pair).is_empty());

        let edited = if edit_side_is_ado { A } else { J };
        for (f, pick) in m.fields.iter().zip(&picks) {
            // Edit some fields, drawing new values from the edited side's own domain.
            if let Some(pick) = pick {
                let options = domain(edited, f.name());
                let item = if edited == J { &mut pair.jira } else { &mut pair.ado };
                item.set(f.field(edited).to_owned(), options[pick % options.len()].clone());
            }
        }
        let second = run_pair(policy, &pair);
        for op in &second {
            let target = match op {
                Op::Update(u) => Some(u.target.side),
                Op::ChangeState(s) => Some(s.target.side),
                _ => None,
            };
            prop_assert_ne!(target, Some(edited), "{:?}", lines(&second));
        }
        apply(&mut pair, &second);
        prop_assert!(run_pair(policy, &pair).is_empty());
    }
}

#[test]
fn comments_are_planned_after_field_writes_and_before_the_record() {
    let mut pair = synced(&mapping());
    pair.jira.set("summary", Some(text("Renamed")));
    let comment = |id: &str, created: i64| crate::Comment {
        id: id.into(),
        author: None,
        body: crate::RichText::from_plain("hello"),
        created: EpochMs(created),
        updated: EpochMs(created),
        visibility: crate::Visibility::Public,
        origin: None,
    };
    pair.comments = Some(crate::CommentState {
        jira: vec![comment("10500", 7)],
        ado: vec![comment("3", 5)],
        pairs: vec![],
    });
    let ops = run_pair(ConflictPolicy::Manual, &pair);
    assert_eq!(
        lines(&ops),
        vec![
            "update ado:101; title: \"Login fails\" -> \"Renamed\"",
            "copy comment ado:3 to jira of jira:WEB-1 <-> ado:101",
            "copy comment jira:10500 to ado of jira:WEB-1 <-> ado:101",
            "record jira:WEB-1 <-> ado:101: title",
        ]
    );
    // A parked item gets no comment traffic either.
    pair.jira.set(
        "status",
        Some(FieldValue::State(StateValue::new("Blocked", None))),
    );
    let ops = run_pair(ConflictPolicy::Manual, &pair);
    assert!(
        matches!(ops.as_slice(), [Op::ParkItem { .. }]),
        "{:?}",
        lines(&ops)
    );
}

fn relation_links(side: Side) -> impl Strategy<Value = Vec<crate::ItemLink>> {
    use crate::LinkKind;
    let targets: Vec<&str> = if side == J {
        vec!["2", "3", "9"]
    } else {
        vec!["102", "103", "109"]
    };
    let kinds = vec![
        LinkKind::Parent,
        LinkKind::Blocks,
        LinkKind::Related,
        LinkKind::Child,
    ];
    proptest::collection::vec((pick(kinds), pick(targets)), 0..4).prop_map(|v| {
        let mut links: Vec<crate::ItemLink> = v
            .into_iter()
            .map(|(kind, t)| crate::ItemLink {
                kind,
                target: t.to_owned(),
            })
            .collect();
        links.sort();
        links.dedup();
        links
    })
}

proptest! {
    /// Relations converge like fields: after applying a plan, the next plan has nothing to do.
    #[test]
    fn relations_converge(
        jira in relation_links(J),
        ado in relation_links(A),
        stored in proptest::option::of(proptest::collection::btree_set(
            pick(vec!["parent:2", "parent:3", "blocks:2", "blocks:3", "related:2"]), 0..3)),
        direction in pick(vec![Direction::Both, Direction::JiraToAdo, Direction::AdoToJira]),
    ) {
        let m = mapping();
        let mut pair = synced(&m);
        pair.jira.links = jira;
        pair.ado.links = ado;
        if let Some(stored) = stored {
            let v = FieldValue::labels(stored).normalized();
            pair.baselines.insert(crate::RELATIONS_BASELINE.into(), Baseline { jira: v.clone(), ado: v });
        }
        pair.relations = Some(crate::RelationState {
            counterparts: [("2", "102"), ("3", "103")].into_iter().map(|(j, a)| (j.into(), a.into())).collect(),
        });
        let plan_once = |pair: &LinkedPair| run(&m, ConflictPolicy::Manual, direction, &[Entry::Linked(pair.clone())]);
        let first = plan_once(&pair);
        apply(&mut pair, &first);
        let second = plan_once(&pair);
        prop_assert!(second.is_empty(), "first {:?}\nsecond {:?}", lines(&first), lines(&second));
    }
}

#[test]
fn unmapped_users_skip_their_field_by_default_and_the_rest_syncs() {
    let mut m = mapping();
    m.users.unmapped = crate::UnmappedUsers::Skip;
    let mut pair = synced(&m);
    pair.ado.set(
        "System.AssignedTo",
        Some(FieldValue::User(UserRef::with_id("dan@example.com"))),
    );
    pair.ado.set("System.Title", Some(text("Still synced")));
    let ops = run(
        &m,
        ConflictPolicy::Manual,
        Direction::Both,
        &[Entry::Linked(pair.clone())],
    );
    assert_eq!(
        lines(&ops),
        vec![
            "update jira:WEB-1; title: \"Login fails\" -> \"Still synced\"",
            "record jira:WEB-1 <-> ado:101: title",
        ]
    );
    // A new item is created without the field.
    let story = jira_item("8", 5)
        .with("summary", text("x"))
        .with("assignee", FieldValue::User(UserRef::with_id("acc-nobody")));
    let ops = run(
        &m,
        ConflictPolicy::Manual,
        Direction::Both,
        &[Entry::Unlinked(story)],
    );
    assert_eq!(
        lines(&ops),
        vec!["create ado \"User Story\" from jira:WEB-8; title: (empty) -> \"x\""]
    );
}

#[test]
fn a_field_may_override_the_profile_policy() {
    let mut m = mapping();
    m.fields[0].conflict = Some(ConflictPolicy::JiraWins); // title
    let mut pair = synced(&m);
    pair.jira.set("summary", Some(text("J")));
    pair.ado.set("System.Title", Some(text("A")));
    pair.jira.set("labels", Some(FieldValue::labels(["j"])));
    pair.ado.set("System.Tags", Some(FieldValue::labels(["a"])));
    let ops = run(
        &m,
        ConflictPolicy::Manual,
        Direction::Both,
        &[Entry::Linked(pair)],
    );
    assert_eq!(
        lines(&ops),
        vec![
            "conflict jira:WEB-1 <-> ado:101 field labels: jira [j] vs ado [a]",
            "update ado:101; title: \"A\" -> \"J\"",
            "record jira:WEB-1 <-> ado:101: title",
        ]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A create that stopped half-way (the new item lacks some of the fields it was created
    /// with: a state it could not start in, fields its create screen refused, a crash) is
    /// linked with `adopt_baselines`; planning the pair then writes only to the new item,
    /// exactly what is missing, and one more plan finds nothing left.
    #[test]
    fn an_adopted_partial_create_converges(
        jv in field_values(J),
        from_ado in any::<bool>(),
        kept in proptest::collection::vec(any::<bool>(), 8),
    ) {
        let m = mapping();
        let source_side = if from_ado { A } else { J };
        let mut source = if from_ado { ado_item("55", 9) } else { jira_item("55", 9) };
        for (i, f) in m.fields.iter().enumerate() {
            let value = if from_ado { domain(A, f.name()).into_iter().next().flatten() } else { jv[i].clone() };
            source.set(f.field(source_side).to_owned(), value);
        }
        let ops = run(&m, ConflictPolicy::Manual, Direction::Both, &[Entry::Unlinked(source.clone())]);
        let Some(Op::Create(create)) = ops.first() else { return Ok(()) };
        let mut target = if from_ado { jira_item("66", 10) } else { ado_item("66", 10) };
        target.item_type.clone_from(&create.item_type);
        for (i, w) in create.fields.iter().chain(&create.state).enumerate() {
            if kept.get(i).copied().unwrap_or(true) {
                target.set(w.field.clone(), w.new.clone());
            }
        }
        let dir = directory();
        let settings = PlanSettings {
            mapping: &m,
            policy: ConflictPolicy::Manual,
            direction: Direction::Both,
            directory: &dir,
            comments: &CommentSettings::default(),
        };
        let baselines = adopt_baselines(&settings, &source, &target);
        let (jira, ado) = if from_ado { (target, source) } else { (source, target) };
        let mut pair = LinkedPair {
            link: LinkRef { jira_id: jira.item.id.clone(), jira_key: None, ado_id: ado.item.id.clone() },
            baselines,
            jira,
            ado,
            resolutions: BTreeMap::new(),
            comments: None,
            relations: None,
        };
        let first = run_pair(ConflictPolicy::Manual, &pair);
        for op in &first {
            if let Op::Update(UpdateOp { target, .. }) | Op::ChangeState(StateOp { target, .. }) = op {
                prop_assert_eq!(target.side, source_side.other(), "{:?}", lines(&first));
            }
            prop_assert!(!matches!(op, Op::ParkConflict(_)), "{:?}", lines(&first));
        }
        apply(&mut pair, &first);
        prop_assert_eq!(run_pair(ConflictPolicy::Manual, &pair), vec![]);
    }
}
