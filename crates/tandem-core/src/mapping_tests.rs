#![allow(
    clippy::type_complexity,
    clippy::needless_pass_by_value,
    reason = "case tables are plain tuples of owned values"
)]

use super::*;
use crate::testkit::{ado_state, directory, jira_state, mapping, num, text, user};
use crate::value::StateCategory;

fn field<'m>(m: &'m Mapping, name: &str) -> &'m FieldMap {
    m.fields.iter().find(|f| f.name() == name).unwrap()
}

fn convert_with(
    m: &Mapping,
    name: &str,
    from: Side,
    v: Option<FieldValue>,
    types: (&str, &str),
) -> Result<Option<FieldValue>, ConvertError> {
    let dir = directory();
    let cx = ConvertCx {
        jira_type: types.0,
        ado_type: types.1,
        users: &m.users,
        directory: &dir,
    };
    field(m, name).convert(from, v.as_ref(), &cx)
}

fn convert(
    name: &str,
    from: Side,
    v: Option<FieldValue>,
) -> Result<Option<FieldValue>, ConvertError> {
    convert_with(&mapping(), name, from, v, ("Story", "User Story"))
}

fn date(s: &str) -> FieldValue {
    FieldValue::Date(s.parse().unwrap())
}

fn instant(s: &str) -> FieldValue {
    FieldValue::DateTime(EpochMs::from_timestamp(s.parse().unwrap()))
}

fn u(id: &str) -> FieldValue {
    FieldValue::User(UserRef::with_id(id))
}

const J: Side = Side::Jira;
const A: Side = Side::Ado;

#[test]
fn value_conversions() {
    // (case, mapping name, from, value, expected)
    let cases: Vec<(&str, &str, Side, Option<FieldValue>, Option<FieldValue>)> = vec![
        (
            "text",
            "title",
            J,
            Some(text("Fix login")),
            Some(text("Fix login")),
        ),
        ("empty stays empty", "title", A, None, None),
        (
            "rich text from plain",
            "description",
            J,
            Some(text("a\n\nb")),
            Some(FieldValue::RichText(RichText::from_plain("a\n\nb"))),
        ),
        (
            "state pair",
            "state",
            J,
            Some(jira_state("In Progress")),
            Some(ado_state("Active")),
        ),
        (
            "state back",
            "state",
            A,
            Some(ado_state("Active")),
            Some(jira_state("In Progress")),
        ),
        (
            "lossy state",
            "state",
            A,
            Some(ado_state("Resolved")),
            Some(jira_state("Done")),
        ),
        (
            "category fallback",
            "state",
            J,
            Some(jira_state("In Review")),
            Some(ado_state("Active")),
        ),
        (
            "case-insensitive",
            "state",
            J,
            Some(jira_state("in progress")),
            Some(ado_state("Active")),
        ),
        (
            "priority",
            "priority",
            J,
            Some(FieldValue::Choice("High".into())),
            Some(num(2.0)),
        ),
        (
            "priority back",
            "priority",
            A,
            Some(num(4.0)),
            Some(FieldValue::Choice("Low".into())),
        ),
        (
            "user pair by email",
            "assignee",
            J,
            Some(FieldValue::User(user("acc-ann", "ann@example.com", "Ann"))),
            Some(FieldValue::User(user(
                "ann@example.com",
                "ann@example.com",
                "Ann",
            ))),
        ),
        (
            "ado user by unique name",
            "assignee",
            A,
            Some(u("bob@example.com")),
            Some(FieldValue::User(user("acc-bob", "bob@example.com", "Bob"))),
        ),
        (
            "ado accepts an e-mail",
            "assignee",
            J,
            Some(FieldValue::User(user("acc-cat", "cat@example.com", "Cat"))),
            Some(FieldValue::User(user(
                "cat@example.com",
                "cat@example.com",
                "Cat",
            ))),
        ),
        (
            "labels lose spaces",
            "labels",
            A,
            Some(FieldValue::labels(["needs review", "ui"])),
            Some(FieldValue::labels(["needs_review", "ui"])),
        ),
        (
            "tags lose separators",
            "labels",
            J,
            Some(FieldValue::labels(["a,b", "c;d"])),
            Some(FieldValue::labels(["a_b", "c_d"])),
        ),
        (
            "seconds to hours",
            "estimate",
            J,
            Some(num(5400.0)),
            Some(num(1.5)),
        ),
        (
            "hours to seconds",
            "estimate",
            A,
            Some(num(0.25)),
            Some(num(900.0)),
        ),
        (
            "float noise rounds away",
            "estimate",
            J,
            Some(num(1.0)),
            Some(num(0.000278)),
        ),
        (
            "date to midnight",
            "due",
            J,
            Some(date("2024-03-01")),
            Some(instant("2024-03-01T00:00:00Z")),
        ),
        (
            "instant to date",
            "due",
            A,
            Some(instant("2024-03-01T23:30:00Z")),
            Some(date("2024-03-01")),
        ),
    ];
    for (case, name, from, value, expected) in cases {
        assert_eq!(convert(name, from, value).as_ref(), Ok(&expected), "{case}");
    }
}

#[test]
fn conversion_errors_name_the_fix() {
    let cases: Vec<(&str, &str, Side, FieldValue, &str)> = vec![
        (
            "unknown state",
            "state",
            J,
            jira_state("Blocked"),
            "Jira state \"Blocked\" (type \"User Story\") has no counterpart on Azure DevOps: add a pair",
        ),
        (
            "unknown ado state",
            "state",
            A,
            FieldValue::State(StateValue::new("Frozen", None)),
            "Azure DevOps state \"Frozen\" (type \"Story\") has no counterpart on Jira",
        ),
        (
            "unmapped priority",
            "priority",
            J,
            FieldValue::Choice("Urgent".into()),
            "Jira value \"Urgent\" of field \"priority\" has no counterpart on Azure DevOps",
        ),
        (
            "unmapped ado priority",
            "priority",
            A,
            num(7.0),
            "Azure DevOps value 7 of field \"Microsoft.VSTS.Common.Priority\" has no counterpart",
        ),
        (
            "unmapped ado user",
            "assignee",
            A,
            FieldValue::User(user("dan@example.com", "dan@example.com", "Dan")),
            "Azure DevOps user Dan <dan@example.com> has no counterpart on Jira: add a pair to the user map",
        ),
        (
            "jira user without e-mail",
            "assignee",
            J,
            u("acc-zed"),
            "Jira user acc-zed has no counterpart on Azure DevOps",
        ),
        (
            "wrong kind",
            "title",
            J,
            num(3.0),
            "Jira field \"summary\" holds a number value, but its mapping converts text values",
        ),
    ];
    for (case, name, from, value, message) in cases {
        let err = convert(name, from, Some(value)).expect_err(case);
        assert!(err.to_string().starts_with(message), "{case}: {err}");
    }
}

#[test]
fn explicit_user_pairs_and_display_names() {
    let mut m = mapping();
    m.users.pairs.push(UserPair {
        default: false,
        jira: "acc-zed".into(),
        ado: "zed@corp.example".into(),
    });
    m.users.match_by = vec![UserMatch::DisplayName];
    let got = convert_with(
        &m,
        "assignee",
        J,
        Some(u("acc-zed")),
        ("Story", "User Story"),
    );
    assert_eq!(got, Ok(Some(u("zed@corp.example"))));
    let got = convert_with(
        &m,
        "assignee",
        A,
        Some(u("ZED@corp.example")),
        ("Story", "User Story"),
    );
    assert_eq!(got, Ok(Some(u("acc-zed"))));
    // Display names match only when unique, and only when asked to.
    let ann = UserRef {
        display_name: Some("Ann".into()),
        ..UserRef::default()
    };
    let got = convert_with(
        &m,
        "assignee",
        J,
        Some(FieldValue::User(ann)),
        ("Story", "User Story"),
    );
    assert_eq!(
        got,
        Ok(Some(FieldValue::User(user(
            "ann@example.com",
            "ann@example.com",
            "Ann"
        ))))
    );
}

#[test]
fn state_pairs_restricted_to_a_type_win_for_that_type() {
    let mut m = mapping();
    let Converter::State(states) = &mut m.fields.iter_mut().find(|f| f.is_state()).unwrap().convert
    else {
        panic!("standard mapping has a state field")
    };
    states.pairs.insert(
        0,
        StatePair {
            default: false,
            jira: "Done".into(),
            ado: "Resolved".into(),
            jira_type: None,
            ado_type: Some("Bug".into()),
        },
    );
    states.categories.push(CategoryDefault {
        category: StateCategory::ToDo,
        jira: None,
        ado: Some("Proposed".into()),
        jira_type: None,
        ado_type: Some("Bug".into()),
    });
    let done = Some(jira_state("Done"));
    assert_eq!(
        convert_with(&m, "state", J, done.clone(), ("Bug", "Bug")),
        Ok(Some(ado_state("Resolved")))
    );
    assert_eq!(
        convert_with(&m, "state", J, done, ("Story", "User Story")),
        Ok(Some(ado_state("Closed")))
    );
    let backlog = Some(jira_state("Backlog"));
    assert_eq!(
        convert_with(&m, "state", J, backlog.clone(), ("Bug", "Bug")),
        Ok(Some(ado_state("Proposed")))
    );
    assert_eq!(
        convert_with(&m, "state", J, backlog, ("Story", "User Story")),
        Ok(Some(ado_state("New")))
    );
}

#[test]
fn area_path_and_components() {
    let mut m = Mapping::default();
    m.fields.push(FieldMap::new(
        "area",
        "components",
        "System.AreaPath",
        Converter::AreaComponent(AreaMap {
            root: "Web".into(),
            pairs: vec![AreaPair {
                component: "API".into(),
                area: "Web\\Backend\\Api".into(),
            }],
        }),
    ));
    let path = |s: &str| FieldValue::Path(s.split('\\').map(str::to_owned).collect());
    let t = ("Story", "User Story");
    let cases: Vec<(
        &str,
        Side,
        Option<FieldValue>,
        Result<Option<FieldValue>, ()>,
    )> = vec![
        ("no component: the root", J, None, Ok(Some(path("Web")))),
        (
            "component: a child area",
            J,
            Some(FieldValue::labels(["Frontend"])),
            Ok(Some(path("Web\\Frontend"))),
        ),
        (
            "explicit pair",
            J,
            Some(FieldValue::labels(["api"])),
            Ok(Some(path("Web\\Backend\\Api"))),
        ),
        ("root: no component", A, Some(path("Web")), Ok(None)),
        (
            "child: component",
            A,
            Some(path("web\\Frontend\\Widgets")),
            Ok(Some(FieldValue::labels(["Frontend"]))),
        ),
        (
            "explicit pair back",
            A,
            Some(path("Web\\Backend\\Api")),
            Ok(Some(FieldValue::labels(["API"]))),
        ),
        ("outside the root", A, Some(path("Mobile\\Ios")), Err(())),
    ];
    for (case, from, value, expected) in cases {
        let got = convert_with(&m, "area", from, value, t).map_err(|_| ());
        assert_eq!(got, expected, "{case}");
    }
}

#[test]
fn validation_finds_contradictions() {
    let mut m = mapping();
    m.fields.push(FieldMap::new(
        "title",
        "summary",
        "Custom.Other",
        Converter::Text,
    ));
    m.fields.push(FieldMap::new(
        "state2",
        "customfield_1",
        "Custom.State",
        m.fields[2].convert.clone(),
    ));
    m.fields.push(FieldMap::new(
        "pts",
        "customfield_2",
        "Custom.Pts",
        Converter::Number {
            jira_per_ado: Some(0.0),
        },
    ));
    let errors = m.validate().unwrap_err();
    assert_eq!(
        errors,
        vec![
            MappingError::DuplicateName("title".into()),
            MappingError::DuplicateField {
                side: Side::Jira,
                field: "summary".into()
            },
            MappingError::BadScale("pts".into()),
            MappingError::SeveralStates,
        ]
    );
    assert_eq!(mapping().validate(), Ok(()));
}

#[test]
fn mapping_reads_from_config_shaped_data() {
    // The config crate deserialises this shape from TOML; JSON shows the same structure.
    let json = r#"{
        "types": [{"jira": "Bug", "ado": "Bug"}],
        "fields": [
            {"jira": "summary", "ado": "System.Title", "convert": {"kind": "text"}},
            {"name": "pts", "jira": "customfield_10016", "ado": "Microsoft.VSTS.Scheduling.StoryPoints",
             "direction": "jira-to-ado", "convert": {"kind": "number"}},
            {"jira": "status", "ado": "System.State", "convert": {"kind": "state",
             "pairs": [{"jira": "Done", "ado": "Closed"}],
             "categories": [{"category": "in-progress", "jira": "In Progress", "ado": "Active"}]}}
        ],
        "users": {"pairs": [{"jira": "557058:1", "ado": "a@b.c"}], "match_by": ["email", "display-name"]}
    }"#;
    let m: Mapping = serde_json::from_str(json).unwrap();
    assert_eq!(m.fields[0].name(), "summary");
    assert_eq!(m.fields[1].direction, Direction::JiraToAdo);
    assert!(m.users.ado_accepts_email);
    assert_eq!(m.counterpart_type(Side::Ado, "bug"), Some("Bug"));
    assert_eq!(m.counterpart_type(Side::Jira, "Spike"), None);
    assert_eq!(
        m.field_ids(Side::Ado),
        [
            "System.Title",
            "Microsoft.VSTS.Scheduling.StoryPoints",
            "System.State"
        ]
    );
    assert!(serde_json::from_str::<Mapping>(r#"{"fields": [], "extra": 1}"#).is_err());
}

#[test]
fn directions_combine() {
    use Direction::*;
    assert_eq!(Both.and(JiraToAdo), Some(JiraToAdo));
    assert_eq!(AdoToJira.and(Both), Some(AdoToJira));
    assert_eq!(JiraToAdo.and(AdoToJira), None);
    assert!(JiraToAdo.allows(Side::Jira) && !JiraToAdo.allows(Side::Ado));
}

#[test]
fn default_pairs_decide_reverse_lookups() {
    let mut m = mapping();
    let Converter::State(states) = &mut m.fields.iter_mut().find(|f| f.is_state()).unwrap().convert
    else {
        panic!("standard mapping has a state field")
    };
    // "In Review" and "In Progress" both map to "Active"; the default picks the way back.
    states.pairs.push(StatePair {
        jira: "In Review".into(),
        ado: "Active".into(),
        jira_type: None,
        ado_type: None,
        default: true,
    });
    let t = ("Story", "User Story");
    assert_eq!(
        convert_with(&m, "state", A, Some(ado_state("Active")), t),
        Ok(Some(jira_state("In Review")))
    );
    assert_eq!(
        convert_with(&m, "state", J, Some(jira_state("In Progress")), t),
        Ok(Some(ado_state("Active")))
    );
    m.types.push(TypePair {
        jira: "Improvement".into(),
        ado: "User Story".into(),
        default: true,
    });
    assert_eq!(
        m.counterpart_type(Side::Ado, "User Story"),
        Some("Improvement")
    );
    assert_eq!(m.counterpart_type(Side::Jira, "Story"), Some("User Story"));
}

#[test]
fn user_pairs_may_name_the_jira_user_by_email() {
    let mut m = mapping();
    m.users.pairs.push(UserPair {
        jira: "cat@example.com".into(),
        ado: "cathy@corp.example".into(),
        default: false,
    });
    let cat = FieldValue::User(user("acc-cat", "cat@example.com", "Cat"));
    assert_eq!(
        convert_with(&m, "assignee", J, Some(cat), ("Story", "User Story")),
        Ok(Some(u("cathy@corp.example")))
    );
    // Back again, the e-mail is resolved to the accountId through the directory.
    let got = convert_with(
        &m,
        "assignee",
        A,
        Some(u("cathy@corp.example")),
        ("Story", "User Story"),
    );
    assert_eq!(
        got,
        Ok(Some(FieldValue::User(user(
            "acc-cat",
            "cat@example.com",
            "Cat"
        ))))
    );
}

#[test]
fn unmapped_users_can_become_the_sync_user() {
    let mut m = mapping();
    m.users.unmapped = UnmappedUsers::SyncUser;
    m.users.sync_users.jira = Some(UserRef::with_id("acc-bot"));
    let dan = FieldValue::User(user("dan@example.com", "dan@example.com", "Dan"));
    let got = convert_with(
        &m,
        "assignee",
        A,
        Some(dan.clone()),
        ("Story", "User Story"),
    );
    assert_eq!(got, Ok(Some(u("acc-bot"))));
    // Without a known sync user it is still an error.
    m.users.sync_users.jira = None;
    assert!(convert_with(&m, "assignee", A, Some(dan), ("Story", "User Story")).is_err());
}

#[test]
fn well_known_fields_need_no_converter_setting() {
    let cases = [
        ("summary", "System.Title", Some("text")),
        ("description", "System.Description", Some("rich-text")),
        (
            "customfield_1",
            "Microsoft.VSTS.TCM.ReproSteps",
            Some("rich-text"),
        ),
        ("assignee", "System.AssignedTo", Some("user")),
        ("labels", "System.Tags", Some("labels")),
        (
            "priority",
            "Microsoft.VSTS.Common.Priority",
            Some("priority"),
        ),
        (
            "timeoriginalestimate",
            "Microsoft.VSTS.Scheduling.OriginalEstimate",
            Some("number"),
        ),
        (
            "customfield_10016",
            "Microsoft.VSTS.Scheduling.StoryPoints",
            Some("number"),
        ),
        ("duedate", "Microsoft.VSTS.Scheduling.DueDate", Some("date")),
        ("status", "System.State", None),
        ("customfield_2", "Custom.Thing", None),
    ];
    for (jira, ado, kind) in cases {
        let got = Converter::for_fields(jira, ado).map(|c| {
            serde_json::to_value(c).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_owned()
        });
        assert_eq!(got.as_deref(), kind, "{jira} / {ado}");
    }
}

#[test]
fn sprints_and_iterations() {
    let mut m = Mapping::default();
    m.fields.push(FieldMap::new(
        "sprint",
        "customfield_10020",
        "System.IterationPath",
        Converter::SprintIteration {
            root: "Web\\Sprints".into(),
        },
    ));
    let path = |s: &str| FieldValue::Path(s.split('\\').map(str::to_owned).collect());
    let sprint = |id: &str, name: &str| NamedRef {
        id: Some(id.into()),
        name: name.into(),
    };
    let t = ("Story", "User Story");
    let cases: Vec<(
        &str,
        Side,
        Option<FieldValue>,
        Result<Option<FieldValue>, ()>,
    )> = vec![
        (
            "the current sprint is the last",
            J,
            Some(FieldValue::Refs(vec![
                sprint("1", "Sprint 1"),
                sprint("2", "Sprint 2"),
            ])),
            Ok(Some(path("Web\\Sprints\\Sprint 2"))),
        ),
        (
            "forbidden characters go",
            J,
            Some(FieldValue::Refs(vec![sprint("3", "Q3: auth/login")])),
            Ok(Some(path("Web\\Sprints\\Q3 authlogin"))),
        ),
        (
            "no sprint is the backlog root",
            J,
            None,
            Ok(Some(path("Web\\Sprints"))),
        ),
        (
            "iteration names the sprint",
            A,
            Some(path("web\\sprints\\Sprint 2")),
            Ok(Some(FieldValue::Refs(vec![NamedRef::named("Sprint 2")]))),
        ),
        (
            "the root is no sprint",
            A,
            Some(path("Web\\Sprints")),
            Ok(None),
        ),
        (
            "outside the root",
            A,
            Some(path("Mobile\\Sprint 9")),
            Err(()),
        ),
    ];
    for (case, from, value, expected) in cases {
        assert_eq!(
            convert_with(&m, "sprint", from, value, t).map_err(|_| ()),
            expected,
            "{case}"
        );
    }
}
