//! A JQL subset: clauses `field OP value` joined by `AND`/`OR`/`NOT` with parentheses, and
//! `ORDER BY field [ASC|DESC], ...`. Fields: project, key/issuekey/id, status, statusCategory,
//! issuetype/type, assignee, reporter, creator, labels, priority, summary, description, text,
//! created/createdDate, updated/updatedDate, resolutiondate, parent. Operators: `= != > >= < <=
//! ~ !~ in, not in, is [not] EMPTY|null`. Values: quoted or bare words, numbers, dates
//! (`"yyyy-MM-dd"`, `"yyyy-MM-dd HH:mm"`, `"yyyy/MM/dd HH:mm"`, ISO timestamps), relative
//! durations (`-1d`, `-2h`, `-15m`, `-1w`) and functions `now()`, `currentUser()`,
//! `startOfDay()`. Dates are in UTC (the simulated users' time zone).

use std::cmp::Ordering;

use super::adf;
use super::spec::{Category, Flavour};
use super::world::{Issue, UserIx, World};
use crate::common::clock::Millis;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Tok::LParen);
            i += 1;
        } else if c == ')' {
            out.push(Tok::RParen);
            i += 1;
        } else if c == ',' {
            out.push(Tok::Comma);
            i += 1;
        } else if c == '"' || c == '\'' {
            let q = c;
            let mut v = String::new();
            i += 1;
            while i < cs.len() && cs[i] != q {
                if cs[i] == '\\' && i + 1 < cs.len() {
                    i += 1;
                }
                v.push(cs[i]);
                i += 1;
            }
            if i >= cs.len() {
                return Err("The quoted string is not terminated.".into());
            }
            i += 1;
            out.push(Tok::Str(v));
        } else if "=!<>~".contains(c) {
            let two: String = cs[i..(i + 2).min(cs.len())].iter().collect();
            let op = match two.as_str() {
                "!=" => "!=",
                ">=" => ">=",
                "<=" => "<=",
                "!~" => "!~",
                _ => match c {
                    '=' => "=",
                    '<' => "<",
                    '>' => ">",
                    '~' => "~",
                    _ => return Err(format!("Unexpected character '{c}'.")),
                },
            };
            i += op.len();
            out.push(Tok::Op(op));
        } else {
            let mut v = String::new();
            while i < cs.len() && !cs[i].is_whitespace() && !"(),=!<>~\"'".contains(cs[i]) {
                v.push(cs[i]);
                i += 1;
            }
            out.push(Tok::Word(v));
        }
    }
    Ok(out)
}

#[derive(Debug, Clone)]
enum Val {
    Text(String),
    Func(String),
    Empty,
}

#[derive(Debug, Clone)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Clause {
        field: String,
        op: String,
        vals: Vec<Val>,
    },
}

/// A parsed query.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    expr: Option<Expr>,
    order: Vec<(String, bool)>,
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

fn kw(t: Option<&Tok>, word: &str) -> bool {
    matches!(t, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word))
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut l = self.and()?;
        while kw(self.peek(), "OR") {
            self.pos += 1;
            l = Expr::Or(Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut l = self.unary()?;
        while kw(self.peek(), "AND") {
            self.pos += 1;
            l = Expr::And(Box::new(l), Box::new(self.unary()?));
        }
        Ok(l)
    }
    fn unary(&mut self) -> Result<Expr, String> {
        if kw(self.peek(), "NOT") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.or()?;
            if self.next() != Some(Tok::RParen) {
                return Err("Expecting ')' but reached the end of the query.".into());
            }
            return Ok(e);
        }
        self.clause()
    }
    fn value(&mut self) -> Result<Val, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Val::Text(s)),
            Some(Tok::Word(w)) => {
                if w.eq_ignore_ascii_case("EMPTY") || w.eq_ignore_ascii_case("null") {
                    return Ok(Val::Empty);
                }
                if self.peek() == Some(&Tok::LParen) {
                    self.pos += 1;
                    // Function arguments are ignored.
                    while let Some(t) = self.next() {
                        if t == Tok::RParen {
                            break;
                        }
                    }
                    return Ok(Val::Func(w.to_lowercase()));
                }
                Ok(Val::Text(w))
            }
            other => Err(format!("Expecting a value but got {other:?}.")),
        }
    }
    fn clause(&mut self) -> Result<Expr, String> {
        let field = match self.next() {
            Some(Tok::Word(w)) | Some(Tok::Str(w)) => w,
            other => return Err(format!("Expecting a field name but got {other:?}.")),
        };
        let op = match self.next() {
            Some(Tok::Op(o)) => o.to_owned(),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("in") => "in".into(),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("is") => {
                if kw(self.peek(), "NOT") {
                    self.pos += 1;
                    "is not".into()
                } else {
                    "is".into()
                }
            }
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("not") => {
                if kw(self.peek(), "in") {
                    self.pos += 1;
                    "not in".into()
                } else {
                    return Err("Expecting 'in' after 'not'.".into());
                }
            }
            other => {
                return Err(format!(
                    "Expecting operator but got {other:?}. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'."
                ));
            }
        };
        let vals = if op == "in" || op == "not in" {
            if self.next() != Some(Tok::LParen) {
                return Err("Expecting '(' after IN.".into());
            }
            let mut v = Vec::new();
            loop {
                if self.peek() == Some(&Tok::RParen) {
                    self.pos += 1;
                    break;
                }
                v.push(self.value()?);
                match self.next() {
                    Some(Tok::Comma) => {}
                    Some(Tok::RParen) => break,
                    _ => return Err("Expecting ',' or ')' in the IN list.".into()),
                }
            }
            v
        } else {
            vec![self.value()?]
        };
        Ok(Expr::Clause {
            field: field.to_lowercase(),
            op,
            vals,
        })
    }
}

const FIELDS: &[&str] = &[
    "project",
    "key",
    "issuekey",
    "id",
    "status",
    "statuscategory",
    "issuetype",
    "type",
    "assignee",
    "reporter",
    "creator",
    "labels",
    "priority",
    "summary",
    "description",
    "text",
    "created",
    "createddate",
    "updated",
    "updateddate",
    "resolutiondate",
    "parent",
];

/// Parses a JQL string. The error is Jira's sentence without the "Error in the JQL Query:"
/// prefix.
pub(crate) fn parse(jql: &str) -> Result<Query, String> {
    let toks = tokenize(jql)?;
    // Split off ORDER BY.
    let mut cut = toks.len();
    for i in 0..toks.len().saturating_sub(1) {
        if kw(toks.get(i), "ORDER") && kw(toks.get(i + 1), "BY") {
            cut = i;
            break;
        }
    }
    let (where_toks, order_toks) = toks.split_at(cut);
    let expr = if where_toks.is_empty() {
        None
    } else {
        let mut p = Parser {
            toks: where_toks.to_vec(),
            pos: 0,
        };
        let e = p.or()?;
        if p.pos < p.toks.len() {
            return Err(format!(
                "Expecting either 'OR' or 'AND' but got {:?}.",
                p.toks[p.pos]
            ));
        }
        Some(e)
    };
    check_fields(expr.as_ref())?;
    let mut order = Vec::new();
    if !order_toks.is_empty() {
        let mut i = 2;
        while i < order_toks.len() {
            let field = match &order_toks[i] {
                Tok::Word(w) | Tok::Str(w) => w.to_lowercase(),
                t => return Err(format!("Expecting a field name in ORDER BY but got {t:?}.")),
            };
            i += 1;
            let mut asc = !matches!(field.as_str(), "updated" | "created");
            if let Some(Tok::Word(w)) = order_toks.get(i) {
                if w.eq_ignore_ascii_case("ASC") {
                    asc = true;
                    i += 1;
                } else if w.eq_ignore_ascii_case("DESC") {
                    asc = false;
                    i += 1;
                }
            }
            if !matches!(
                field.as_str(),
                "updated"
                    | "created"
                    | "key"
                    | "issuekey"
                    | "id"
                    | "priority"
                    | "status"
                    | "summary"
                    | "updateddate"
                    | "createddate"
            ) {
                return Err(format!("Not able to sort using field '{field}'."));
            }
            order.push((field, asc));
            if order_toks.get(i) == Some(&Tok::Comma) {
                i += 1;
            }
        }
    }
    Ok(Query { expr, order })
}

fn check_fields(e: Option<&Expr>) -> Result<(), String> {
    match e {
        None => Ok(()),
        Some(Expr::And(a, b) | Expr::Or(a, b)) => {
            check_fields(Some(a))?;
            check_fields(Some(b))
        }
        Some(Expr::Not(a)) => check_fields(Some(a)),
        Some(Expr::Clause { field, .. }) => {
            if FIELDS.contains(&field.as_str())
                || field.starts_with("cf[")
                || field.starts_with("customfield_")
            {
                Ok(())
            } else {
                Err(format!(
                    "Field '{field}' does not exist or you do not have permission to view it."
                ))
            }
        }
    }
}

impl Query {
    /// Whether the query restricts anything (Cloud's search/jql refuses unbounded queries).
    pub(crate) fn is_bounded(&self) -> bool {
        self.expr.is_some()
    }
}

/// Evaluation context.
pub(crate) struct Ctx<'a> {
    pub world: &'a World,
    pub user: Option<UserIx>,
    pub now: Millis,
}

fn val_text(v: &Val, cx: &Ctx<'_>) -> Option<String> {
    match v {
        Val::Text(s) => Some(s.clone()),
        Val::Func(f) if f == "currentuser" => cx.user.map(|u| cx.world.users[u].account_id.clone()),
        _ => None,
    }
}

/// Parses a JQL date value to ms.
fn val_time(v: &Val, cx: &Ctx<'_>) -> Result<Option<Millis>, String> {
    match v {
        Val::Func(f) if f == "now" => Ok(Some(cx.now)),
        Val::Func(f) if f == "startofday" => Ok(Some(cx.now - cx.now.rem_euclid(86_400_000))),
        Val::Empty => Ok(None),
        Val::Func(f) => Err(format!("Unable to find JQL function '{f}()'.")),
        Val::Text(s) => {
            let s = s.trim();
            if let Some(t) = relative(s, cx.now) {
                return Ok(Some(t));
            }
            if let Ok(ts) = s.parse::<jiff::Timestamp>() {
                return Ok(Some(ts.as_millisecond()));
            }
            let norm = s.replace('/', "-");
            for fmt in [
                "%Y-%m-%d %H:%M",
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M:%S",
            ] {
                if let Ok(dt) = jiff::civil::DateTime::strptime(fmt, &norm)
                    && let Ok(z) = dt.to_zoned_datetime(jiff::tz::TimeZone::UTC)
                {
                    return Ok(Some(z.timestamp().as_millisecond()));
                }
            }
            if let Ok(d) = norm.parse::<jiff::civil::Date>()
                && let Ok(z) = d.to_zoned_datetime(jiff::tz::TimeZone::UTC)
            {
                return Ok(Some(z.timestamp().as_millisecond()));
            }
            Err(format!(
                "Date value '{s}' for field is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
            ))
        }
    }
}

fn relative(s: &str, now: Millis) -> Option<Millis> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'-' => (-1, &s[1..]),
        b'+' => (1, &s[1..]),
        b'0'..=b'9' => (1, s),
        _ => return None,
    };
    let mut total = 0i64;
    for part in rest.split_whitespace() {
        let (n, unit) = part.split_at(part.find(|c: char| !c.is_ascii_digit())?);
        let n: i64 = n.parse().ok()?;
        total += n * match unit {
            "w" => 7 * 86_400_000,
            "d" => 86_400_000,
            "h" => 3_600_000,
            "m" => 60_000,
            _ => return None,
        };
    }
    Some(now + sign * total)
}

fn cmp_op(op: &str, o: Ordering) -> bool {
    match op {
        "=" => o == Ordering::Equal,
        "!=" => o != Ordering::Equal,
        ">" => o == Ordering::Greater,
        ">=" => o != Ordering::Less,
        "<" => o == Ordering::Less,
        "<=" => o != Ordering::Greater,
        _ => false,
    }
}

/// Validates references that Data Center rejects (unknown or invisible project): Cloud
/// answers such a query with no results instead (jira-api.md §1.2, KB "JQL search returns 200").
pub(crate) fn validate(q: &Query, cx: &Ctx<'_>) -> Result<(), String> {
    fn walk(e: &Expr, cx: &Ctx<'_>) -> Result<(), String> {
        match e {
            Expr::And(a, b) | Expr::Or(a, b) => {
                walk(a, cx)?;
                walk(b, cx)
            }
            Expr::Not(a) => walk(a, cx),
            Expr::Clause { field, vals, .. } => {
                if field == "project" && cx.world.flavour == Flavour::Datacenter {
                    for v in vals {
                        if let Val::Text(t) = v {
                            let ok = cx
                                .world
                                .project_by_ref(t)
                                .or_else(|| {
                                    cx.world
                                        .projects
                                        .iter()
                                        .position(|p| p.name.eq_ignore_ascii_case(t))
                                })
                                .is_some_and(|p| cx.world.can_see_project(cx.user, p));
                            if !ok {
                                return Err(format!(
                                    "The value '{t}' does not exist for the field 'project'."
                                ));
                            }
                        }
                    }
                }
                if matches!(
                    field.as_str(),
                    "created" | "createddate" | "updated" | "updateddate" | "resolutiondate"
                ) {
                    for v in vals {
                        val_time(v, cx)?;
                    }
                }
                Ok(())
            }
        }
    }
    match &q.expr {
        Some(e) => walk(e, cx),
        None => Ok(()),
    }
}

/// Whether an issue matches the query's condition.
pub(crate) fn matches(q: &Query, issue: &Issue, cx: &Ctx<'_>) -> bool {
    q.expr.as_ref().is_none_or(|e| eval(e, issue, cx))
}

fn user_matches(u: Option<UserIx>, t: &str, cx: &Ctx<'_>) -> bool {
    u.is_some_and(|u| {
        let usr = &cx.world.users[u];
        usr.account_id == t
            || usr.name.eq_ignore_ascii_case(t)
            || usr.key == t
            || usr
                .email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(t))
            || usr.display_name.eq_ignore_ascii_case(t)
    })
}

fn eval(e: &Expr, is: &Issue, cx: &Ctx<'_>) -> bool {
    match e {
        Expr::And(a, b) => eval(a, is, cx) && eval(b, is, cx),
        Expr::Or(a, b) => eval(a, is, cx) || eval(b, is, cx),
        Expr::Not(a) => !eval(a, is, cx),
        Expr::Clause { field, op, vals } => clause(field, op, vals, is, cx),
    }
}

fn clause(field: &str, op: &str, vals: &[Val], is: &Issue, cx: &Ctx<'_>) -> bool {
    let w = cx.world;
    let negate = op == "!=" || op == "not in" || op == "is not" || op == "!~";
    let any = |f: &dyn Fn(&Val) -> bool| vals.iter().any(f);
    let r = match field {
        "project" => any(&|v| {
            val_text(v, cx).is_some_and(|t| {
                let p = &w.projects[is.project];
                p.key.eq_ignore_ascii_case(&t) || p.id == t || p.name.eq_ignore_ascii_case(&t)
            })
        }),
        "key" | "issuekey" | "id" => {
            if matches!(op, ">" | ">=" | "<" | "<=") {
                return vals
                    .first()
                    .and_then(|v| val_text(v, cx))
                    .and_then(|t| w.issue_by_ref(&t))
                    .is_some_and(|other| {
                        let o = &w.issues[&other];
                        is.project == o.project && cmp_op(op, is.number.cmp(&o.number))
                    });
            }
            any(&|v| {
                val_text(v, cx)
                    .is_some_and(|t| is.key.eq_ignore_ascii_case(&t) || is.id.to_string() == t)
            })
        }
        "status" => any(&|v| {
            val_text(v, cx).is_some_and(|t| {
                let s = &w.statuses[is.status];
                s.name.eq_ignore_ascii_case(&t) || s.id == t
            })
        }),
        "statuscategory" => any(&|v| {
            val_text(v, cx).is_some_and(|t| {
                let c = w.statuses[is.status].category;
                let (key, name) = match c {
                    Category::New => ("new", "To Do"),
                    Category::Indeterminate => ("indeterminate", "In Progress"),
                    Category::Done => ("done", "Done"),
                };
                t.eq_ignore_ascii_case(key) || t.eq_ignore_ascii_case(name)
            })
        }),
        "issuetype" | "type" => any(&|v| {
            val_text(v, cx).is_some_and(|t| {
                let it = &w.issue_types[is.issue_type];
                it.name.eq_ignore_ascii_case(&t) || it.id == t
            })
        }),
        "assignee" | "reporter" | "creator" => {
            let u = match field {
                "assignee" => is.assignee,
                "reporter" => is.reporter,
                _ => is.creator,
            };
            if op == "is" || op == "is not" {
                return (u.is_none()) != negate;
            }
            any(&|v| match v {
                Val::Empty => u.is_none(),
                _ => val_text(v, cx).is_some_and(|t| user_matches(u, &t, cx)),
            })
        }
        "labels" => {
            if op == "is" || op == "is not" {
                return is.labels.is_empty() != negate;
            }
            any(&|v| val_text(v, cx).is_some_and(|t| is.labels.iter().any(|l| l == &t)))
        }
        "priority" => any(&|v| {
            val_text(v, cx).is_some_and(|t| {
                is.priority.is_some_and(|p| {
                    w.priorities[p].name.eq_ignore_ascii_case(&t) || w.priorities[p].id == t
                })
            })
        }),
        "summary" | "description" | "text" => {
            let hay = match field {
                "summary" => is.summary.to_lowercase(),
                "description" => is
                    .description
                    .as_ref()
                    .map(|d| adf::to_plain(&d.value()))
                    .unwrap_or_default()
                    .to_lowercase(),
                _ => format!(
                    "{} {}",
                    is.summary,
                    is.description
                        .as_ref()
                        .map(|d| adf::to_plain(&d.value()))
                        .unwrap_or_default()
                )
                .to_lowercase(),
            };
            if op == "is" || op == "is not" {
                return hay.trim().is_empty() != negate;
            }
            any(&|v| {
                val_text(v, cx).is_some_and(|t| {
                    let t = t.to_lowercase();
                    t.split_whitespace()
                        .all(|word| hay.contains(word.trim_matches('*')))
                })
            })
        }
        "created" | "createddate" | "updated" | "updateddate" | "resolutiondate" => {
            let at = match field {
                "created" | "createddate" => Some(is.created),
                "updated" | "updateddate" => Some(is.updated),
                _ => is.resolution_date,
            };
            if op == "is" || op == "is not" {
                return at.is_none() != negate;
            }
            let Some(at) = at else { return false };
            let t = vals.first().and_then(|v| val_time(v, cx).ok().flatten());
            return match t {
                Some(t) if matches!(op, "=" | "!=") => (at / 60_000 == t / 60_000) != negate,
                Some(t) => cmp_op(op, at.cmp(&t)),
                None => false,
            };
        }
        "parent" => any(&|v| {
            val_text(v, cx)
                .is_some_and(|t| is.parent.is_some_and(|p| w.issue_by_ref(&t) == Some(p)))
        }),
        _ => false,
    };
    if matches!(op, ">" | ">=" | "<" | "<=") {
        return false;
    }
    r != negate
}

/// Sorts issues by the query's ORDER BY (default: key descending), ties by id.
pub(crate) fn sort(q: &Query, issues: &mut [&Issue], w: &World) {
    issues.sort_by(|a, b| {
        for (field, asc) in &q.order {
            let o = match field.as_str() {
                "updated" | "updateddate" => a.updated.cmp(&b.updated),
                "created" | "createddate" => a.created.cmp(&b.created),
                "key" | "issuekey" => w.projects[a.project]
                    .key
                    .cmp(&w.projects[b.project].key)
                    .then(a.number.cmp(&b.number)),
                "id" => a.id.cmp(&b.id),
                "priority" => a.priority.cmp(&b.priority),
                "status" => w.statuses[a.status].name.cmp(&w.statuses[b.status].name),
                "summary" => a.summary.cmp(&b.summary),
                _ => Ordering::Equal,
            };
            let o = if *asc { o } else { o.reverse() };
            if o != Ordering::Equal {
                return o;
            }
        }
        if q.order.is_empty() {
            return b.id.cmp(&a.id);
        }
        a.id.cmp(&b.id)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_engine_queries() {
        for q in [
            "project = DEMO AND updated >= \"2024-01-15 10:30\" ORDER BY updated ASC, key",
            "project in (DEMO, HELP) OR key in (DEMO-1, \"DEMO-2\")",
            "updated >= -1d AND assignee = currentUser() ORDER BY updated DESC",
            "created >= \"2024-01-15T10:30:00.000Z\"",
            "assignee is EMPTY and not labels = x",
        ] {
            parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        }
        assert!(!parse("ORDER BY key").unwrap().is_bounded());
        assert!(
            parse("frobnicate = 1")
                .unwrap_err()
                .contains("does not exist")
        );
        assert!(parse("project = ").is_err());
        assert!(parse("project = \"DEMO").is_err());
    }
}
