//! WIQL: the flat (`FROM WorkItems`) queries a sync engine sends, parsed and evaluated
//! against the world.
//!
//! Semantics that matter (ado-api.md §3, sync-semantics §7):
//! - date fields compare at day precision unless the request says `timePrecision=true`, and a
//!   literal with a time of day is then refused ("You cannot supply a time with the date…");
//! - results are capped (VS402337 past 20,000 unless `$top` asks for fewer);
//! - a query is not scoped to the project of the URL unless it says
//!   `[System.TeamProject] = @project`; unreadable items are silently left out;
//! - `[System.Tags] CONTAINS 'x'` matches a whole tag.

use std::cmp::Ordering;

use super::error::AdoError;
use super::identity::IdentityIdx;
use super::process::{FieldIdx, FieldType};
use super::time::{day_floor, format_ms, has_time_part, parse_datetime};
use super::workitem::{FieldValue, WorkItem};
use super::world::World;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub columns: Vec<FieldIdx>,
    pub filter: Option<Expr>,
    pub order: Vec<(FieldIdx, bool)>,
    pub as_of: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cond(Cond),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cond {
    pub field: FieldIdx,
    pub op: Op,
    pub values: Vec<Operand>,
    /// The clause as written, for error messages.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Contains,
    NotContains,
    ContainsWords,
    NotContainsWords,
    In,
    NotIn,
    Under,
    NotUnder,
    IsEmpty,
    IsNotEmpty,
    Ever,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Str(String),
    Num(f64),
    Bool(bool),
    Project,
    Me,
    /// `@today` (+/- days)
    Today(i64),
    Field(FieldIdx),
}

// ---------------------------------------------------------------- tokens

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Field(String),
    Word(String),
    Str(String),
    Num(f64),
    Macro(String),
    Sym(&'static str),
}

fn tokenize(text: &str) -> Result<Vec<Tok>, AdoError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '[' => {
                let end = chars[i..]
                    .iter()
                    .position(|&x| x == ']')
                    .ok_or_else(|| syntax("Expecting ']'.", &chars[i..]))?;
                out.push(Tok::Field(chars[i + 1..i + end].iter().collect()));
                i += end + 1;
            }
            '\'' | '"' => {
                let quote = c;
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(syntax("Expecting end of string.", &[])),
                        Some(&q) if q == quote => {
                            if chars.get(i + 1) == Some(&quote) {
                                s.push(quote);
                                i += 2;
                            } else {
                                i += 1;
                                break;
                            }
                        }
                        Some(&ch) => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(s));
            }
            '@' => {
                let start = i + 1;
                i += 1;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Tok::Macro(chars[start..i].iter().collect()));
            }
            '(' | ')' | ',' | '*' => {
                out.push(Tok::Sym(match c {
                    '(' => "(",
                    ')' => ")",
                    ',' => ",",
                    _ => "*",
                }));
                i += 1;
            }
            '=' => {
                out.push(Tok::Sym("="));
                i += 1;
            }
            '<' | '>' | '!' => {
                let next = chars.get(i + 1).copied();
                let sym = match (c, next) {
                    ('<', Some('>')) | ('!', Some('=')) => "<>",
                    ('<', Some('=')) => "<=",
                    ('>', Some('=')) => ">=",
                    ('<', _) => "<",
                    ('>', _) => ">",
                    _ => return Err(syntax("Unexpected character.", &chars[i..])),
                };
                i += if sym.len() == 2 { 2 } else { 1 };
                out.push(Tok::Sym(sym));
            }
            '+' | '-' if matches!(out.last(), Some(Tok::Macro(_))) => {
                out.push(Tok::Sym(if c == '+' { "+" } else { "-" }));
                i += 1;
            }
            c if c.is_ascii_digit() || c == '-' || c == '.' => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let s: String = chars[start..i].iter().collect();
                let n = s
                    .parse()
                    .map_err(|_| syntax("Invalid number.", &chars[start..]))?;
                out.push(Tok::Num(n));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
                {
                    i += 1;
                }
                out.push(Tok::Word(chars[start..i].iter().collect()));
            }
            _ => return Err(syntax("Unexpected character.", &chars[i..])),
        }
    }
    Ok(out)
}

fn syntax(what: &str, rest: &[char]) -> AdoError {
    let near: String = rest.iter().take(30).collect();
    if near.is_empty() {
        AdoError::wiql_syntax(format!(
            "TF51006: The query statement is missing a clause. {what}"
        ))
    } else {
        AdoError::wiql_syntax(format!(
            "TF51006: The query statement contains a syntax error. {what} The error is caused by «{near}»."
        ))
    }
}

// ---------------------------------------------------------------- parser

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    world: &'a World,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn peek_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if self.peek_word(w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, w: &str) -> Result<(), AdoError> {
        if self.eat_word(w) {
            Ok(())
        } else {
            Err(self.error(&format!("Expecting '{}'.", w.to_ascii_uppercase())))
        }
    }

    fn eat_sym(&mut self, s: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(x)) if *x == s) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn error(&self, what: &str) -> AdoError {
        let near: Vec<String> = self.toks[self.pos.min(self.toks.len())..]
            .iter()
            .take(4)
            .map(tok_text)
            .collect();
        if near.is_empty() {
            AdoError::wiql_syntax(format!(
                "TF51006: The query statement is missing a clause. {what}"
            ))
        } else {
            AdoError::wiql_syntax(format!(
                "TF51006: The query statement contains a syntax error. {what} The error is caused by «{}».",
                near.join(" ")
            ))
        }
    }

    fn field(&mut self) -> Result<FieldIdx, AdoError> {
        let name = match self.next() {
            Some(Tok::Field(n) | Tok::Word(n)) => n,
            _ => {
                self.pos = self.pos.saturating_sub(1);
                return Err(self.error("Expecting field name."));
            }
        };
        self.world.fields.find(name.trim()).ok_or_else(|| {
            AdoError::wiql_syntax(format!(
                "TF51005: The query references a field that does not exist. The error is caused by «{name}»."
            ))
        })
    }

    fn query(&mut self) -> Result<Query, AdoError> {
        self.expect_word("SELECT")?;
        let mut columns = Vec::new();
        if !self.eat_sym("*") {
            loop {
                columns.push(self.field()?);
                if !self.eat_sym(",") {
                    break;
                }
            }
        }
        self.expect_word("FROM")?;
        match self.next() {
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("WorkItems") => {}
            Some(Tok::Word(w))
                if w.eq_ignore_ascii_case("WorkItemLinks")
                    || w.eq_ignore_ascii_case("workitemlink") =>
            {
                return Err(AdoError::wiql_syntax(
                    "TF51011: This simulator answers flat queries (FROM WorkItems) only; link and tree queries (FROM WorkItemLinks) are not supported.",
                ));
            }
            _ => {
                self.pos = self.pos.saturating_sub(1);
                return Err(self.error("Expecting 'WorkItems'."));
            }
        }
        let filter = if self.eat_word("WHERE") {
            Some(self.or_expr()?)
        } else {
            None
        };
        let mut order = Vec::new();
        if self.eat_word("ORDER") {
            self.expect_word("BY")?;
            loop {
                let f = self.field()?;
                let desc = if self.eat_word("DESC") {
                    true
                } else {
                    self.eat_word("ASC");
                    false
                };
                order.push((f, desc));
                if !self.eat_sym(",") {
                    break;
                }
            }
        }
        let mut as_of = None;
        if self.eat_word("ASOF") {
            match self.next() {
                Some(Tok::Str(s)) => {
                    as_of = Some(parse_datetime(&s).ok_or_else(|| {
                        AdoError::wiql_syntax(format!(
                            "TF51007: The value '{s}' is not a valid date."
                        ))
                    })?);
                }
                _ => return Err(self.error("Expecting a date after ASOF.")),
            }
        }
        if self.eat_word("MODE") {
            // Only meaningful for link queries; accept and ignore the clause.
            if self.eat_sym("(") {
                while !self.eat_sym(")") {
                    if self.next().is_none() {
                        return Err(self.error("Expecting ')'."));
                    }
                }
            }
        }
        if self.pos < self.toks.len() {
            return Err(self.error("Unexpected text after the query."));
        }
        Ok(Query {
            columns,
            filter,
            order,
            as_of,
        })
    }

    fn or_expr(&mut self) -> Result<Expr, AdoError> {
        let mut left = self.and_expr()?;
        while self.eat_word("OR") {
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, AdoError> {
        let mut left = self.unary()?;
        while self.eat_word("AND") {
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, AdoError> {
        if self.peek_word("NOT") && !matches!(self.toks.get(self.pos + 1), Some(Tok::Word(_))) {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.eat_sym("(") {
            let e = self.or_expr()?;
            if !self.eat_sym(")") {
                return Err(self.error("Expecting ')'."));
            }
            return Ok(e);
        }
        self.condition().map(Expr::Cond)
    }

    fn condition(&mut self) -> Result<Cond, AdoError> {
        let start = self.pos;
        let field = self.field()?;
        let op = self.op()?;
        let mut values = Vec::new();
        match op {
            Op::IsEmpty | Op::IsNotEmpty => {}
            Op::In | Op::NotIn => {
                if !self.eat_sym("(") {
                    return Err(self.error("Expecting '('."));
                }
                loop {
                    values.push(self.operand()?);
                    if self.eat_sym(")") {
                        break;
                    }
                    if !self.eat_sym(",") {
                        return Err(self.error("Expecting ',' or ')'."));
                    }
                }
            }
            _ => values.push(self.operand()?),
        }
        let text = self.toks[start..self.pos.min(self.toks.len())]
            .iter()
            .map(tok_text)
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Cond {
            field,
            op,
            values,
            text,
        })
    }

    fn op(&mut self) -> Result<Op, AdoError> {
        if let Some(Tok::Sym(s)) = self.peek().cloned() {
            let op = match s {
                "=" => Op::Eq,
                "<>" => Op::Ne,
                "<" => Op::Lt,
                ">" => Op::Gt,
                "<=" => Op::Le,
                ">=" => Op::Ge,
                _ => return Err(self.error("Expecting an operator.")),
            };
            self.pos += 1;
            return Ok(op);
        }
        let not = self.eat_word("NOT");
        if self.eat_word("CONTAINS") {
            let words = self.eat_word("WORDS");
            return Ok(match (not, words) {
                (false, false) => Op::Contains,
                (true, false) => Op::NotContains,
                (false, true) => Op::ContainsWords,
                (true, true) => Op::NotContainsWords,
            });
        }
        if self.eat_word("IN") {
            if self.peek_word("GROUP") {
                return Err(AdoError::wiql_syntax(
                    "TF51011: IN GROUP is not supported by this simulator.",
                ));
            }
            return Ok(if not { Op::NotIn } else { Op::In });
        }
        if self.eat_word("UNDER") {
            return Ok(if not { Op::NotUnder } else { Op::Under });
        }
        if !not && self.eat_word("EVER") {
            return Ok(Op::Ever);
        }
        if !not && self.eat_word("IS") {
            let neg = self.eat_word("NOT");
            self.expect_word("EMPTY")?;
            return Ok(if neg { Op::IsNotEmpty } else { Op::IsEmpty });
        }
        Err(self.error("Expecting an operator."))
    }

    fn operand(&mut self) -> Result<Operand, AdoError> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Operand::Str(s)),
            Some(Tok::Num(n)) => Ok(Operand::Num(n)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(Operand::Bool(true)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(Operand::Bool(false)),
            Some(Tok::Field(_)) => {
                self.pos -= 1;
                Ok(Operand::Field(self.field()?))
            }
            Some(Tok::Macro(m)) => {
                let m = m.to_ascii_lowercase();
                match m.as_str() {
                    "project" => Ok(Operand::Project),
                    "me" => Ok(Operand::Me),
                    "today" | "startofday" => {
                        let sign = if self.eat_sym("+") {
                            1
                        } else if self.eat_sym("-") {
                            -1
                        } else {
                            0
                        };
                        if sign == 0 {
                            return Ok(Operand::Today(0));
                        }
                        match self.next() {
                            Some(Tok::Num(n)) => match whole(n) {
                                Some(days) => Ok(Operand::Today(sign * days)),
                                None => Err(self.error("Expecting a whole number of days.")),
                            },
                            _ => Err(self.error("Expecting a number of days.")),
                        }
                    }
                    other => Err(AdoError::wiql_syntax(format!(
                        "TF51011: The macro @{other} is not supported by this simulator (supported: @project, @me, @today)."
                    ))),
                }
            }
            _ => {
                self.pos = self.pos.saturating_sub(1);
                Err(self.error("Expecting a value."))
            }
        }
    }
}

/// A float that holds a whole number, as an integer.
#[allow(clippy::cast_possible_truncation)] // guarded: whole and well within i64
fn whole(n: f64) -> Option<i64> {
    (n.fract() == 0.0 && n.abs() < 1e15).then_some(n as i64)
}

fn tok_text(t: &Tok) -> String {
    match t {
        Tok::Field(f) => format!("[{f}]"),
        Tok::Word(w) => w.clone(),
        Tok::Str(s) => format!("'{}'", s.replace('\'', "''")),
        Tok::Num(n) => n.to_string(),
        Tok::Macro(m) => format!("@{m}"),
        Tok::Sym(s) => (*s).to_owned(),
    }
}

/// Parse a WIQL statement.
pub fn parse(world: &World, text: &str) -> Result<Query, AdoError> {
    if text.trim().is_empty() {
        return Err(AdoError::argument_null("wiql.query"));
    }
    if text.chars().count() > 32_000 {
        return Err(AdoError::wiql_syntax(
            "VS402336: The WIQL query is too long. The maximum length is 32000 characters.",
        ));
    }
    let toks = tokenize(text)?;
    Parser {
        toks,
        pos: 0,
        world,
    }
    .query()
}

// ---------------------------------------------------------------- evaluation

/// What a query runs with.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub who: IdentityIdx,
    /// The project of the URL (for `@project`).
    pub project: usize,
    pub time_precision: bool,
    pub now: i64,
}

/// Check date literals against the precision before running anything.
pub fn check_precision(world: &World, query: &Query, ctx: &Context) -> Result<(), AdoError> {
    fn walk(world: &World, e: &Expr, ctx: &Context) -> Result<(), AdoError> {
        match e {
            Expr::And(a, b) | Expr::Or(a, b) => {
                walk(world, a, ctx)?;
                walk(world, b, ctx)
            }
            Expr::Not(a) => walk(world, a, ctx),
            Expr::Cond(c) => {
                if world.fields.def(c.field).field_type != FieldType::DateTime {
                    return Ok(());
                }
                for v in &c.values {
                    if let Operand::Str(s) = v {
                        let ms = parse_datetime(s).ok_or_else(|| {
                            AdoError::wiql_syntax(format!(
                                "TF51007: The value '{s}' is not a valid date. The error is caused by «{}».",
                                c.text
                            ))
                        })?;
                        if !ctx.time_precision && has_time_part(s, ms) {
                            return Err(AdoError::wiql_date_precision(&c.text));
                        }
                    }
                }
                Ok(())
            }
        }
    }
    match &query.filter {
        Some(e) => walk(world, e, ctx),
        None => Ok(()),
    }
}

/// A value read off an item for comparison.
#[derive(Debug, Clone, PartialEq)]
enum Cmp {
    Null,
    Text(String),
    Num(f64),
    Bool(bool),
    Date(i64),
    Identity(IdentityIdx),
}

fn field_value(
    world: &World,
    item: &WorkItem,
    field: FieldIdx,
    fields: &[(FieldIdx, FieldValue)],
) -> Cmp {
    let def = world.fields.def(field);
    match def.reference_name.as_str() {
        "System.Id" => return Cmp::Num(f64::from(item.id)),
        "System.Rev" => return Cmp::Num(f64::from(item.rev())),
        "System.TeamProject" => {
            return Cmp::Text(world.projects[usize::from(item.project)].name.clone());
        }
        "System.CommentCount" => {
            return Cmp::Num(item.live_comment_count() as f64);
        }
        "System.AreaId" => return Cmp::Num(f64::from(world.forest.node(item.area).id)),
        "System.IterationId" => {
            return Cmp::Num(f64::from(world.forest.node(item.iteration).id));
        }
        _ => {}
    }
    match super::workitem::get_sorted(fields, field) {
        None => Cmp::Null,
        Some(FieldValue::Str(s)) => Cmp::Text(s.to_string()),
        Some(FieldValue::Int(i)) => Cmp::Num(*i as f64),
        Some(FieldValue::Float(f)) => Cmp::Num(*f),
        Some(FieldValue::Bool(b)) => Cmp::Bool(*b),
        Some(FieldValue::Date(d)) => Cmp::Date(*d),
        Some(FieldValue::Identity(i)) => Cmp::Identity(*i),
    }
}

struct Eval<'a> {
    world: &'a World,
    ctx: Context,
}

impl Eval<'_> {
    fn operand(
        &self,
        item: &WorkItem,
        fields: &[(FieldIdx, FieldValue)],
        o: &Operand,
        ty: FieldType,
    ) -> Cmp {
        match o {
            Operand::Str(s) => match ty {
                FieldType::DateTime => parse_datetime(s).map_or(Cmp::Null, Cmp::Date),
                FieldType::Integer | FieldType::Double => {
                    s.trim().parse().map_or(Cmp::Text(s.clone()), Cmp::Num)
                }
                FieldType::Identity => self
                    .world
                    .find_identity(s)
                    .map_or_else(|| Cmp::Text(s.clone()), Cmp::Identity),
                FieldType::Boolean => s.trim().parse().map_or(Cmp::Null, Cmp::Bool),
                _ => Cmp::Text(s.clone()),
            },
            Operand::Num(n) => Cmp::Num(*n),
            Operand::Bool(b) => Cmp::Bool(*b),
            Operand::Project => Cmp::Text(self.world.projects[self.ctx.project].name.clone()),
            Operand::Me => Cmp::Identity(self.ctx.who),
            Operand::Today(days) => Cmp::Date(day_floor(self.ctx.now) + days * 86_400_000),
            Operand::Field(f) => field_value(self.world, item, *f, fields),
        }
    }

    fn expr(&self, item: &WorkItem, fields: &[(FieldIdx, FieldValue)], e: &Expr) -> bool {
        match e {
            Expr::And(a, b) => self.expr(item, fields, a) && self.expr(item, fields, b),
            Expr::Or(a, b) => self.expr(item, fields, a) || self.expr(item, fields, b),
            Expr::Not(a) => !self.expr(item, fields, a),
            Expr::Cond(c) => self.cond(item, fields, c),
        }
    }

    fn cond(&self, item: &WorkItem, fields: &[(FieldIdx, FieldValue)], c: &Cond) -> bool {
        let def = self.world.fields.def(c.field);
        let ty = def.field_type;
        let is_tags = def.reference_name == "System.Tags";
        let lhs = field_value(self.world, item, c.field, fields);
        let rhs: Vec<Cmp> = c
            .values
            .iter()
            .map(|v| self.operand(item, fields, v, ty))
            .collect();
        let first = rhs.first().cloned().unwrap_or(Cmp::Null);
        match c.op {
            Op::IsEmpty => is_empty(&lhs),
            Op::IsNotEmpty => !is_empty(&lhs),
            Op::Eq | Op::Ever => self.compare(&lhs, &first) == Some(Ordering::Equal),
            Op::Ne => self.compare(&lhs, &first) != Some(Ordering::Equal),
            Op::Lt => self.compare(&lhs, &first) == Some(Ordering::Less),
            Op::Gt => self.compare(&lhs, &first) == Some(Ordering::Greater),
            Op::Le => matches!(
                self.compare(&lhs, &first),
                Some(Ordering::Less | Ordering::Equal)
            ),
            Op::Ge => matches!(
                self.compare(&lhs, &first),
                Some(Ordering::Greater | Ordering::Equal)
            ),
            Op::In => rhs
                .iter()
                .any(|r| self.compare(&lhs, r) == Some(Ordering::Equal)),
            Op::NotIn => !rhs
                .iter()
                .any(|r| self.compare(&lhs, r) == Some(Ordering::Equal)),
            Op::Contains | Op::NotContains => {
                let hit = match (&lhs, &first) {
                    (Cmp::Text(h), Cmp::Text(n)) if is_tags => h
                        .split(';')
                        .map(str::trim)
                        .any(|t| t.eq_ignore_ascii_case(n.trim())),
                    (Cmp::Text(h), Cmp::Text(n)) => h.to_lowercase().contains(&n.to_lowercase()),
                    (Cmp::Identity(i), Cmp::Text(n)) => {
                        let id = self.world.identity(*i);
                        id.display_with_mail()
                            .to_lowercase()
                            .contains(&n.to_lowercase())
                    }
                    _ => false,
                };
                hit == (c.op == Op::Contains)
            }
            Op::ContainsWords | Op::NotContainsWords => {
                let hit = match (&lhs, &first) {
                    (Cmp::Text(h), Cmp::Text(n)) => contains_words(h, n),
                    _ => false,
                };
                hit == (c.op == Op::ContainsWords)
            }
            Op::Under | Op::NotUnder => {
                let hit = match (&lhs, &first) {
                    (Cmp::Text(h), Cmp::Text(n)) => {
                        let (h, n) = (h.to_lowercase(), n.to_lowercase());
                        let n = n.trim_end_matches('\\');
                        h == n || h.starts_with(&format!("{n}\\"))
                    }
                    _ => false,
                };
                hit == (c.op == Op::Under)
            }
        }
    }

    fn compare(&self, a: &Cmp, b: &Cmp) -> Option<Ordering> {
        match (a, b) {
            (Cmp::Null, Cmp::Null) => Some(Ordering::Equal),
            (Cmp::Null, Cmp::Text(t)) | (Cmp::Text(t), Cmp::Null) if t.is_empty() => {
                Some(Ordering::Equal)
            }
            (Cmp::Text(x), Cmp::Text(y)) => Some(x.to_lowercase().cmp(&y.to_lowercase())),
            (Cmp::Num(x), Cmp::Num(y)) => x.partial_cmp(y),
            (Cmp::Bool(x), Cmp::Bool(y)) => Some(x.cmp(y)),
            (Cmp::Date(x), Cmp::Date(y)) => {
                if self.ctx.time_precision {
                    Some(x.cmp(y))
                } else {
                    Some(day_floor(*x).cmp(&day_floor(*y)))
                }
            }
            (Cmp::Identity(x), Cmp::Identity(y)) => {
                if x == y {
                    Some(Ordering::Equal)
                } else {
                    let (x, y) = (self.world.identity(*x), self.world.identity(*y));
                    Some(
                        x.display_name
                            .to_lowercase()
                            .cmp(&y.display_name.to_lowercase()),
                    )
                }
            }
            (Cmp::Identity(x), Cmp::Text(t)) => {
                let id = self.world.identity(*x);
                Some(id.display_name.to_lowercase().cmp(&t.to_lowercase()))
            }
            _ => None,
        }
    }
}

fn is_empty(v: &Cmp) -> bool {
    matches!(v, Cmp::Null) || matches!(v, Cmp::Text(t) if t.trim().is_empty())
}

fn contains_words(haystack: &str, needle: &str) -> bool {
    let words: Vec<String> = haystack
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    needle.split_whitespace().map(str::to_lowercase).all(|n| {
        let (stem, prefix) = match n.strip_suffix('*') {
            Some(s) => (s.to_owned(), true),
            None => (n.clone(), false),
        };
        words.iter().any(|w| {
            if prefix {
                w.starts_with(&stem)
            } else {
                *w == stem
            }
        })
    })
}

/// Field values of one item (current, or as of a past time).
type Fields = Vec<(FieldIdx, FieldValue)>;

/// The result of a query: ids in order, plus what the response echoes.
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub ids: Vec<i32>,
    pub columns: Vec<FieldIdx>,
    pub order: Vec<(FieldIdx, bool)>,
    pub as_of: i64,
}

/// Run a query: filter readable items, sort, cap.
pub fn run(
    world: &World,
    query: &Query,
    ctx: &Context,
    top: Option<usize>,
) -> Result<QueryResult, AdoError> {
    check_precision(world, query, ctx)?;
    let eval = Eval { world, ctx: *ctx };
    let as_of = query.as_of.unwrap_or(ctx.now);
    let mut hits: Vec<(&WorkItem, Option<Fields>)> = Vec::new();
    // Read permission depends on the area node only: decide it once per node.
    let mut readable: std::collections::HashMap<u32, bool> = std::collections::HashMap::new();
    for item in &world.items {
        if item.deleted {
            continue;
        }
        let can = *readable
            .entry(item.area)
            .or_insert_with(|| world.can_read(ctx.who, item));
        if !can {
            continue;
        }
        let historical = if query.as_of.is_some() {
            match item.snapshot_as_of(as_of) {
                Some(s) => Some(s.fields),
                None => continue,
            }
        } else {
            None
        };
        let fields = historical.as_deref().unwrap_or(&item.fields);
        if query
            .filter
            .as_ref()
            .is_none_or(|f| eval.expr(item, fields, f))
        {
            hits.push((item, historical));
        }
    }
    let id_field = world.fields.core("System.Id");
    let order: Vec<(FieldIdx, bool)> = if query.order.is_empty() {
        vec![(id_field, false)]
    } else {
        query.order.clone()
    };
    hits.sort_by(|(a, fa), (b, fb)| {
        for (f, desc) in &order {
            let va = field_value(world, a, *f, fa.as_deref().unwrap_or(&a.fields));
            let vb = field_value(world, b, *f, fb.as_deref().unwrap_or(&b.fields));
            let o = sort_cmp(world, &va, &vb);
            let o = if *desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        a.id.cmp(&b.id)
    });
    let cap = world.limits.wiql_max_results;
    let limit = match top {
        Some(t) if t <= cap => t,
        _ => {
            if hits.len() > cap {
                return Err(AdoError::wiql_too_many(cap));
            }
            cap
        }
    };
    let columns = if query.columns.is_empty() {
        vec![id_field]
    } else {
        query.columns.clone()
    };
    Ok(QueryResult {
        ids: hits.iter().take(limit).map(|(w, _)| w.id).collect(),
        columns,
        order: query.order.clone(),
        as_of,
    })
}

fn sort_cmp(world: &World, a: &Cmp, b: &Cmp) -> Ordering {
    match (a, b) {
        (Cmp::Null, Cmp::Null) => Ordering::Equal,
        (Cmp::Null, _) => Ordering::Less,
        (_, Cmp::Null) => Ordering::Greater,
        (Cmp::Text(x), Cmp::Text(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Cmp::Num(x), Cmp::Num(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Cmp::Date(x), Cmp::Date(y)) => x.cmp(y),
        (Cmp::Bool(x), Cmp::Bool(y)) => x.cmp(y),
        (Cmp::Identity(x), Cmp::Identity(y)) => world
            .identity(*x)
            .display_name
            .to_lowercase()
            .cmp(&world.identity(*y).display_name.to_lowercase()),
        _ => Ordering::Equal,
    }
}

/// `asOf` as the response writes it.
pub fn as_of_text(ms: i64) -> String {
    format_ms(ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ado::process;
    use crate::ado::version::{ServerVersions, Version};
    use crate::ado::world::{Deployment, Organization};

    fn world() -> World {
        let mut fields = process::FieldRegistry::default();
        process::core_fields(&mut fields);
        let agile = process::agile(&fields);
        World::new(
            Organization {
                name: "demo".into(),
                id: uuid::Uuid::nil(),
                deployment: Deployment::Services,
                versions: ServerVersions {
                    max: Version::new(7, 2),
                    released: Version::new(7, 1),
                },
            },
            fields,
            vec![agile],
            std::sync::Arc::new(crate::common::clock::Clock::new()),
        )
    }

    #[test]
    fn parses_the_sync_queries() {
        let w = world();
        let q = parse(
            &w,
            "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND [System.ChangedDate] >= '2026-07-01T10:00:00Z' ORDER BY [System.ChangedDate] ASC",
        )
        .unwrap();
        assert_eq!(q.order.len(), 1);
        assert!(!q.order[0].1);
        let q = parse(
            &w,
            "select [System.Id], [System.Title] from workitems where [System.Tags] contains 'tandem:abc' and not ([System.State] in ('Closed','Removed')) order by [System.Id] desc",
        )
        .unwrap();
        assert_eq!(q.columns.len(), 2);
        assert!(q.order[0].1);
        assert!(matches!(q.filter, Some(Expr::And(_, _))));
    }

    #[test]
    fn unknown_and_bare_fields_are_tf51005() {
        let w = world();
        let e = parse(
            &w,
            "SELECT [System.Id] FROM WorkItems WHERE AssignedTo = @me",
        )
        .unwrap_err();
        assert!(e.message.starts_with("TF51005"), "{}", e.message);
        assert!(e.message.contains("«AssignedTo»"));
        // Bare reference names are fine.
        assert!(parse(&w, "SELECT System.Id FROM WorkItems WHERE System.Id > 3").is_ok());
    }

    #[test]
    fn syntax_errors_name_the_place() {
        let w = world();
        let e = parse(
            &w,
            "SELECT [System.Id] FROM WorkItems WHERE [System.Id] ~ 3",
        )
        .unwrap_err();
        assert!(e.message.starts_with("TF51006"), "{}", e.message);
        let e = parse(&w, "SELECT [System.Id] FROM WorkItemLinks").unwrap_err();
        assert!(e.message.contains("flat queries"));
        assert!(parse(&w, "").is_err());
    }

    #[test]
    fn date_precision_refuses_times() {
        let w = world();
        let q = parse(
            &w,
            "SELECT [System.Id] FROM WorkItems WHERE [System.ChangedDate] >= '2026-07-01T10:00:00Z'",
        )
        .unwrap();
        let mut ctx = Context {
            who: 0,
            project: 0,
            time_precision: false,
            now: 0,
        };
        let e = check_precision(&w, &q, &ctx).unwrap_err();
        assert_eq!(
            e.message,
            "You cannot supply a time with the date when running a query using date precision. The error is caused by «[System.ChangedDate] >= '2026-07-01T10:00:00Z'»."
        );
        ctx.time_precision = true;
        assert!(check_precision(&w, &q, &ctx).is_ok());
        let midnight = parse(
            &w,
            "SELECT [System.Id] FROM WorkItems WHERE [System.ChangedDate] >= '2026-07-01T00:00:00Z'",
        )
        .unwrap();
        ctx.time_precision = false;
        assert!(check_precision(&w, &midnight, &ctx).is_ok());
    }

    #[test]
    fn words_and_escapes() {
        assert!(contains_words("The login page fails", "login FAIL*"));
        assert!(!contains_words("The login page fails", "logout"));
        let toks = tokenize("'it''s'").unwrap();
        assert_eq!(toks, vec![Tok::Str("it's".into())]);
        let toks = tokenize("@today - 7").unwrap();
        assert_eq!(
            toks,
            vec![Tok::Macro("today".into()), Tok::Sym("-"), Tok::Num(7.0)]
        );
    }
}
