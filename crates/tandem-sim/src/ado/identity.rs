//! Identities, groups, personal access tokens and bearer tokens.
//!
//! Token secrets are never kept: the store holds their SHA-256, so neither `Debug` output
//! nor a memory dump of the world shows a token.

use std::collections::HashMap;
use std::fmt;

use sha2::{Digest, Sha256};
use uuid::Uuid;

pub type IdentityIdx = u32;
pub type GroupIdx = u32;

#[derive(Debug, Clone)]
pub struct Identity {
    pub id: Uuid,
    pub unique_name: String,
    pub display_name: String,
    /// Graph subject descriptor (`aad.…`), used in IdentityRef.descriptor.
    pub subject_descriptor: String,
    /// Legacy identity descriptor, as connectionData reports it.
    pub descriptor: String,
    /// A member of the organisation; an inactive (removed) identity gets TF400813.
    pub active: bool,
    /// Project Collection Administrators: every permission everywhere.
    pub org_admin: bool,
}

impl Identity {
    pub fn new(unique_name: &str, display_name: &str, id: Option<Uuid>) -> Self {
        let id = id.unwrap_or_else(|| stable_uuid("identity", unique_name));
        Self {
            id,
            unique_name: unique_name.to_owned(),
            display_name: display_name.to_owned(),
            subject_descriptor: format!("aad.{}", short_b64(id)),
            descriptor: format!(
                "Microsoft.IdentityModel.Claims.ClaimsIdentity;{TENANT}\\{unique_name}"
            ),
            active: true,
            org_admin: false,
        }
    }

    /// `Display Name <email>`, the form identity fields take in service hook payloads.
    pub fn display_with_mail(&self) -> String {
        format!("{} <{}>", self.display_name, self.unique_name)
    }
}

/// The tenant every simulated identity belongs to.
pub const TENANT: &str = "5f1c4a55-0000-4000-8000-00000000a1b2";

#[derive(Debug, Clone)]
pub struct Group {
    pub id: Uuid,
    pub name: String,
    pub members: Vec<IdentityIdx>,
}

/// Who an access-control entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Identity(IdentityIdx),
    Group(GroupIdx),
}

/// OAuth/PAT scopes (spec `securityDefinitions`, ado-api.md §2).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u32);

impl Scopes {
    pub const WORK: Self = Self(1);
    pub const WORK_WRITE: Self = Self(1 << 1);
    pub const WORK_FULL: Self = Self(1 << 2);
    pub const HOOKS: Self = Self(1 << 3);
    pub const HOOKS_WRITE: Self = Self(1 << 4);
    pub const PROFILE: Self = Self(1 << 5);
    pub const PROJECT: Self = Self(1 << 6);
    pub const CODE: Self = Self(1 << 7);
    pub const BUILD: Self = Self(1 << 8);
    /// A full-access PAT (`app_token`) or an Entra user token.
    pub const FULL: Self = Self(1 << 31);

    const NAMES: &[(&'static str, Scopes)] = &[
        ("vso.work", Self::WORK),
        ("vso.work_write", Self::WORK_WRITE),
        ("vso.work_full", Self::WORK_FULL),
        ("vso.hooks", Self::HOOKS),
        ("vso.hooks_write", Self::HOOKS_WRITE),
        ("vso.profile", Self::PROFILE),
        ("vso.project", Self::PROJECT),
        ("vso.code", Self::CODE),
        ("vso.build", Self::BUILD),
        ("app_token", Self::FULL),
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, s)| *s)
    }

    pub fn known_names() -> impl Iterator<Item = &'static str> {
        Self::NAMES.iter().map(|(n, _)| *n)
    }

    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    fn has(self, bit: Self) -> bool {
        self.0 & bit.0 != 0
    }

    /// Whether these scopes grant `needed` (write implies read, full implies write).
    pub fn grants(self, needed: Self) -> bool {
        if self.has(Self::FULL) {
            return true;
        }
        let implied = match needed {
            n if n == Self::WORK => Self::WORK.union(Self::WORK_WRITE).union(Self::WORK_FULL),
            n if n == Self::WORK_WRITE => Self::WORK_WRITE.union(Self::WORK_FULL),
            n if n == Self::HOOKS => Self::HOOKS.union(Self::HOOKS_WRITE),
            other => other,
        };
        self.0 & implied.0 != 0
    }

    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(_, s)| self.has(*s))
            .map(|(n, _)| *n)
            .collect()
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Personal access token, sent as Basic with an empty (ignored) user name.
    Pat,
    /// An Entra ID access token, sent as Bearer.
    Bearer,
}

/// A credential the server knows. Its secret is only stored hashed.
#[derive(Debug, Clone)]
pub struct Token {
    pub kind: TokenKind,
    pub name: String,
    pub owner: IdentityIdx,
    pub scopes: Scopes,
    /// Milliseconds since the epoch; `None` never expires.
    pub valid_to: Option<i64>,
    pub revoked: bool,
    /// Valid in every organisation the owner belongs to (else only in `org`).
    pub all_orgs: bool,
    /// The organisation an org-scoped PAT was made in.
    pub org: String,
}

/// Known tokens, keyed by the SHA-256 of their secret.
#[derive(Debug, Clone, Default)]
pub struct TokenStore {
    pub tokens: Vec<Token>,
    by_hash: HashMap<[u8; 32], usize>,
}

impl TokenStore {
    pub fn insert(&mut self, secret: &str, token: Token) -> usize {
        let idx = self.tokens.len();
        self.tokens.push(token);
        self.by_hash.insert(digest(secret), idx);
        idx
    }

    pub fn find(&self, secret: &str) -> Option<usize> {
        self.by_hash.get(&digest(secret)).copied()
    }
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// A deterministic UUID from a namespace and a name, so the same scenario always yields the
/// same ids (tests and demos can rely on them).
pub fn stable_uuid(namespace: &str, name: &str) -> Uuid {
    let hash = Sha256::new()
        .chain_update(namespace.as_bytes())
        .chain_update([0u8])
        .chain_update(name.to_ascii_lowercase().as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

fn short_b64(id: Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_implies_read_but_not_the_reverse() {
        let write = Scopes::parse("vso.work_write").unwrap();
        assert!(write.grants(Scopes::WORK));
        assert!(write.grants(Scopes::WORK_WRITE));
        assert!(!write.grants(Scopes::WORK_FULL));
        let read = Scopes::WORK;
        assert!(!read.grants(Scopes::WORK_WRITE));
        assert!(Scopes::FULL.grants(Scopes::HOOKS_WRITE));
        assert!(!write.grants(Scopes::HOOKS_WRITE));
    }

    #[test]
    fn tokens_are_found_by_secret_but_not_stored() {
        let mut store = TokenStore::default();
        store.insert(
            "s3cret-pat",
            Token {
                kind: TokenKind::Pat,
                name: "sync".into(),
                owner: 0,
                scopes: Scopes::WORK,
                valid_to: None,
                revoked: false,
                all_orgs: false,
                org: "demo".into(),
            },
        );
        assert_eq!(store.find("s3cret-pat"), Some(0));
        assert_eq!(store.find("other"), None);
        assert!(!format!("{store:?}").contains("s3cret"));
    }

    #[test]
    fn ids_are_stable() {
        assert_eq!(
            stable_uuid("identity", "a@example.com"),
            stable_uuid("identity", "A@example.com")
        );
        assert_ne!(
            stable_uuid("identity", "a@example.com"),
            stable_uuid("identity", "b@example.com")
        );
    }
}
