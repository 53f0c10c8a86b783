//! Read-only probes for `tandem doctor`, returning typed evidence (or a typed
//! [`ConnectorError`]): who the token is (`connectionData`: `authenticatedUser` and
//! `authorizedUser`), which `api-version` the server speaks, whether the project and the
//! area path are visible, and — without saving anything — whether a work item could be
//! created there (`validateOnly=true`).
//!
//! Area-path *permissions* are not readable with a PAT through the documented work item
//! APIs; the create check with `validateOnly` is how they are observed (TF237111 when
//! "Edit work items in this node" is missing).

use http::Method;
use serde::Serialize;
use serde_json::Value;
use tandem_connector::Person;
use tandem_connector::error::ConnectorError;
use tandem_connector::tls::PeerCertificate;
use tandem_connector::transport::{Idempotency, Intent};

use crate::AdoConnector;
use crate::client::{Body, Resource, Scope};
use crate::config::ApiVersion;
use crate::convert;
use crate::wire;

/// Hosted (Services) or on-premises (Server / TFS).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeploymentType {
    /// Azure DevOps Services.
    Hosted,
    /// Azure DevOps Server / TFS.
    OnPremises,
    /// Something else, as reported.
    Other(String),
}

/// An identity as `connectionData` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdoIdentity {
    /// Id, display name, e-mail / UPN.
    pub person: Person,
    /// The identity descriptor.
    pub descriptor: Option<String>,
    /// The subject descriptor (Graph).
    pub subject_descriptor: Option<String>,
}

/// `GET {org}/_apis/connectionData`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConnectionFacts {
    /// Who the credentials authenticate as.
    pub authenticated_user: Option<AdoIdentity>,
    /// Whom requests are authorized as (differs when acting on behalf of someone).
    pub authorized_user: Option<AdoIdentity>,
    /// Hosted or on-premises.
    pub deployment_type: DeploymentType,
    /// The organization / collection instance id.
    pub instance_id: Option<String>,
    /// The `api-version` in use after negotiation.
    pub api_version: ApiVersion,
}

/// A project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdoProject {
    /// Id.
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// `wellFormed`, ...
    pub state: Option<String>,
}

/// An area (or iteration) node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClassificationNode {
    /// Integer id.
    pub id: Option<i64>,
    /// GUID.
    pub identifier: Option<String>,
    /// Name.
    pub name: String,
    /// Full node path (`\Project\Area\Team`).
    pub path: Option<String>,
    /// Whether it has children.
    pub has_children: bool,
}

/// The network path to the organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TransportFacts {
    /// The proxy requests go through, without credentials.
    pub proxy: Option<String>,
    /// The certificate presented at the last handshake (HTTPS only).
    pub peer_certificate: Option<PeerCertificate>,
}

/// What a `validateOnly` create proved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValidatedCreate {
    /// The work item type.
    pub item_type: String,
    /// The area path it would be saved under.
    pub area_path: Option<String>,
}

fn identity(i: &wire::IdentityRef) -> AdoIdentity {
    AdoIdentity {
        person: convert::person(i),
        descriptor: i.descriptor.clone(),
        subject_descriptor: i.subject_descriptor.clone(),
    }
}

/// The node path under `Areas` for an area path `Project\A\B` (the project segment dropped).
fn area_segments(area_path: &str, project: &str) -> Vec<String> {
    let mut parts: Vec<&str> = area_path.split('\\').filter(|p| !p.is_empty()).collect();
    if parts
        .first()
        .is_some_and(|p| p.eq_ignore_ascii_case(project))
    {
        parts.remove(0);
    }
    parts.into_iter().map(str::to_owned).collect()
}

impl AdoConnector {
    /// `connectionData`: the identity the token authenticates as, and the deployment type.
    /// Also settles the `api-version`.
    pub async fn probe_connection(&self) -> Result<ConnectionFacts, ConnectorError> {
        let cd = self.client.connection_data().await?;
        let deployment_type = match cd.deployment_type.as_deref() {
            Some("hosted") => DeploymentType::Hosted,
            Some("onPremises") => DeploymentType::OnPremises,
            Some(o) => DeploymentType::Other(o.to_owned()),
            None => DeploymentType::Other(String::new()),
        };
        Ok(ConnectionFacts {
            authenticated_user: cd.authenticated_user.as_ref().map(identity),
            authorized_user: cd.authorized_user.as_ref().map(identity),
            deployment_type,
            instance_id: cd.instance_id,
            api_version: self.client.api_version(),
        })
    }

    /// Projects the identity can see.
    pub async fn probe_projects(&self) -> Result<Vec<AdoProject>, ConnectorError> {
        let url = self.client.url(Scope::Org, &["projects"])?;
        let intent = Intent::new("list projects");
        let mut out = Vec::new();
        let mut skip = 0usize;
        loop {
            let page: wire::List<wire::Project> = self
                .client
                .get(
                    url.clone(),
                    Resource::General,
                    &[("$top", "100".into()), ("$skip", skip.to_string())],
                    &intent,
                )
                .await?;
            let n = page.value.len();
            out.extend(page.value.into_iter().map(|p| AdoProject {
                id: p.id,
                name: p.name,
                state: p.state,
            }));
            skip += n;
            if n < 100 {
                break;
            }
        }
        Ok(out)
    }

    /// The configured project, if visible (`NotFoundOrHidden` otherwise).
    pub async fn probe_project(&self) -> Result<AdoProject, ConnectorError> {
        let project = self.client.cfg.project.clone();
        let url = self.client.url(Scope::Org, &["projects", &project])?;
        let intent = Intent::new("read the project")
            .target(format!("project {project}"))
            .project(project);
        let p: wire::Project = self
            .client
            .get(url, Resource::General, &[], &intent)
            .await?;
        Ok(AdoProject {
            id: p.id,
            name: p.name,
            state: p.state,
        })
    }

    /// The area node of `area_path` (or the project's root area), if visible.
    pub async fn probe_area(
        &self,
        area_path: Option<&str>,
    ) -> Result<ClassificationNode, ConnectorError> {
        let project = self.client.cfg.project.clone();
        let segments = area_path
            .map(|a| area_segments(a, &project))
            .unwrap_or_default();
        let mut path: Vec<&str> = vec!["wit", "classificationnodes", "Areas"];
        path.extend(segments.iter().map(String::as_str));
        let url = self.client.url(Scope::Project, &path)?;
        let intent = Intent::new("read the area path")
            .target(format!("area path {}", area_path.unwrap_or(&project)));
        let n: wire::ClassificationNode = self
            .client
            .get(url, Resource::General, &[("$depth", "1".into())], &intent)
            .await?;
        Ok(ClassificationNode {
            id: n.id,
            identifier: n.identifier,
            name: n.name,
            path: n.path,
            has_children: n.has_children,
        })
    }

    /// Work item type names of the project.
    pub async fn probe_work_item_types(&self) -> Result<Vec<String>, ConnectorError> {
        let url = self.client.url(Scope::Project, &["wit", "workitemtypes"])?;
        let list: wire::List<wire::WorkItemType> = self
            .client
            .get(
                url,
                Resource::General,
                &[],
                &Intent::new("list work item types"),
            )
            .await?;
        Ok(list.value.into_iter().map(|t| t.name).collect())
    }

    /// Asks the server to validate creating a work item of `item_type` titled `title` under
    /// the configured area path, without saving anything (`validateOnly=true`). A missing
    /// write scope answers 401 TF400813; a missing area permission TF237111.
    pub async fn probe_validate_create(
        &self,
        item_type: &str,
        title: &str,
    ) -> Result<ValidatedCreate, ConnectorError> {
        let c = &self.client;
        let mut ops = vec![crate::wire::PatchOp {
            op: "add",
            path: "/fields/System.Title".into(),
            value: Some(Value::String(title.to_owned())),
        }];
        if let Some(area) = &c.cfg.area_path {
            ops.push(crate::wire::PatchOp {
                op: "add",
                path: "/fields/System.AreaPath".into(),
                value: Some(Value::String(area.clone())),
            });
        }
        let url = c.url(
            Scope::Project,
            &["wit", "workitems", &format!("${item_type}")],
        )?;
        let intent = Intent::new("create a work item").project(
            c.cfg
                .area_path
                .clone()
                .unwrap_or_else(|| c.cfg.project.clone()),
        );
        // Nothing is saved, so repeating it is harmless.
        let r = c
            .request(
                Method::POST,
                url,
                Resource::General,
                &[("validateOnly", "true".into())],
                Body::Patch(ops),
                Idempotency::Safe,
                &intent,
            )
            .await?;
        let _: Value = c.transport.decode(&r)?;
        Ok(ValidatedCreate {
            item_type: item_type.to_owned(),
            area_path: c.cfg.area_path.clone(),
        })
    }

    /// Proxy and TLS facts for the organization URL.
    pub fn probe_transport(&self) -> TransportFacts {
        let org = self.client.org();
        TransportFacts {
            proxy: self.client.transport.http().proxy_for(org),
            peer_certificate: org
                .host_str()
                .and_then(|h| self.client.transport.peer_certificate(h)),
        }
    }
}

/// Whether two identities are the same account (by id, else by e-mail/UPN).
pub fn same_identity(a: &Person, b: &Person) -> bool {
    if !a.id.is_empty() && !b.id.is_empty() {
        return a.id.eq_ignore_ascii_case(&b.id);
    }
    match (&a.email, &b.email) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_paths_become_node_paths() {
        assert_eq!(area_segments("Demo\\Web\\Sub", "Demo"), vec!["Web", "Sub"]);
        assert_eq!(area_segments("Demo", "Demo"), Vec::<String>::new());
        assert_eq!(area_segments("Other\\X", "Demo"), vec!["Other", "X"]);
    }

    #[test]
    fn identity_reads_account_property() {
        let i: wire::IdentityRef = serde_json::from_value(serde_json::json!({
            "id": "a1b2", "descriptor": "Microsoft.IdentityModel.Claims.ClaimsIdentity;x",
            "providerDisplayName": "Sync Bot",
            "properties": {"Account": {"$type": "System.String", "$value": "sync-bot@example.com"}}
        }))
        .unwrap();
        let id = identity(&i);
        assert_eq!(id.person.email.as_deref(), Some("sync-bot@example.com"));
        assert_eq!(id.person.display_name.as_deref(), Some("Sync Bot"));
        assert!(same_identity(
            &id.person,
            &Person {
                id: "A1B2".into(),
                ..Person::default()
            }
        ));
    }
}
