//! Fixtures shared by the unit tests: the standard mapping, a user directory and item
//! builders.

use crate::item::{Item, ItemRef, LinkRef};
use crate::mapping::{Converter, FieldMap, Mapping, UserDirectory};
use crate::side::{Side, Sided};
use crate::time::EpochMs;
use crate::value::{FieldValue, Number, StateCategory, StateValue, UserRef};

pub(crate) fn user(id: &str, email: &str, name: &str) -> UserRef {
    UserRef {
        id: Some(id.into()),
        email: Some(email.into()),
        display_name: Some(name.into()),
    }
}

/// Ann and Bob exist on both sides; Cat only on Jira; Dan only on ADO.
pub(crate) fn directory() -> UserDirectory {
    UserDirectory {
        users: Sided::new(
            vec![
                user("acc-ann", "ann@example.com", "Ann"),
                user("acc-bob", "bob@example.com", "Bob"),
                user("acc-cat", "cat@example.com", "Cat"),
            ],
            vec![
                user("ann@example.com", "ann@example.com", "Ann"),
                user("bob@example.com", "bob@example.com", "Bob"),
                user("dan@example.com", "dan@example.com", "Dan"),
            ],
        ),
    }
}

/// The standard mapping plus an estimate (seconds to hours) and a due date; unmapped users
/// park their item.
pub(crate) fn mapping() -> Mapping {
    let mut m = Mapping::standard();
    // Tests see unmapped users as errors unless they say otherwise.
    m.users.unmapped = crate::mapping::UnmappedUsers::Error;
    m.fields.push(FieldMap::new(
        "estimate",
        "timeoriginalestimate",
        "Microsoft.VSTS.Scheduling.OriginalEstimate",
        Converter::Number {
            jira_per_ado: Some(3600.0),
        },
    ));
    m.fields.push(FieldMap::new(
        "due",
        "duedate",
        "Microsoft.VSTS.Scheduling.DueDate",
        Converter::Date,
    ));
    m
}

pub(crate) fn text(s: &str) -> FieldValue {
    FieldValue::Text(s.into())
}

pub(crate) fn num(n: f64) -> FieldValue {
    FieldValue::Number(Number::new(n).unwrap())
}

pub(crate) fn jira_state(name: &str) -> FieldValue {
    let category = match name {
        "To Do" | "Backlog" => Some(StateCategory::ToDo),
        "In Progress" | "In Review" => Some(StateCategory::InProgress),
        "Done" | "Won't Do" => Some(StateCategory::Done),
        _ => None,
    };
    FieldValue::State(StateValue::new(name, category))
}

pub(crate) fn ado_state(name: &str) -> FieldValue {
    let category = match name {
        "New" => Some(StateCategory::ToDo),
        "Active" => Some(StateCategory::InProgress),
        "Resolved" | "Closed" | "Removed" => Some(StateCategory::Done),
        _ => None,
    };
    FieldValue::State(StateValue::new(name, category))
}

pub(crate) fn jira_item(id: &str, updated: i64) -> Item {
    let mut r = ItemRef::new(Side::Jira, id);
    r.key = Some(format!("WEB-{id}"));
    Item::new(r, "Story", EpochMs(updated))
}

pub(crate) fn ado_item(id: &str, updated: i64) -> Item {
    let mut i = Item::new(ItemRef::new(Side::Ado, id), "User Story", EpochMs(updated));
    i.revision = Some(1);
    i
}

pub(crate) fn link(jira: &str, ado: &str) -> LinkRef {
    LinkRef {
        jira_id: jira.into(),
        jira_key: Some(format!("WEB-{jira}")),
        ado_id: ado.into(),
    }
}
