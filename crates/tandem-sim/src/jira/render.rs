//! JSON shapes of Jira's resources, after the published schemas (Cloud v3 OpenAPI) and the
//! observed DC shapes (jira-api.md §2). v3 carries rich text as ADF, v2 as wiki markup.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::adf;
use super::spec::{AccountType, Category, CustomType, Flavour, ProjectType};
use super::state::{Api, Ctx, ts};
use super::world::{
    Attachment, ChangeGroup, Comment, Issue, IssueType, Priority, Project, Status, UserIx, World,
};

fn avatars(seed: &str) -> Value {
    let u = |s: u32| {
        format!("https://avatar-management.services.atlassian.com/default/{s}?seed={seed}")
    };
    json!({"48x48": u(48), "24x24": u(24), "16x16": u(16), "32x32": u(32)})
}

/// A user as another caller sees it (`viewer`), privacy applied.
pub(crate) fn user(w: &World, ctx: &Ctx, u: UserIx) -> Value {
    let usr = &w.users[u];
    let show_email = usr.email_visible || ctx.user == Some(u);
    match w.flavour {
        Flavour::Cloud => {
            let mut v = json!({
                "self": format!("{}/user?accountId={}", ctx.rest(), usr.account_id),
                "accountId": usr.account_id,
                "accountType": match usr.account_type {
                    AccountType::Atlassian => "atlassian",
                    AccountType::Customer => "customer",
                    AccountType::App => "app",
                },
                "avatarUrls": avatars(&usr.account_id),
                "displayName": usr.display_name,
                "active": usr.active,
                "timeZone": usr.time_zone,
            });
            if show_email && let (Some(e), Some(o)) = (&usr.email, v.as_object_mut()) {
                o.insert("emailAddress".into(), json!(e));
            }
            v
        }
        Flavour::Datacenter => json!({
            "self": format!("{}/user?username={}", ctx.rest(), usr.name),
            "key": usr.key,
            "name": usr.name,
            "emailAddress": if show_email { json!(usr.email) } else { Value::Null },
            "avatarUrls": avatars(&usr.key),
            "displayName": usr.display_name,
            "active": usr.active,
            "timeZone": usr.time_zone,
        }),
    }
}

pub(crate) fn category(ctx: &Ctx, c: Category) -> Value {
    let (id, key, color, name) = match c {
        Category::New => (2, "new", "blue-gray", "To Do"),
        Category::Indeterminate => (4, "indeterminate", "yellow", "In Progress"),
        Category::Done => (3, "done", "green", "Done"),
    };
    json!({"self": format!("{}/statuscategory/{id}", ctx.rest()), "id": id, "key": key, "colorName": color, "name": name})
}

pub(crate) fn status(ctx: &Ctx, s: &Status) -> Value {
    json!({
        "self": format!("{}/status/{}", ctx.rest(), s.id),
        "description": s.description,
        "iconUrl": format!("{}/images/icons/statuses/generic.png", ctx.base),
        "name": s.name,
        "id": s.id,
        "statusCategory": category(ctx, s.category),
    })
}

pub(crate) fn issue_type(ctx: &Ctx, t: &IssueType) -> Value {
    json!({
        "self": format!("{}/issuetype/{}", ctx.rest(), t.id),
        "id": t.id,
        "description": t.description,
        "iconUrl": format!("{}/images/icons/issuetypes/{}.svg", ctx.base, t.name.to_lowercase().replace(' ', "-")),
        "name": t.name,
        "subtask": t.subtask,
        "avatarId": 10300,
        "hierarchyLevel": t.hierarchy_level,
    })
}

pub(crate) fn priority(ctx: &Ctx, p: &Priority) -> Value {
    json!({
        "self": format!("{}/priority/{}", ctx.rest(), p.id),
        "iconUrl": format!("{}/images/icons/priorities/{}.svg", ctx.base, p.name.to_lowercase()),
        "name": p.name,
        "id": p.id,
        "statusColor": p.color,
        "description": format!("{} priority", p.name),
    })
}

pub(crate) fn project_type_key(k: ProjectType) -> &'static str {
    match k {
        ProjectType::Software => "software",
        ProjectType::Business => "business",
        ProjectType::ServiceDesk => "service_desk",
    }
}

/// The short project shape used inside issues and lists.
pub(crate) fn project_ref(ctx: &Ctx, p: &Project) -> Value {
    json!({
        "self": format!("{}/project/{}", ctx.rest(), p.id),
        "id": p.id,
        "key": p.key,
        "name": p.name,
        "projectTypeKey": project_type_key(p.kind),
        "simplified": false,
        "avatarUrls": avatars(&p.key),
    })
}

/// The full project (`GET /project/{key}`).
pub(crate) fn project_full(w: &World, ctx: &Ctx, p: &Project) -> Value {
    let mut v = project_ref(ctx, p);
    let roles: Map<String, Value> = p
        .roles
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                json!(format!("{}/project/{}/role/{}", ctx.rest(), p.id, r.id)),
            )
        })
        .collect();
    if let Some(o) = v.as_object_mut() {
        o.insert("description".into(), json!(p.description));
        o.insert("lead".into(), user(w, ctx, p.lead));
        o.insert(
            "issueTypes".into(),
            Value::Array(
                p.issue_types
                    .iter()
                    .map(|&t| issue_type(ctx, &w.issue_types[t]))
                    .collect(),
            ),
        );
        o.insert("roles".into(), Value::Object(roles));
        o.insert("assigneeType".into(), json!("UNASSIGNED"));
        o.insert("isPrivate".into(), json!(false));
        o.insert("style".into(), json!("classic"));
        o.insert("components".into(), json!([]));
        o.insert("versions".into(), json!([]));
    }
    v
}

/// Rich text as the request's API version carries it.
pub(crate) fn rich(w: &World, ctx: &Ctx, doc: &Value) -> Value {
    match ctx.api {
        Api::V3 => doc.clone(),
        Api::V2 => Value::String(adf::to_wiki(doc, &|id| {
            w.media
                .get(id)
                .and_then(|a| w.attachments.get(a))
                .map(|a| a.filename.clone())
        })),
    }
}

pub(crate) fn rendered(w: &World, doc: &Value) -> Value {
    Value::String(adf::to_html(doc, &|id| w.media.get(id).copied()))
}

pub(crate) fn comment(
    w: &World,
    ctx: &Ctx,
    issue: &Issue,
    c: &Comment,
    rendered_body: bool,
) -> Value {
    let mut v = json!({
        "self": format!("{}/issue/{}/comment/{}", ctx.rest(), issue.id, c.id),
        "id": c.id.to_string(),
        "author": c.author.map(|u| user(w, ctx, u)),
        "body": rich(w, ctx, &c.body.value()),
        "updateAuthor": c.update_author.map(|u| user(w, ctx, u)),
        "created": ts(c.created),
        "updated": ts(c.updated),
        "jsdPublic": c.jsd_public,
    });
    if let Some(o) = v.as_object_mut() {
        if let Some((t, val)) = &c.visibility {
            o.insert(
                "visibility".into(),
                json!({"type": t, "value": val, "identifier": val}),
            );
        }
        if rendered_body {
            o.insert("renderedBody".into(), rendered(w, &c.body.value()));
        }
        if w.flavour == Flavour::Datacenter {
            o.remove("jsdPublic");
        }
    }
    v
}

pub(crate) fn attachment(w: &World, ctx: &Ctx, a: &Attachment) -> Value {
    let content = match w.flavour {
        Flavour::Cloud => format!("{}/attachment/content/{}", ctx.rest(), a.id),
        Flavour::Datacenter => format!("{}/secure/attachment/{}/{}", ctx.base, a.id, a.filename),
    };
    json!({
        "self": format!("{}/attachment/{}", ctx.rest(), a.id),
        "id": a.id.to_string(),
        "filename": a.filename,
        "author": a.author.map(|u| user(w, ctx, u)),
        "created": ts(a.created),
        "size": a.content.len(),
        "mimeType": a.mime,
        "content": content,
    })
}

pub(crate) fn change_group(w: &World, ctx: &Ctx, g: &ChangeGroup) -> Value {
    json!({
        "id": g.id.to_string(),
        "author": g.author.map(|u| user(w, ctx, u)),
        "created": ts(g.created),
        "items": g.items.iter().map(|i| json!({
            "field": i.field,
            "fieldtype": i.fieldtype,
            "fieldId": i.field_id,
            "from": i.from,
            "fromString": i.from_string,
            "to": i.to,
            "toString": i.to_string,
        })).collect::<Vec<_>>(),
    })
}

fn issue_slim(w: &World, ctx: &Ctx, id: u64) -> Value {
    let Some(is) = w.issues.get(&id) else {
        return Value::Null;
    };
    json!({
        "id": is.id.to_string(),
        "key": is.key,
        "self": format!("{}/issue/{}", ctx.rest(), is.id),
        "fields": {
            "summary": is.summary,
            "status": status(ctx, &w.statuses[is.status]),
            "priority": is.priority.map(|p| priority(ctx, &w.priorities[p])),
            "issuetype": issue_type(ctx, &w.issue_types[is.issue_type]),
        }
    })
}

pub(crate) fn issue_link(w: &World, ctx: &Ctx, link_id: u64, from: u64) -> Value {
    let Some(l) = w.links.get(&link_id) else {
        return Value::Null;
    };
    let t = &w.link_types[l.link_type];
    let mut v = json!({
        "id": l.id.to_string(),
        "self": format!("{}/issueLink/{}", ctx.rest(), l.id),
        "type": link_type(ctx, t),
    });
    if let Some(o) = v.as_object_mut() {
        if l.outward == from {
            o.insert("inwardIssue".into(), issue_slim(w, ctx, l.inward));
        } else {
            o.insert("outwardIssue".into(), issue_slim(w, ctx, l.outward));
        }
    }
    v
}

pub(crate) fn link_type(ctx: &Ctx, t: &super::world::LinkType) -> Value {
    json!({"id": t.id, "name": t.name, "inward": t.inward, "outward": t.outward, "self": format!("{}/issueLinkType/{}", ctx.rest(), t.id)})
}

/// Field ids the issue has, in navigable order.
pub(crate) fn all_field_ids(w: &World) -> Vec<String> {
    let mut v: Vec<String> = [
        "summary",
        "description",
        "issuetype",
        "project",
        "status",
        "priority",
        "labels",
        "assignee",
        "reporter",
        "creator",
        "created",
        "updated",
        "resolutiondate",
        "duedate",
        "parent",
        "comment",
        "attachment",
        "issuelinks",
        "statuscategorychangedate",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.extend(w.custom_fields.keys().cloned());
    v
}

/// Which fields to render, from a `fields` parameter (`*all`, `*navigable`, ids, `-id`).
pub(crate) fn select_fields(
    w: &World,
    requested: &[String],
    default_all: bool,
) -> BTreeSet<String> {
    let all = all_field_ids(w);
    let mut set = BTreeSet::new();
    let mut any_positive = false;
    for f in requested {
        match f.as_str() {
            "*all" | "*navigable" => {
                any_positive = true;
                set.extend(all.iter().cloned());
            }
            f if f.starts_with('-') => {}
            f => {
                any_positive = true;
                set.insert(f.to_owned());
            }
        }
    }
    if !any_positive && default_all {
        set.extend(all.iter().cloned());
    }
    for f in requested {
        if let Some(x) = f.strip_prefix('-') {
            set.remove(x);
        }
    }
    set
}

/// An issue with the selected fields and expansions.
pub(crate) fn issue(
    w: &World,
    ctx: &Ctx,
    is: &Issue,
    fields: &BTreeSet<String>,
    expand: &[String],
    properties: &[String],
) -> Value {
    let mut f = Map::new();
    let want = |k: &str| fields.contains(k);
    let p = &w.projects[is.project];
    let visible_comments: Vec<&Comment> = is
        .comments
        .iter()
        .filter(|c| w.can_see_comment(ctx.user, is.project, c.visibility.as_ref()))
        .collect();
    for k in fields {
        let v = match k.as_str() {
            "summary" => json!(is.summary),
            "description" => is
                .description
                .as_ref()
                .map_or(Value::Null, |d| rich(w, ctx, &d.value())),
            "issuetype" => issue_type(ctx, &w.issue_types[is.issue_type]),
            "project" => project_ref(ctx, p),
            "status" => status(ctx, &w.statuses[is.status]),
            "statuscategorychangedate" => ts(is.updated),
            "priority" => is
                .priority
                .map_or(Value::Null, |x| priority(ctx, &w.priorities[x])),
            "labels" => json!(is.labels),
            "assignee" => is.assignee.map_or(Value::Null, |u| user(w, ctx, u)),
            "reporter" => is.reporter.map_or(Value::Null, |u| user(w, ctx, u)),
            "creator" => is.creator.map_or(Value::Null, |u| user(w, ctx, u)),
            "created" => ts(is.created),
            "updated" => ts(is.updated),
            "resolutiondate" => is.resolution_date.map_or(Value::Null, ts),
            "resolution" => Value::Null,
            "duedate" => json!(is.duedate),
            "parent" => match is.parent {
                Some(pid) => issue_slim(w, ctx, pid),
                None => continue,
            },
            "comment" => json!({
                "comments": visible_comments.iter().map(|c| comment(w, ctx, is, c, false)).collect::<Vec<_>>(),
                "self": format!("{}/issue/{}/comment", ctx.rest(), is.id),
                "maxResults": visible_comments.len(),
                "total": visible_comments.len(),
                "startAt": 0,
            }),
            "attachment" => Value::Array(
                is.attachments
                    .iter()
                    .filter_map(|a| w.attachments.get(a))
                    .map(|a| attachment(w, ctx, a))
                    .collect(),
            ),
            "issuelinks" => Value::Array(
                is.links
                    .iter()
                    .map(|l| issue_link(w, ctx, *l, is.id))
                    .collect(),
            ),
            k if k.starts_with("customfield_") => {
                match (w.custom_fields.get(k), is.custom.get(k)) {
                    (Some(cf), Some(v)) if cf.kind == CustomType::Textarea => rich(w, ctx, v),
                    (Some(_), Some(v)) => v.clone(),
                    (Some(_), None) => Value::Null,
                    (None, _) => continue,
                }
            }
            _ => continue,
        };
        f.insert(k.clone(), v);
    }
    let _ = want;
    let mut v = json!({
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": is.id.to_string(),
        "self": format!("{}/issue/{}", ctx.rest(), is.id),
        "key": is.key,
        "fields": Value::Object(f),
    });
    let o = v.as_object_mut();
    let Some(o) = o else { return v };
    if !properties.is_empty() {
        let mut props = Map::new();
        for k in properties {
            if k == "*all" {
                for (pk, pv) in &is.properties {
                    props.insert(pk.clone(), pv.clone());
                }
            } else if let Some(pv) = is.properties.get(k) {
                props.insert(k.clone(), pv.clone());
            }
        }
        o.insert("properties".into(), Value::Object(props));
    }
    for e in expand {
        match e.as_str() {
            "renderedFields" => {
                let mut r = Map::new();
                for k in fields {
                    match k.as_str() {
                        "description" => {
                            r.insert(
                                k.clone(),
                                is.description
                                    .as_ref()
                                    .map_or(Value::Null, |d| rendered(w, &d.value())),
                            );
                        }
                        "comment" => {
                            r.insert(k.clone(), json!({"comments": visible_comments.iter().map(|c| comment(w, ctx, is, c, true)).collect::<Vec<_>>()}));
                        }
                        "created" | "updated" => {
                            let t = if k == "created" {
                                is.created
                            } else {
                                is.updated
                            };
                            r.insert(k.clone(), ts(t));
                        }
                        _ => {}
                    }
                }
                o.insert("renderedFields".into(), Value::Object(r));
            }
            "names" => {
                let mut n = Map::new();
                for k in fields {
                    n.insert(k.clone(), json!(field_name(w, k)));
                }
                o.insert("names".into(), Value::Object(n));
            }
            "changelog" => {
                let h: Vec<Value> = is
                    .changelog
                    .iter()
                    .map(|g| change_group(w, ctx, g))
                    .collect();
                o.insert(
                    "changelog".into(),
                    json!({"startAt": 0, "maxResults": h.len(), "total": h.len(), "histories": h}),
                );
            }
            _ => {}
        }
    }
    v
}

pub(crate) fn field_name(w: &World, id: &str) -> String {
    match id {
        "summary" => "Summary",
        "description" => "Description",
        "issuetype" => "Issue Type",
        "project" => "Project",
        "status" => "Status",
        "priority" => "Priority",
        "labels" => "Labels",
        "assignee" => "Assignee",
        "reporter" => "Reporter",
        "creator" => "Creator",
        "created" => "Created",
        "updated" => "Updated",
        "resolutiondate" => "Resolved",
        "resolution" => "Resolution",
        "duedate" => "Due date",
        "parent" => "Parent",
        "comment" => "Comment",
        "attachment" => "Attachment",
        "issuelinks" => "Linked Issues",
        "statuscategorychangedate" => "Status Category Changed",
        other => {
            return w
                .custom_fields
                .get(other)
                .map_or_else(|| other.to_owned(), |c| c.name.clone());
        }
    }
    .to_owned()
}

/// `schema` of a field, as in `/field`, createmeta and editmeta.
pub(crate) fn field_schema(w: &World, id: &str) -> Value {
    let sys = |t: &str| json!({"type": t, "system": id});
    match id {
        "summary" | "environment" => sys("string"),
        "description" => sys("string"),
        "issuetype" => sys("issuetype"),
        "project" => sys("project"),
        "status" => sys("status"),
        "priority" => sys("priority"),
        "labels" => json!({"type": "array", "items": "string", "system": "labels"}),
        "assignee" | "reporter" | "creator" => sys("user"),
        "created" | "updated" | "resolutiondate" | "statuscategorychangedate" => sys("datetime"),
        "duedate" => sys("date"),
        "parent" => sys("issuelink"),
        "comment" => sys("comments-page"),
        "attachment" => json!({"type": "array", "items": "attachment", "system": "attachment"}),
        "issuelinks" => json!({"type": "array", "items": "issuelinks", "system": "issuelinks"}),
        "resolution" => sys("resolution"),
        other => match w.custom_fields.get(other) {
            Some(cf) => {
                let num: i64 = other
                    .trim_start_matches("customfield_")
                    .parse()
                    .unwrap_or(0);
                let (t, custom) = match cf.kind {
                    CustomType::String => (
                        "string",
                        "com.atlassian.jira.plugin.system.customfieldtypes:textfield",
                    ),
                    CustomType::Textarea => (
                        "string",
                        "com.atlassian.jira.plugin.system.customfieldtypes:textarea",
                    ),
                    CustomType::Number => (
                        "number",
                        "com.atlassian.jira.plugin.system.customfieldtypes:float",
                    ),
                    CustomType::Date => (
                        "date",
                        "com.atlassian.jira.plugin.system.customfieldtypes:datepicker",
                    ),
                    CustomType::Select => (
                        "option",
                        "com.atlassian.jira.plugin.system.customfieldtypes:select",
                    ),
                    CustomType::Labels => (
                        "array",
                        "com.atlassian.jira.plugin.system.customfieldtypes:labels",
                    ),
                    CustomType::User => (
                        "user",
                        "com.atlassian.jira.plugin.system.customfieldtypes:userpicker",
                    ),
                };
                let mut s = json!({"type": t, "custom": custom, "customId": num});
                if cf.kind == CustomType::Labels
                    && let Some(o) = s.as_object_mut()
                {
                    o.insert("items".into(), json!("string"));
                }
                s
            }
            None => sys("any"),
        },
    }
}

/// A field as `GET /field` lists it.
pub(crate) fn field_def(w: &World, id: &str) -> Value {
    let custom = id.starts_with("customfield_");
    let name = field_name(w, id);
    let mut clause = vec![if custom {
        format!("cf[{}]", id.trim_start_matches("customfield_"))
    } else {
        id.to_owned()
    }];
    if custom {
        clause.push(name.clone());
    }
    json!({
        "id": id,
        "key": id,
        "name": name,
        "custom": custom,
        "orderable": !matches!(id, "status" | "created" | "updated" | "creator" | "resolutiondate" | "statuscategorychangedate"),
        "navigable": true,
        "searchable": true,
        "clauseNames": clause,
        "schema": field_schema(w, id),
    })
}

/// The `allowedValues` of a field on a create/edit screen, where it has a closed set.
pub(crate) fn allowed_values(w: &World, ctx: &Ctx, project: &Project, id: &str) -> Option<Value> {
    match id {
        "priority" => Some(Value::Array(w.priorities.iter().map(|p| priority(ctx, p)).collect())),
        "issuetype" => Some(Value::Array(project.issue_types.iter().map(|&t| issue_type(ctx, &w.issue_types[t])).collect())),
        "project" => Some(json!([project_ref(ctx, project)])),
        other => w.custom_fields.get(other).filter(|c| c.kind == CustomType::Select).map(|c| {
            Value::Array(
                c.options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| json!({"self": format!("{}/customFieldOption/{}", ctx.rest(), 10000 + i), "value": o, "id": (10000 + i).to_string()}))
                    .collect(),
            )
        }),
    }
}
