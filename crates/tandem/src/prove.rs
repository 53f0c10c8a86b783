//! Proving a token live before tandem relies on it (`tandem init`, `tandem token rotate`), in
//! the order of the source article's decision guide: credentials first (does it authenticate,
//! and as whom), then the project list, then permissions. Nothing is written until every step
//! passed.

// Wired to the command line once live verification over the connectors is available; until
// then the flow is exercised by its tests with a scripted prover (the interactive wizard by
// nothing: it needs a terminal).
#![allow(dead_code)]

use std::fmt;

use secrecy::SecretString;
use tandem_config::{Profile, Side};

/// Who a token authenticates as, as the product names them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Who {
    /// Stable id (Jira Cloud accountId, Jira DC key, Azure DevOps identity id).
    pub(crate) id: String,
    /// Display name.
    pub(crate) display_name: Option<String>,
    /// E-mail, when the product shows it.
    pub(crate) email: Option<String>,
    /// Login name (Jira DC user name, Azure DevOps unique name).
    pub(crate) login: Option<String>,
}

impl Who {
    /// True if this is the intended sync user (by e-mail, login or id; case-insensitive).
    pub(crate) fn is(&self, intended: &str) -> bool {
        let intended = intended.trim();
        [Some(&self.id), self.email.as_ref(), self.login.as_ref()]
            .into_iter()
            .flatten()
            .any(|name| !name.is_empty() && name.eq_ignore_ascii_case(intended))
    }
}

impl fmt::Display for Who {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self
            .email
            .as_deref()
            .or(self.login.as_deref())
            .unwrap_or(&self.id);
        match &self.display_name {
            Some(display) if display != name => write!(f, "{display} <{name}>"),
            _ => f.write_str(name),
        }
    }
}

/// Why a token was refused. Each kind carries the cause, the evidence and the fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefusalKind {
    /// The product rejected the credentials (wrong, expired or revoked: Jira answers all alike).
    Rejected,
    /// The product says the token has expired.
    Expired,
    /// The token authenticates, but as someone other than the intended sync user.
    WrongUser,
    /// A project of the profile does not load for this user.
    ProjectMissing,
    /// The user lacks a permission the profile needs.
    PermissionMissing,
    /// The server could not be reached (network, TLS, proxy).
    Unreachable,
    /// Anything else the product answered.
    Other,
}

/// A token that must not be used, and why.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub(crate) kind: RefusalKind,
    pub(crate) cause: String,
    pub(crate) evidence: Option<String>,
    pub(crate) fix: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.cause)?;
        if let Some(evidence) = &self.evidence {
            write!(f, "\n  evidence: {evidence}")?;
        }
        write!(f, "\n  fix: {}", self.fix)
    }
}

impl std::error::Error for Refusal {}

/// The live checks a connector can make for one side of a profile. Implemented over the real
/// connectors; tests use a scripted one.
pub(crate) trait Prover {
    /// Who `secret` authenticates as on `side` (the product's "who am I").
    fn identify(
        &self,
        profile: &Profile,
        side: Side,
        secret: &SecretString,
    ) -> Result<Who, Refusal>;

    /// That the profile's projects load and the permissions it needs are granted; returns one
    /// line per check that passed.
    fn check_access(
        &self,
        profile: &Profile,
        side: Side,
        secret: &SecretString,
    ) -> Result<Vec<String>, Refusal>;
}

/// What a proven token was shown to do.
#[derive(Debug, Clone)]
pub(crate) struct Proof {
    pub(crate) who: Who,
    pub(crate) checks: Vec<String>,
}

/// Proves `secret` for `side` of `profile`: it authenticates, as the intended sync user, and
/// the profile's projects and permissions are there.
pub(crate) fn prove(
    prover: &dyn Prover,
    profile: &Profile,
    side: Side,
    secret: &SecretString,
) -> Result<Proof, Refusal> {
    let who = prover.identify(profile, side, secret)?;
    let intended = profile.sync_user(side);
    if !who.is(intended) {
        return Err(Refusal {
            kind: RefusalKind::WrongUser,
            cause: format!("the {side} token authenticates as {who}, not as {intended}"),
            evidence: None,
            fix: crate::commands::token::other_user_explanation(
                profile,
                side,
                &who.to_string(),
                intended,
            ),
        });
    }
    let checks = prover.check_access(profile, side, secret)?;
    Ok(Proof { who, checks })
}

#[cfg(test)]
pub(crate) mod scripted {
    //! A prover that answers from a script, for the flow tests of `init` and `rotate`.

    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    type Answers = (Result<Who, Refusal>, Result<Vec<String>, Refusal>);

    /// Answers by the token's text: each known token has an identity and an access result.
    #[derive(Default)]
    pub(crate) struct Scripted {
        pub(crate) tokens: HashMap<String, Answers>,
    }

    impl Scripted {
        pub(crate) fn user(mut self, token: &str, email: &str) -> Self {
            let who = Who {
                id: format!("id-{email}"),
                display_name: None,
                email: Some(email.to_owned()),
                login: None,
            };
            self.tokens.insert(
                token.to_owned(),
                (Ok(who), Ok(vec!["project loads".into()])),
            );
            self
        }

        pub(crate) fn refused(mut self, token: &str, kind: RefusalKind) -> Self {
            let refusal = Refusal {
                kind,
                cause: format!("scripted {kind:?}"),
                evidence: None,
                fix: "scripted fix".into(),
            };
            self.tokens
                .insert(token.to_owned(), (Err(refusal.clone()), Err(refusal)));
            self
        }

        pub(crate) fn lacking(mut self, token: &str, email: &str) -> Self {
            self = self.user(token, email);
            let refusal = Refusal {
                kind: RefusalKind::PermissionMissing,
                cause: "scripted missing Create Issues".into(),
                evidence: None,
                fix: "grant it".into(),
            };
            if let Some(entry) = self.tokens.get_mut(token) {
                entry.1 = Err(refusal);
            }
            self
        }
    }

    impl Prover for Scripted {
        fn identify(&self, _: &Profile, _: Side, secret: &SecretString) -> Result<Who, Refusal> {
            match self.tokens.get(secret.expose_secret()) {
                Some((who, _)) => who.clone(),
                None => Err(Refusal {
                    kind: RefusalKind::Rejected,
                    cause: "unknown token".into(),
                    evidence: None,
                    fix: "use a known one".into(),
                }),
            }
        }

        fn check_access(
            &self,
            _: &Profile,
            _: Side,
            secret: &SecretString,
        ) -> Result<Vec<String>, Refusal> {
            match self.tokens.get(secret.expose_secret()) {
                Some((_, access)) => access.clone(),
                None => Ok(Vec::new()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_matches_by_email_login_or_id_ignoring_case() {
        let who = Who {
            id: "5b10ac8d".into(),
            display_name: Some("Sync Bot".into()),
            email: Some("Sync-Bot@Example.com".into()),
            login: Some("syncbot".into()),
        };
        assert!(who.is("sync-bot@example.com"));
        assert!(who.is("SYNCBOT"));
        assert!(who.is("5b10ac8d"));
        assert!(!who.is("alice@example.com"));
        assert_eq!(who.to_string(), "Sync Bot <Sync-Bot@Example.com>");
        let bare = Who {
            id: "x".into(),
            ..Who::default()
        };
        assert!(!bare.is(""));
        assert_eq!(bare.to_string(), "x");
    }
}
