//! Read-only probes for `tandem doctor`: each returns typed evidence (or a
//! [`ConnectorError`], itself typed evidence: cause, status, headers, messages), never a
//! string to grep. The doctor decides; these only observe.
//!
//! The order follows the article's decision guide (research jira-api.md §10): reachability
//! and deployment type (`serverInfo`, anonymous), who the credentials are (`myself`), what
//! they see (projects), what they may do (`mypermissions`), and what the screens ask for
//! (createmeta / editmeta). For Cloud, `_edge/tenant_info` and a `myself` through the API
//! gateway tell a scoped token from a bad one.

use std::collections::BTreeMap;

use http::Method;
use serde::Serialize;
use serde_json::Value;
use tandem_connector::error::{ConnectorError, Side};
use tandem_connector::tls::PeerCertificate;
use tandem_connector::transport::{Idempotency, Intent};
use tandem_connector::{ItemId, Person};
use url::Url;

use crate::JiraConnector;
use crate::client::{Body, as_base};
use crate::config::{Flavor, JiraAuth};
use crate::convert;
use crate::wire;

/// The deployment type `serverInfo` reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeploymentType {
    /// Jira Cloud (always reported as `Cloud`).
    Cloud,
    /// `Server` (real Data Center sites report this too; research jira-api.md §5).
    Server,
    /// `DataCenter`.
    DataCenter,
    /// Something else.
    Other(String),
}

impl DeploymentType {
    /// The flavour this deployment type means.
    pub fn flavor(&self) -> Option<Flavor> {
        match self {
            DeploymentType::Cloud => Some(Flavor::Cloud),
            DeploymentType::Server | DeploymentType::DataCenter => Some(Flavor::DataCenter),
            DeploymentType::Other(_) => None,
        }
    }
}

/// `GET /rest/api/2/serverInfo`, asked anonymously.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServerInfo {
    /// The base URL the server believes it has.
    pub base_url: Option<String>,
    /// Version string.
    pub version: Option<String>,
    /// Deployment type.
    pub deployment_type: DeploymentType,
    /// Build number.
    pub build_number: Option<i64>,
    /// Title.
    pub server_title: Option<String>,
}

/// `GET /myself?expand=groups,applicationRoles`: who the credentials authenticate as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Myself {
    /// The user (`id` is the Cloud accountId, or the DC key).
    pub person: Person,
    /// Cloud `accountType`: `atlassian`, `app`, `customer` (a JSM portal customer)...
    pub account_type: Option<String>,
    /// Whether the account is active.
    pub active: Option<bool>,
    /// Application role keys (`jira-software`, `jira-servicedesk` = JSM agent licence).
    pub application_roles: Vec<String>,
    /// Group names.
    pub groups: Vec<String>,
    /// Profile time zone.
    pub time_zone: Option<String>,
}

/// A project the user can see.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectSummary {
    /// Id.
    pub id: Option<String>,
    /// Key.
    pub key: String,
    /// Name.
    pub name: Option<String>,
    /// `software`, `business`, `service_desk`.
    pub project_type_key: Option<String>,
}

/// `GET /mypermissions` for a set of permission keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PermissionReport {
    /// The project asked about (`None`: any project).
    pub project: Option<String>,
    /// Permission key -> held. Keys asked for but absent from the answer are `false`.
    pub permissions: BTreeMap<String, bool>,
}

impl PermissionReport {
    /// The permissions asked for that are not held.
    pub fn missing(&self) -> Vec<&str> {
        self.permissions
            .iter()
            .filter(|(_, v)| !**v)
            .map(|(k, _)| k.as_str())
            .collect()
    }
}

/// An issue type the user may create in a project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IssueTypeInfo {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Sub-task type.
    pub subtask: bool,
}

/// A field of a create or edit screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldInfo {
    /// Field id (`summary`, `customfield_10014`).
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Required on this screen.
    pub required: bool,
    /// Jira fills it when left out.
    pub has_default: bool,
    /// Allowed operations (`set`, `add`...).
    pub operations: Vec<String>,
    /// Schema type (`string`, `user`, `array`...).
    pub schema_type: Option<String>,
    /// Custom field type, for custom fields.
    pub custom_type: Option<String>,
    /// Allowed values' names (or values), when the field restricts them.
    pub allowed_values: Vec<String>,
}

/// `GET {site}/_edge/tenant_info`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TenantInfo {
    /// The site's cloudId.
    pub cloud_id: String,
}

/// The network path to the site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TransportFacts {
    /// The proxy requests go through, without credentials.
    pub proxy: Option<String>,
    /// The certificate the site presented at the last handshake (HTTPS only).
    pub peer_certificate: Option<PeerCertificate>,
}

/// What `--probe-write` proved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WriteProbe {
    /// The key of the issue created.
    pub created_key: String,
    /// Whether it was deleted again.
    pub deleted: bool,
}

fn field_info(id: String, m: &wire::FieldMeta) -> FieldInfo {
    FieldInfo {
        id,
        name: m.name.clone(),
        required: m.required,
        has_default: m.has_default_value,
        operations: m.operations.clone(),
        schema_type: m.schema.as_ref().and_then(|s| s.kind.clone()),
        custom_type: m.schema.as_ref().and_then(|s| s.custom.clone()),
        allowed_values: m
            .allowed_values
            .iter()
            .flatten()
            .filter_map(|v| {
                ["name", "value", "key"]
                    .iter()
                    .find_map(|k| v.get(*k).and_then(Value::as_str))
                    .map(str::to_owned)
            })
            .collect(),
    }
}

impl JiraConnector {
    /// `serverInfo`, asked without credentials (it is anonymous on both flavours), so the
    /// deployment type is known even when the credentials are wrong.
    pub async fn probe_server_info(&self) -> Result<ServerInfo, ConnectorError> {
        let url = self
            .client
            .site()
            .join("rest/api/2/serverInfo")
            .map_err(|e| ConnectorError::config(Side::Jira, format!("bad URL: {e}")))?;
        let intent = Intent::new("read server info");
        let info: wire::ServerInfo = self
            .client
            .transport
            .send_json(Idempotency::Safe, &intent, |c| {
                c.get(url.clone())
                    .header(http::header::ACCEPT, "application/json")
            })
            .await?;
        let deployment_type = match info.deployment_type.as_deref() {
            Some("Cloud") => DeploymentType::Cloud,
            Some("Server") => DeploymentType::Server,
            Some("DataCenter") => DeploymentType::DataCenter,
            Some(other) => DeploymentType::Other(other.to_owned()),
            None => DeploymentType::Other(String::new()),
        };
        Ok(ServerInfo {
            base_url: info.base_url,
            version: info.version,
            deployment_type,
            build_number: info.build_number,
            server_title: info.server_title,
        })
    }

    /// Who the credentials authenticate as, with groups and application roles.
    pub async fn probe_myself(&self) -> Result<Myself, ConnectorError> {
        Ok(myself(&self.client.myself().await?))
    }

    /// Projects the user can browse. An empty list with valid credentials means no Browse
    /// Projects anywhere; invalid credentials fail as `AnonymousFallback` instead.
    pub async fn probe_projects(&self) -> Result<Vec<ProjectSummary>, ConnectorError> {
        let intent = Intent::new("list projects");
        let list: Vec<wire::Project> = match self.client.flavor() {
            Flavor::Cloud => {
                let mut out = Vec::new();
                let mut start = 0u64;
                loop {
                    let page: wire::ProjectPage = self
                        .client
                        .get(
                            "project/search",
                            &[("startAt", start.to_string()), ("maxResults", "50".into())],
                            &intent,
                        )
                        .await?;
                    let n = page.values.len() as u64;
                    out.extend(page.values);
                    start += n;
                    if n == 0
                        || page.is_last == Some(true)
                        || page.total.is_some_and(|t| start >= t)
                    {
                        break;
                    }
                }
                out
            }
            Flavor::DataCenter => self.client.get("project", &[], &intent).await?,
        };
        Ok(list
            .into_iter()
            .map(|p| ProjectSummary {
                id: p.id,
                key: p.key,
                name: p.name,
                project_type_key: p.project_type_key,
            })
            .collect())
    }

    /// One project by key: visible (with its type, `service_desk` for Jira Service
    /// Management) or `NotFoundOrHidden` ("No project could be found with key 'X'." is said
    /// alike for a missing project and one the user may not browse).
    pub async fn probe_project(&self, key: &str) -> Result<ProjectSummary, ConnectorError> {
        let intent = Intent::new("read the project")
            .project(key)
            .target(format!("project {key}"));
        let p: wire::Project = self
            .client
            .get(&format!("project/{key}"), &[], &intent)
            .await?;
        Ok(ProjectSummary {
            id: p.id,
            key: p.key,
            name: p.name,
            project_type_key: p.project_type_key,
        })
    }

    /// `mypermissions` for the given keys (e.g. `BROWSE_PROJECTS`, `CREATE_ISSUES`), in a
    /// project or, with `None`, in any project.
    pub async fn probe_permissions(
        &self,
        project: Option<&str>,
        permissions: &[&str],
    ) -> Result<PermissionReport, ConnectorError> {
        let mut q = vec![("permissions", permissions.join(","))];
        if let Some(p) = project {
            q.push(("projectKey", p.to_owned()));
        }
        let mut intent = Intent::new("read permissions");
        if let Some(p) = project {
            intent = intent.project(p).target(format!("project {p}"));
        }
        let r: wire::MyPermissions = self.client.get("mypermissions", &q, &intent).await?;
        let permissions = permissions
            .iter()
            .map(|k| {
                (
                    (*k).to_owned(),
                    r.permissions.get(*k).is_some_and(|e| e.have_permission),
                )
            })
            .collect();
        Ok(PermissionReport {
            project: project.map(str::to_owned),
            permissions,
        })
    }

    /// The issue types the user may create in `project` (new createmeta; the project is
    /// missing, or the answer is 404/empty, when the user cannot create there).
    pub async fn probe_create_issue_types(
        &self,
        project: &str,
    ) -> Result<Vec<IssueTypeInfo>, ConnectorError> {
        let intent = Intent::new("read the create screen")
            .project(project)
            .target(format!("project {project}"));
        let mut out = Vec::new();
        let mut start = 0u64;
        loop {
            let page: wire::IssueTypesPage = self
                .client
                .get(
                    &format!("issue/createmeta/{project}/issuetypes"),
                    &[("startAt", start.to_string()), ("maxResults", "50".into())],
                    &intent,
                )
                .await?;
            let n = page.issue_types.len() as u64;
            out.extend(page.issue_types.into_iter().map(|t| IssueTypeInfo {
                id: t.id,
                name: t.name,
                subtask: t.subtask,
            }));
            start += n;
            if n == 0 || page.is_last == Some(true) || page.total.is_none_or(|t| start >= t) {
                break;
            }
        }
        Ok(out)
    }

    /// The fields of the create screen for an issue type.
    pub async fn probe_create_fields(
        &self,
        project: &str,
        issue_type_id: &str,
    ) -> Result<Vec<FieldInfo>, ConnectorError> {
        let intent = Intent::new("read the create screen")
            .project(project)
            .target(format!("project {project}"));
        let mut out = Vec::new();
        let mut start = 0u64;
        loop {
            let page: wire::FieldsPage = self
                .client
                .get(
                    &format!("issue/createmeta/{project}/issuetypes/{issue_type_id}"),
                    &[("startAt", start.to_string()), ("maxResults", "200".into())],
                    &intent,
                )
                .await?;
            let n = page.fields.len() as u64;
            out.extend(page.fields.iter().map(|f| {
                field_info(
                    f.field_id
                        .clone()
                        .or_else(|| f.key.clone())
                        .unwrap_or_default(),
                    f,
                )
            }));
            start += n;
            if n == 0 || page.is_last == Some(true) || page.total.is_none_or(|t| start >= t) {
                break;
            }
        }
        Ok(out)
    }

    /// The fields of an issue's edit screen (only those the user may edit appear).
    pub async fn probe_edit_fields(&self, issue: &str) -> Result<Vec<FieldInfo>, ConnectorError> {
        let intent = Intent::new("read the edit screen").target(format!("issue {issue}"));
        let m: wire::EditMeta = self
            .client
            .get(&format!("issue/{issue}/editmeta"), &[], &intent)
            .await?;
        Ok(m.fields
            .iter()
            .map(|(k, f)| field_info(k.clone(), f))
            .collect())
    }

    /// The site's cloudId (Cloud only; unauthenticated).
    pub async fn probe_tenant_info(&self) -> Result<TenantInfo, ConnectorError> {
        Ok(TenantInfo {
            cloud_id: self.client.tenant_info().await?.cloud_id,
        })
    }

    /// `myself` through the API gateway with the same credentials: succeeds for a scoped
    /// token that fails on the site URL.
    pub async fn probe_gateway_myself(
        &self,
        gateway: &Url,
        cloud_id: &str,
    ) -> Result<Myself, ConnectorError> {
        let url = as_base(gateway)
            .join(&format!("ex/jira/{cloud_id}/rest/api/3/myself"))
            .map_err(|e| ConnectorError::config(Side::Jira, format!("bad gateway URL: {e}")))?;
        let intent = Intent::new("read the current user through the API gateway");
        let r = self
            .client
            .request_url(
                Method::GET,
                url,
                &[("expand", "groups,applicationRoles".to_owned())],
                Body::None,
                Idempotency::Safe,
                &intent,
            )
            .await?;
        let me: wire::User = self.client.transport.decode(&r)?;
        Ok(myself(&me))
    }

    /// The gateway this connector's credentials would use.
    pub fn gateway(&self) -> Url {
        match &self.client.cfg.auth {
            JiraAuth::ScopedToken { gateway, .. } => gateway.clone(),
            _ => Url::parse(crate::config::DEFAULT_GATEWAY)
                .unwrap_or_else(|_| self.client.site().clone()),
        }
    }

    /// Proxy and TLS facts for the site (the certificate is known after a first request).
    pub fn probe_transport(&self) -> TransportFacts {
        let site = self.client.site();
        TransportFacts {
            proxy: self.client.transport.http().proxy_for(site),
            peer_certificate: site
                .host_str()
                .and_then(|h| self.client.transport.peer_certificate(h)),
        }
    }

    /// Proves creation for real: creates an issue in `project` with `summary`, then deletes
    /// it. Only for `tandem doctor --probe-write` with a project the user named.
    pub async fn probe_create_and_delete(
        &self,
        project: &str,
        issue_type: &str,
        summary: &str,
    ) -> Result<WriteProbe, ConnectorError> {
        let mut fields = serde_json::Map::new();
        fields.insert("project".into(), serde_json::json!({ "key": project }));
        fields.insert(
            "issuetype".into(),
            serde_json::json!({ "name": issue_type }),
        );
        fields.insert("summary".into(), Value::String(summary.to_owned()));
        let intent = Intent::new("create an issue").project(project);
        let created: wire::Created = self
            .client
            .send_json(
                Method::POST,
                "issue",
                serde_json::json!({ "fields": fields }),
                Idempotency::Unsafe,
                &intent,
            )
            .await?;
        let deleted = self.delete_issue(&ItemId(created.id)).await.is_ok();
        Ok(WriteProbe {
            created_key: created.key,
            deleted,
        })
    }
}

fn myself(u: &wire::User) -> Myself {
    let names = |i: &Option<wire::Items<wire::Named>>| -> Vec<String> {
        i.iter()
            .flat_map(|i| i.items.iter())
            .filter_map(|n| n.key.clone().or_else(|| n.name.clone()))
            .collect()
    };
    Myself {
        person: convert::person(u),
        account_type: u.account_type.clone(),
        active: u.active,
        application_roles: names(&u.application_roles),
        groups: u
            .groups
            .iter()
            .flat_map(|g| g.items.iter())
            .filter_map(|n| n.name.clone())
            .collect(),
        time_zone: u.time_zone.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn myself_reads_roles_and_groups() {
        let u: wire::User = serde_json::from_value(serde_json::json!({
            "accountId": "5b10ac8d82e05b22cc7d4ef5", "accountType": "atlassian", "active": true,
            "displayName": "Sync Bot", "emailAddress": "sync-bot@example.com", "timeZone": "Europe/Paris",
            "groups": {"size": 1, "items": [{"name": "jira-software-users"}]},
            "applicationRoles": {"size": 1, "items": [{"key": "jira-servicedesk", "name": "Jira Service Management"}]}
        }))
        .unwrap();
        let m = myself(&u);
        assert_eq!(m.person.id, "5b10ac8d82e05b22cc7d4ef5");
        assert_eq!(m.application_roles, vec!["jira-servicedesk".to_owned()]);
        assert_eq!(m.groups, vec!["jira-software-users".to_owned()]);
    }

    #[test]
    fn permission_report_lists_missing() {
        let r = PermissionReport {
            project: Some("DEMO".into()),
            permissions: [
                ("BROWSE_PROJECTS".to_owned(), true),
                ("CREATE_ISSUES".to_owned(), false),
            ]
            .into(),
        };
        assert_eq!(r.missing(), vec!["CREATE_ISSUES"]);
        assert_eq!(DeploymentType::Server.flavor(), Some(Flavor::DataCenter));
    }
}
