//! Jira webhook deliveries: signature check and the little a sync needs from the payload.
//! A webhook is a trigger, never the source of truth: the engine re-reads the issue.
//!
//! Admin webhooks with a secret carry `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw
//! body>`; `X-Atlassian-Webhook-Identifier` is stable across retries (the dedupe key).
//! Research sync-semantics.md §6.

use hmac::{KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tandem_connector::ItemId;

/// Why a delivery was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    /// No `X-Hub-Signature` header while a secret is configured.
    #[error(
        "the delivery has no X-Hub-Signature header; configure the same secret on the Jira webhook"
    )]
    MissingSignature,
    /// The header is not `sha256=<hex>`.
    #[error("X-Hub-Signature is not of the form sha256=<hex>")]
    MalformedSignature,
    /// The HMAC does not match.
    #[error("X-Hub-Signature does not match the body: the webhook's secret differs from tandem's")]
    BadSignature,
    /// The body is not a Jira webhook payload.
    #[error("the body is not a Jira webhook payload: {0}")]
    BadPayload(String),
}

/// Checks `X-Hub-Signature` against the raw body, in constant time.
pub fn verify_signature(
    secret: &SecretString,
    body: &[u8],
    header: Option<&str>,
) -> Result<(), WebhookError> {
    let header = header.ok_or(WebhookError::MissingSignature)?;
    let hex = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(WebhookError::MalformedSignature)?;
    let expected = decode_hex(hex).ok_or(WebhookError::MalformedSignature)?;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.expose_secret().as_bytes())
        .map_err(|_| WebhookError::MalformedSignature)?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| WebhookError::BadSignature)
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// What a delivery tells the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// `webhookEvent`, e.g. `jira:issue_updated`, `comment_created`.
    pub event: String,
    /// The issue concerned.
    pub issue_id: Option<ItemId>,
    /// Its key.
    pub issue_key: Option<String>,
    /// Who caused it (Cloud accountId, or DC name), to drop tandem's own changes.
    pub actor: Option<String>,
    /// `X-Atlassian-Webhook-Identifier`, stable across retries.
    pub delivery_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    webhook_event: String,
    issue: Option<PayloadIssue>,
    user: Option<PayloadUser>,
    comment: Option<PayloadComment>,
}

#[derive(Deserialize)]
struct PayloadIssue {
    id: Option<String>,
    key: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PayloadUser {
    account_id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PayloadComment {
    update_author: Option<PayloadUser>,
}

/// Reads a delivery's body (after [`verify_signature`]).
pub fn parse(body: &[u8], delivery_id: Option<&str>) -> Result<WebhookEvent, WebhookError> {
    let p: Payload =
        serde_json::from_slice(body).map_err(|e| WebhookError::BadPayload(e.to_string()))?;
    let who = |u: &PayloadUser| u.account_id.clone().or_else(|| u.name.clone());
    let actor = p
        .user
        .as_ref()
        .and_then(who)
        .or_else(|| p.comment.as_ref()?.update_author.as_ref().and_then(who));
    Ok(WebhookEvent {
        event: p.webhook_event,
        issue_id: p.issue.as_ref().and_then(|i| i.id.clone()).map(ItemId),
        issue_key: p.issue.and_then(|i| i.key),
        actor,
        delivery_id: delivery_id.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, body: &[u8]) -> String {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        let bytes = mac.finalize().into_bytes();
        format!(
            "sha256={}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        )
    }

    #[test]
    fn signature_checks() {
        let secret = SecretString::from("s3cret".to_owned());
        let body = br#"{"webhookEvent":"jira:issue_updated","issue":{"id":"10001","key":"DEMO-1"},"user":{"accountId":"abc"}}"#;
        let good = sign("s3cret", body);
        assert_eq!(verify_signature(&secret, body, Some(&good)), Ok(()));
        assert_eq!(
            verify_signature(&secret, body, Some(&sign("other", body))),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature(&secret, body, None),
            Err(WebhookError::MissingSignature)
        );
        assert_eq!(
            verify_signature(&secret, body, Some("md5=00")),
            Err(WebhookError::MalformedSignature)
        );
        let e = parse(body, Some("wh-1")).unwrap();
        assert_eq!(e.issue_id, Some(ItemId::new("10001")));
        assert_eq!(e.actor.as_deref(), Some("abc"));
        assert_eq!(e.delivery_id.as_deref(), Some("wh-1"));
    }

    #[test]
    fn comment_events_use_the_comment_author() {
        let body = br#"{"webhookEvent":"comment_created","issue":{"id":"1","key":"P-1"},"comment":{"updateAuthor":{"name":"bot"}}}"#;
        assert_eq!(parse(body, None).unwrap().actor.as_deref(), Some("bot"));
        assert!(matches!(
            parse(b"[]", None),
            Err(WebhookError::BadPayload(_))
        ));
    }
}
