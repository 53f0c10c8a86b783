//! Azure DevOps service hook deliveries: authentication and the little a sync needs from the
//! payload. Service hooks carry no signature; a subscription authenticates with basic auth
//! or a secret header that tandem checks here (research ado-api.md §6). A delivery is a
//! trigger, never the source of truth: the engine re-reads the work item.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;
use tandem_connector::ItemId;

/// Why a delivery was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    /// The configured secret was not presented.
    #[error(
        "the delivery does not carry the configured secret; set it in the service hook subscription (basic auth password or header)"
    )]
    Unauthenticated,
    /// The body is not a service hook payload.
    #[error("the body is not an Azure DevOps service hook payload: {0}")]
    BadPayload(String),
}

/// Compares two byte strings in time independent of where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks that `presented` (the basic-auth password or the secret header's value) is the
/// configured secret.
pub fn verify_secret(secret: &SecretString, presented: Option<&str>) -> Result<(), WebhookError> {
    match presented {
        Some(p) if constant_time_eq(p.as_bytes(), secret.expose_secret().as_bytes()) => Ok(()),
        _ => Err(WebhookError::Unauthenticated),
    }
}

/// What a delivery tells the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// `workitem.created`, `workitem.updated`, `workitem.commented`, ...
    pub event_type: String,
    /// The work item.
    pub work_item_id: Option<ItemId>,
    /// The revision the event reports.
    pub rev: Option<i64>,
    /// Who made the change (identity id), to drop tandem's own changes.
    pub actor: Option<String>,
    /// The delivery's notification id.
    pub delivery_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    id: Option<String>,
    event_type: String,
    resource: Option<Value>,
}

/// Reads a delivery's body.
pub fn parse(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    let e: Envelope =
        serde_json::from_slice(body).map_err(|e| WebhookError::BadPayload(e.to_string()))?;
    let r = e.resource.unwrap_or(Value::Null);
    // `workitem.updated` carries a WorkItemUpdate (`workItemId`, `revision`); the others a
    // WorkItem. The docs' sample has `workItemId: 0`, so prefer `revision.id`.
    let id = r
        .get("revision")
        .and_then(|v| v.get("id"))
        .and_then(Value::as_i64)
        .or_else(|| {
            r.get("workItemId")
                .and_then(Value::as_i64)
                .filter(|i| *i > 0)
        })
        .or_else(|| {
            r.get("id")
                .and_then(Value::as_i64)
                .filter(|_| e.event_type != "workitem.updated")
        });
    let rev = r.get("rev").and_then(Value::as_i64);
    let actor = r
        .get("revisedBy")
        .and_then(|v| v.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(WebhookEvent {
        event_type: e.event_type,
        work_item_id: id.map(|i| ItemId(i.to_string())),
        rev,
        actor,
        delivery_id: e.id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_check() {
        let s = SecretString::from("hook-secret".to_owned());
        assert_eq!(verify_secret(&s, Some("hook-secret")), Ok(()));
        assert_eq!(
            verify_secret(&s, Some("hook-secreT")),
            Err(WebhookError::Unauthenticated)
        );
        assert_eq!(verify_secret(&s, None), Err(WebhookError::Unauthenticated));
    }

    #[test]
    fn updated_and_created_payloads() {
        let updated = br#"{"id":"n1","eventType":"workitem.updated","resource":{"id":5,"workItemId":0,"rev":6,
            "revisedBy":{"id":"u-1","displayName":"Bot"},"revision":{"id":42,"rev":6,"fields":{}}}}"#;
        let e = parse(updated).unwrap();
        assert_eq!(e.work_item_id, Some(ItemId::new("42")));
        assert_eq!(e.rev, Some(6));
        assert_eq!(e.actor.as_deref(), Some("u-1"));
        let created =
            br#"{"eventType":"workitem.created","resource":{"id":43,"rev":1,"fields":{}}}"#;
        assert_eq!(
            parse(created).unwrap().work_item_id,
            Some(ItemId::new("43"))
        );
        assert!(parse(b"{}").is_err());
    }
}
