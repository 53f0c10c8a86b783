//! Work item comments (Comments API, 7.1-preview.4).
//!
//! Adding a comment is a work item change on the real service: the item gets a new revision
//! carrying the text in `System.History`, `System.CommentCount` goes up and
//! `System.ChangedDate`/`ChangedBy` move (so a cached `rev` goes stale). Editing and deleting
//! a comment version the comment only.

use super::error::AdoError;
use super::identity::IdentityIdx;
use super::tree::Perms;
use super::workitem::{Comment, CommentFormat, CommentVersion, FieldValue, set_sorted};
use super::world::World;

/// Add a comment; `at` backdates it (scenario seeding only). Returns the comment id.
pub fn add(
    world: &mut World,
    who: IdentityIdx,
    id: i64,
    text: &str,
    format: CommentFormat,
    at: Option<i64>,
) -> Result<i32, AdoError> {
    check_edit(world, who, id, at.is_some())?;
    if text.trim().is_empty() {
        return Err(AdoError::argument(
            "VS402621: The comment text cannot be empty.",
        ));
    }
    let when = at.unwrap_or_else(|| world.clock.tick());
    world.next_comment_id += 1;
    let comment_id = world.next_comment_id;
    let history = world.fields.core("System.History");
    let changed_by = world.fields.core("System.ChangedBy");
    let changed_date = world.fields.core("System.ChangedDate");
    let item = world
        .item_mut(id)
        .ok_or_else(|| AdoError::work_item_not_found(id))?;
    let mut fields = item.fields.clone();
    set_sorted(&mut fields, history, Some(FieldValue::str(text)));
    set_sorted(&mut fields, changed_by, Some(FieldValue::Identity(who)));
    set_sorted(&mut fields, changed_date, Some(FieldValue::Date(when)));
    let relations = item.relations.clone();
    item.commit(fields, relations, who, when);
    let rev = item.rev();
    item.comments.push(Comment {
        id: comment_id,
        format,
        created_by: who,
        created_date: when,
        versions: vec![CommentVersion {
            text: text.to_owned(),
            by: who,
            date: when,
        }],
        deleted: false,
        created_in_rev: rev,
    });
    Ok(comment_id)
}

/// Edit a comment's text (new comment version).
pub fn update(
    world: &mut World,
    who: IdentityIdx,
    id: i64,
    comment_id: i64,
    text: &str,
    format: Option<CommentFormat>,
) -> Result<(), AdoError> {
    check_edit(world, who, id, false)?;
    let when = world.clock.tick();
    let item = world
        .item_mut(id)
        .ok_or_else(|| AdoError::work_item_not_found(id))?;
    let comment = item
        .comments
        .iter_mut()
        .find(|c| i64::from(c.id) == comment_id && !c.deleted)
        .ok_or_else(|| comment_not_found(comment_id, id))?;
    if comment.created_by != who {
        return Err(AdoError::not_allowed_for_identity(
            "VS402622: Only the author of a comment can edit it.",
        ));
    }
    if let Some(f) = format {
        comment.format = f;
    }
    comment.versions.push(CommentVersion {
        text: text.to_owned(),
        by: who,
        date: when,
    });
    Ok(())
}

/// Soft-delete a comment (still listed with `includeDeleted=true`).
pub fn delete(
    world: &mut World,
    who: IdentityIdx,
    id: i64,
    comment_id: i64,
) -> Result<(), AdoError> {
    check_edit(world, who, id, false)?;
    let when = world.clock.tick();
    let item = world
        .item_mut(id)
        .ok_or_else(|| AdoError::work_item_not_found(id))?;
    let comment = item
        .comments
        .iter_mut()
        .find(|c| i64::from(c.id) == comment_id && !c.deleted)
        .ok_or_else(|| comment_not_found(comment_id, id))?;
    comment.deleted = true;
    let text = comment.current().text.clone();
    comment.versions.push(CommentVersion {
        text,
        by: who,
        date: when,
    });
    Ok(())
}

pub fn comment_not_found(comment_id: i64, id: i64) -> AdoError {
    AdoError::not_found(format!(
        "VS402612: The comment {comment_id} does not exist on work item {id}, or you do not have permissions to read it."
    ))
}

fn check_edit(world: &World, who: IdentityIdx, id: i64, seeding: bool) -> Result<(), AdoError> {
    let item = world
        .item(id)
        .filter(|w| seeding || world.can_read(who, w))
        .ok_or_else(|| AdoError::work_item_not_found(id))?;
    if !seeding && !world.node_perms(who, item.area).contains(Perms::EDIT) {
        return Err(AdoError::area_write_denied());
    }
    Ok(())
}

/// A small Markdown-to-HTML rendering for `renderedText` (paragraphs, emphasis, code,
/// links); enough for people reading a simulator, not a CommonMark implementation.
pub fn render_markdown(text: &str) -> String {
    let mut out = String::new();
    for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        let escaped = para
            .trim()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        let mut html = String::new();
        let mut bold = false;
        let mut code = false;
        let mut chars = escaped.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' if chars.peek() == Some(&'*') => {
                    chars.next();
                    html.push_str(if bold { "</strong>" } else { "<strong>" });
                    bold = !bold;
                }
                '`' => {
                    html.push_str(if code { "</code>" } else { "<code>" });
                    code = !code;
                }
                '\n' => html.push_str("<br>"),
                other => html.push(other),
            }
        }
        if bold {
            html.push_str("</strong>");
        }
        if code {
            html.push_str("</code>");
        }
        out.push_str("<p>");
        out.push_str(&html);
        out.push_str("</p>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_simply() {
        assert_eq!(
            render_markdown("Hello **world**\n\nuse `x < y`"),
            "<p>Hello <strong>world</strong></p><p>use <code>x &lt; y</code></p>"
        );
    }
}
