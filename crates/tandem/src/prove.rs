//! Proving a token live before tandem relies on it (`tandem init`, `tandem token rotate`), in
//! the order of the source article's decision guide: credentials first (does it authenticate,
//! and as whom), then the project list, then permissions. Nothing is written until every step
//! passed.

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

impl RefusalKind {
    /// The cause category, as `tandem doctor` names them (research: the article's decision
    /// guide puts credentials and identity before permissions).
    pub(crate) fn category(self) -> &'static str {
        match self {
            RefusalKind::Rejected | RefusalKind::Expired => "credentials",
            RefusalKind::WrongUser => "identity",
            RefusalKind::ProjectMissing | RefusalKind::PermissionMissing => "permissions",
            RefusalKind::Unreachable => "network",
            RefusalKind::Other => "configuration",
        }
    }
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
        write!(f, "[{}] {}", self.kind.category(), self.cause)?;
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

    /// That the profile's projects load and the permissions it needs are granted; each check
    /// that passes is handed to `passed` as it passes.
    fn check_access(
        &self,
        profile: &Profile,
        side: Side,
        secret: &SecretString,
        passed: &mut dyn FnMut(String),
    ) -> Result<(), Refusal>;
}

/// Proves `secret` for `side` of `profile`: it authenticates, as the intended sync user, and
/// the profile's projects and permissions are there.
/// Each step that passes is written to `out` as it passes.
pub(crate) fn prove(
    prover: &dyn Prover,
    profile: &Profile,
    side: Side,
    secret: &SecretString,
    out: &mut dyn std::io::Write,
) -> Result<Who, Refusal> {
    let intended = profile.sync_user(side);
    let who = prover
        .identify(profile, side, secret)
        .map_err(|mut refusal| {
            // With Basic auth Jira checks the token against the configured user, so another
            // account's token is simply rejected: say why that is the usual cause (the
            // source article: "tokens are user-specific", even between two site admins).
            if side == Side::Jira && !profile.jira.auth.is_bearer() && refusal.kind == RefusalKind::Rejected {
                refusal.fix = format!(
                    "{} Tokens are per user: a token created while signed in as another account (even another site admin) never authenticates as {intended}. Sign in as {intended}, create the token there, and use that one.",
                    refusal.fix.trim_end()
                );
            }
            refusal
        })?;
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
    // Said at once, so that a later permission refusal is read as one.
    let _ = writeln!(out, "√ authenticates as {who}, the intended sync user");
    prover.check_access(profile, side, secret, &mut |check| {
        let _ = writeln!(out, "√ {check}");
    })?;
    Ok(who)
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
            passed: &mut dyn FnMut(String),
        ) -> Result<(), Refusal> {
            match self.tokens.get(secret.expose_secret()) {
                Some((_, Ok(checks))) => {
                    checks.iter().cloned().for_each(passed);
                    Ok(())
                }
                Some((_, Err(refusal))) => Err(refusal.clone()),
                None => Ok(()),
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

pub(crate) mod live {
    //! The prover over the real connectors: Jira `myself`, the project list and
    //! `mypermissions`; Azure DevOps `connectionData`, the project, the area path and a
    //! `validateOnly` create. Nothing is ever written to either product.

    use tandem_connector::error::{AuthProblem, ConnectorError, ErrorKind};
    use tandem_jira::{Flavor, JiraConnector};

    use super::*;
    use crate::connect;

    /// Runs the connectors' async probes on a runtime of its own.
    #[derive(Debug)]
    pub(crate) struct LiveProver {
        runtime: tokio::runtime::Runtime,
    }

    impl LiveProver {
        pub(crate) fn new() -> anyhow::Result<Self> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            Ok(Self { runtime })
        }
    }

    fn refusal(error: &ConnectorError) -> Refusal {
        let kind = match error.kind() {
            ErrorKind::Unauthenticated {
                problem: AuthProblem::Expired,
            } => RefusalKind::Expired,
            ErrorKind::Unauthenticated { .. } => RefusalKind::Rejected,
            ErrorKind::PermissionDenied { .. } => RefusalKind::PermissionMissing,
            ErrorKind::NotFoundOrHidden { .. } => RefusalKind::ProjectMissing,
            ErrorKind::Tls { .. }
            | ErrorKind::Proxy { .. }
            | ErrorKind::Network { .. }
            | ErrorKind::HtmlInsteadOfJson { .. } => RefusalKind::Unreachable,
            _ => RefusalKind::Other,
        };
        let evidence = error.evidence();
        let mut parts = Vec::new();
        if let Some(request) = error.request() {
            parts.push(request.to_string());
        }
        if let Some(status) = evidence.status {
            parts.push(format!("HTTP {status}"));
        }
        if let Some(code) = &evidence.code {
            parts.push(code.clone());
        }
        parts.extend(evidence.messages.iter().cloned());
        Refusal {
            kind,
            cause: error.summary(),
            evidence: (!parts.is_empty()).then(|| parts.join(" · ")),
            fix: error.fix(),
        }
    }

    fn setting(error: &connect::ConnectError) -> Refusal {
        Refusal {
            kind: RefusalKind::Other,
            cause: error.to_string(),
            evidence: None,
            fix: "fix the setting in the profile, then try again".to_owned(),
        }
    }

    fn who(person: &tandem_connector::Person) -> Who {
        Who {
            id: person.id.clone(),
            display_name: person.display_name.clone(),
            email: person.email.clone(),
            login: person.login.clone(),
        }
    }

    /// The permissions (Jira keys and their names in the UI) the profile needs in each project.
    fn jira_permissions(profile: &Profile) -> Vec<(&'static str, &'static str)> {
        let mut needed = vec![("BROWSE_PROJECTS", "Browse Projects")];
        if tandem_config::writes_to(profile.direction, Side::Jira) {
            needed.push(("CREATE_ISSUES", "Create Issues"));
            needed.push(("EDIT_ISSUES", "Edit Issues"));
            if profile
                .mapping
                .fields
                .iter()
                .any(|f| f.is_state() && f.direction.allows(Side::Ado))
            {
                needed.push(("TRANSITION_ISSUES", "Transition Issues"));
            }
        }
        needed
    }

    impl LiveProver {
        async fn jira(
            profile: &Profile,
            project: &str,
            secret: &SecretString,
        ) -> Result<JiraConnector, Refusal> {
            let flavor = match connect::known_flavor(profile) {
                Some(flavor) => flavor,
                None => {
                    // mode = "auto": ask the server (serverInfo is anonymous on both flavours).
                    let probe =
                        connect::jira_config(profile, project, Flavor::DataCenter, secret.clone())
                            .map_err(|e| setting(&e))?;
                    let connector = JiraConnector::new(probe).map_err(|e| refusal(&e))?;
                    let info = connector
                        .probe_server_info()
                        .await
                        .map_err(|e| refusal(&e))?;
                    info.deployment_type.flavor().unwrap_or(Flavor::DataCenter)
                }
            };
            let config = connect::jira_config(profile, project, flavor, secret.clone())
                .map_err(|e| setting(&e))?;
            JiraConnector::new(config).map_err(|e| refusal(&e))
        }

        fn ado(
            profile: &Profile,
            secret: &SecretString,
        ) -> Result<tandem_ado::AdoConnector, Refusal> {
            let config = connect::ado_config(profile, secret.clone()).map_err(|e| setting(&e))?;
            tandem_ado::AdoConnector::new(config).map_err(|e| refusal(&e))
        }

        async fn jira_access(
            profile: &Profile,
            secret: &SecretString,
            passed: &mut dyn FnMut(String),
        ) -> Result<(), Refusal> {
            let first = profile.jira.projects.first().map_or("", String::as_str);
            let connector = Self::jira(profile, first, secret).await?;
            let user = &profile.jira.user;
            let visible = connector.probe_projects().await.map_err(|e| refusal(&e))?;
            if visible.is_empty() {
                return Err(Refusal {
                    kind: RefusalKind::ProjectMissing,
                    cause: format!("the project list is empty: {user} cannot browse any project"),
                    evidence: None,
                    fix: format!(
                        "grant {user} Browse Projects in {} (through the project's permission scheme or a project role)",
                        profile.jira.projects.join(", ")
                    ),
                });
            }
            for project in &profile.jira.projects {
                if !visible.iter().any(|p| p.key.eq_ignore_ascii_case(project)) {
                    let seen: Vec<&str> = visible.iter().map(|p| p.key.as_str()).take(10).collect();
                    return Err(Refusal {
                        kind: RefusalKind::ProjectMissing,
                        cause: format!(
                            "project {project} is not in the list of projects {user} can browse"
                        ),
                        evidence: Some(format!("{user} sees: {}", seen.join(", "))),
                        fix: format!(
                            "check the project key, and grant {user} Browse Projects in {project}"
                        ),
                    });
                }
            }
            passed(format!(
                "the project list loads and includes {}",
                profile.jira.projects.join(", ")
            ));
            let needed = jira_permissions(profile);
            let keys: Vec<&str> = needed.iter().map(|(key, _)| *key).collect();
            for project in &profile.jira.projects {
                let report = connector
                    .probe_permissions(Some(project), &keys)
                    .await
                    .map_err(|e| refusal(&e))?;
                let missing: Vec<&str> = needed
                    .iter()
                    .filter(|(key, _)| report.permissions.get(*key) != Some(&true))
                    .map(|(_, name)| *name)
                    .collect();
                if !missing.is_empty() {
                    return Err(Refusal {
                        kind: RefusalKind::PermissionMissing,
                        cause: format!("{user} lacks {} in {project}", missing.join(", ")),
                        evidence: Some(format!("GET mypermissions?projectKey={project}")),
                        fix: format!(
                            "grant {user} {} in {project}'s permission scheme or project roles (for a Jira Service Management project: an agent role, not only portal access); then sign in as {user} and create an issue in {project} to confirm",
                            missing.join(", ")
                        ),
                    });
                }
                let granted: Vec<&str> = needed.iter().map(|(_, name)| *name).collect();
                passed(format!("{user} holds {} in {project}", granted.join(", ")));
            }
            Ok(())
        }

        async fn ado_access(
            profile: &Profile,
            secret: &SecretString,
            passed: &mut dyn FnMut(String),
        ) -> Result<(), Refusal> {
            let connector = Self::ado(profile, secret)?;
            let project = connector.probe_project().await.map_err(|e| refusal(&e))?;
            passed(format!("project {} loads", project.name));
            if let Some(area) = &profile.ado.area_path {
                connector
                    .probe_area(Some(area))
                    .await
                    .map_err(|e| refusal(&e))?;
                passed(format!("area path {area} exists"));
            }
            if tandem_config::writes_to(profile.direction, Side::Ado) {
                let item_type = match profile.mapping.types.first() {
                    Some(pair) => pair.ado.clone(),
                    None => connector
                        .probe_work_item_types()
                        .await
                        .map_err(|e| refusal(&e))?
                        .into_iter()
                        .next()
                        .unwrap_or_else(|| "Task".to_owned()),
                };
                let validated = connector
                    .probe_validate_create(&item_type, "tandem permission check (not saved)")
                    .await
                    .map_err(|e| refusal(&e))?;
                let place = validated
                    .area_path
                    .unwrap_or_else(|| profile.ado.project.clone());
                passed(format!(
                    "{} may create {item_type} work items in {place} (checked with validateOnly, nothing saved)",
                    profile.ado.user
                ));
            }
            Ok(())
        }
    }

    impl Prover for LiveProver {
        fn identify(
            &self,
            profile: &Profile,
            side: Side,
            secret: &SecretString,
        ) -> Result<Who, Refusal> {
            self.runtime.block_on(async {
                match side {
                    Side::Jira => {
                        let first = profile.jira.projects.first().map_or("", String::as_str);
                        let connector = Self::jira(profile, first, secret).await?;
                        let myself = connector.probe_myself().await.map_err(|e| refusal(&e))?;
                        Ok(who(&myself.person))
                    }
                    Side::Ado => {
                        let connector = Self::ado(profile, secret)?;
                        let facts = connector.probe_connection().await.map_err(|e| refusal(&e))?;
                        match facts.authenticated_user {
                            Some(identity) if !identity.person.id.trim_matches(['0', '-']).is_empty() => {
                                Ok(who(&identity.person))
                            }
                            _ => Err(Refusal {
                                kind: RefusalKind::Rejected,
                                cause: "Azure DevOps answered as an anonymous user: the token was not accepted".to_owned(),
                                evidence: Some("connectionData has no authenticated user".to_owned()),
                                fix: "create a new personal access token while signed in as the sync identity, and use it".to_owned(),
                            }),
                        }
                    }
                }
            })
        }

        fn check_access(
            &self,
            profile: &Profile,
            side: Side,
            secret: &SecretString,
            passed: &mut dyn FnMut(String),
        ) -> Result<(), Refusal> {
            self.runtime.block_on(async {
                match side {
                    Side::Jira => Self::jira_access(profile, secret, passed).await,
                    Side::Ado => Self::ado_access(profile, secret, passed).await,
                }
            })
        }
    }
}
