//! The Jira half: an in-memory Jira Cloud (REST v2 + v3, API gateway) or Jira Data Center
//! (REST v2) with users, credentials, permission schemes, workflows, issues and webhooks.

// Handlers and their helpers return ready HTTP error responses in `Err`; boxing them would
// only add noise on a path that is not hot.
#![allow(clippy::result_large_err)]

mod adf;
pub mod admin;
mod jql;
mod perms;
mod render;
mod routes_issue;
mod routes_meta;
mod routes_more;
pub mod spec;
mod state;
mod webhooks;
mod world;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use http::StatusCode;
use parking_lot::{Mutex, RwLock};

use crate::common::clock::Clock;
use crate::common::scenario::{Scenario, ScenarioError};
use crate::common::server::{
    self, ListenOptions, ServeError, ServerHandle, SimCommon, SimSettings,
};

pub use spec::{Flavour, JiraSpec};
use state::JiraState;
use world::World;
pub use world::parse_when;

/// A prepared (validated, not yet listening) Jira simulator.
#[derive(Debug)]
pub struct JiraSim {
    spec: JiraSpec,
    world: World,
    clock: Arc<Clock>,
    scenario: String,
    description: String,
}

/// Why a Jira simulator did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The scenario is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The server could not start.
    #[error(transparent)]
    Serve(#[from] ServeError),
}

impl JiraSim {
    /// Validates the scenario's `[jira]` table and builds the world (no I/O). Every error names
    /// the file, line, key and problem.
    pub fn prepare(scenario: &Scenario) -> Result<JiraSim, ScenarioError> {
        let spec: JiraSpec = scenario.half("jira")?;
        let clock = Arc::new(Clock::new());
        let world = World::build(&spec, scenario, clock.clone())?;
        Ok(JiraSim {
            spec,
            world,
            clock,
            scenario: scenario.name().to_owned(),
            description: scenario.description().to_owned(),
        })
    }

    /// Prepares and serves on 127.0.0.1, any free port.
    pub async fn start(scenario: &Scenario) -> Result<JiraSimHandle, StartError> {
        Ok(Self::prepare(scenario)?
            .serve(&ListenOptions::default())
            .await?)
    }

    /// Starts listening.
    pub async fn serve(self, listen: &ListenOptions) -> Result<JiraSimHandle, ServeError> {
        let common = SimCommon::new(
            SimSettings {
                kind: "jira",
                scenario: self.scenario.clone(),
                description: self.description.clone(),
                faults: self.spec.faults.clone(),
                tls: self.spec.tls.clone(),
                route_prefixes: vec!["/ex/jira/{cloudId}"],
                log_capacity: 10_000,
            },
            self.clock.clone(),
            listen,
        )?;
        let flavour = self.world.flavour;
        let st = Arc::new(JiraState {
            world: RwLock::new(self.world),
            common: common.clone(),
            limits: Mutex::new(state::Limits::default()),
            http: webhook_client(),
            deliveries: Mutex::new(Vec::new()),
            request_seq: std::sync::atomic::AtomicU64::new(1),
        });
        let api = api_router(st.clone(), flavour);
        let api = server::api_layer(api, common.clone());
        let server = server::serve(common, api, admin::router(st.clone()), listen).await?;
        Ok(JiraSimHandle {
            server,
            spec: Arc::new(self.spec),
        })
    }
}

// The webhook sender trusts no TLS roots (receivers in tests and demos listen on plain HTTP on
// loopback) and uses the ring provider without touching process-wide state. The connector's
// client builder is deliberately not used: the simulator depends on no connector crate.
#[allow(clippy::disallowed_methods)]
fn webhook_client() -> reqwest::Client {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| {
            b.with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth()
        });
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    let builder = match tls {
        Ok(cfg) => builder.tls_backend_preconfigured(cfg),
        Err(_) => builder,
    };
    builder.build().unwrap_or_default()
}

fn api_router(st: Arc<JiraState>, flavour: Flavour) -> Router {
    use routes_issue as i;
    use routes_meta as m;
    use routes_more as x;
    let prefixes: Vec<&str> = match flavour {
        Flavour::Cloud => vec![
            "/rest/api/2",
            "/rest/api/3",
            "/rest/api/latest",
            "/ex/jira/{cloudId}/rest/api/2",
            "/ex/jira/{cloudId}/rest/api/3",
        ],
        Flavour::Datacenter => vec!["/rest/api/2", "/rest/api/latest"],
    };
    let routes: Vec<(&str, MethodRouter<Arc<JiraState>>)> = vec![
        ("/serverInfo", get(m::server_info)),
        ("/myself", get(m::myself)),
        ("/project", get(m::project_list)),
        ("/project/search", get(m::project_search)),
        ("/project/{projectIdOrKey}", get(m::project_get)),
        (
            "/project/{projectIdOrKey}/statuses",
            get(m::project_statuses),
        ),
        ("/project/{projectIdOrKey}/role", get(m::project_roles)),
        ("/project/{projectIdOrKey}/role/{id}", get(m::project_role)),
        ("/mypermissions", get(m::mypermissions)),
        ("/field", get(m::fields)),
        ("/status", get(m::statuses)),
        ("/statuscategory", get(m::status_categories)),
        ("/priority", get(m::priorities)),
        ("/issuetype", get(m::issue_types)),
        ("/resolution", get(m::resolutions)),
        ("/issueLinkType", get(m::link_types)),
        ("/user", get(m::user_get)),
        ("/user/search", get(m::user_search)),
        (
            "/issue/createmeta/{projectIdOrKey}/issuetypes",
            get(m::createmeta_types),
        ),
        (
            "/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}",
            get(m::createmeta_fields),
        ),
        ("/issue", post(i::create)),
        ("/issue/bulk", post(i::create_bulk)),
        (
            "/issue/{issueIdOrKey}",
            get(i::get).put(i::edit).delete(i::delete),
        ),
        ("/issue/{issueIdOrKey}/editmeta", get(m::editmeta)),
        (
            "/issue/{issueIdOrKey}/assignee",
            axum::routing::put(i::assign),
        ),
        (
            "/issue/{issueIdOrKey}/transitions",
            get(i::transitions).post(i::transition),
        ),
        ("/issue/{issueIdOrKey}/changelog", get(i::changelog)),
        ("/issue/{issueIdOrKey}/properties", get(i::properties_list)),
        (
            "/issue/{issueIdOrKey}/properties/{propertyKey}",
            get(i::property_get)
                .put(i::property_put)
                .delete(i::property_delete),
        ),
        (
            "/issue/{issueIdOrKey}/comment",
            get(x::comments).post(x::comment_add),
        ),
        (
            "/issue/{issueIdOrKey}/comment/{id}",
            get(x::comment_get)
                .put(x::comment_update)
                .delete(x::comment_delete),
        ),
        (
            "/issue/{issueIdOrKey}/attachments",
            post(x::attachment_upload),
        ),
        ("/attachment/meta", get(x::attachment_meta)),
        (
            "/attachment/{id}",
            get(x::attachment_get).delete(x::attachment_delete),
        ),
        ("/attachment/content/{id}", get(x::attachment_content)),
        ("/issueLink", post(x::link_create)),
        (
            "/issueLink/{linkId}",
            get(x::link_get).delete(x::link_delete),
        ),
        ("/search", get(x::search_get).post(x::search_post)),
        (
            "/search/jql",
            get(x::search_jql_get).post(x::search_jql_post),
        ),
        ("/search/approximate-count", post(x::approximate_count)),
    ];
    let mut r: Router<Arc<JiraState>> = Router::new();
    for prefix in &prefixes {
        for (suffix, mr) in &routes {
            r = r.route(&format!("{prefix}{suffix}"), mr.clone());
        }
    }
    let hook_prefixes: Vec<&str> = match flavour {
        Flavour::Cloud => vec![
            "/rest/webhooks/1.0/webhook",
            "/ex/jira/{cloudId}/rest/webhooks/1.0/webhook",
        ],
        // DC <= 9 and DC >= 10 resources (sync-semantics.md §6).
        Flavour::Datacenter => vec![
            "/rest/webhooks/1.0/webhook",
            "/rest/jira-webhook/1.0/webhooks",
        ],
    };
    for p in hook_prefixes {
        r = r
            .route(p, get(webhooks::list).post(webhooks::create))
            .route(
                &format!("{p}/{{id}}"),
                get(webhooks::get)
                    .put(webhooks::update)
                    .delete(webhooks::delete),
            );
    }
    for p in ["/rest/auth/1/session", "/rest/auth/latest/session"] {
        r = r.route(p, get(m::session));
    }
    r = r
        .route("/_edge/tenant_info", get(m::tenant_info))
        .route("/media/file/{mediaId}/binary", get(x::media_binary))
        .route(
            "/secure/attachment/{id}/{filename}",
            get(x::secure_attachment),
        )
        .fallback(not_found);
    r.layer(axum::middleware::from_fn_with_state(
        st.clone(),
        state::auth_layer,
    ))
    .with_state(st)
}

async fn not_found(req: Request) -> Response {
    let path = req.uri().path();
    if path.starts_with("/rest/api/3") {
        // Data Center has no REST v3 (jira-api.md §1.3).
        return (
            StatusCode::NOT_FOUND,
            [(http::header::CONTENT_TYPE, "text/html;charset=UTF-8")],
            "<html><head><title>Oops, you've found a dead link. - Jira</title></head><body><h1>Oops, you've found a dead link.</h1></body></html>",
        )
            .into_response();
    }
    state::error_collection(
        StatusCode::NOT_FOUND,
        &[&format!("null for uri: {path}")],
        &[],
    )
}

/// A running Jira simulator; stops on drop.
#[derive(Debug)]
pub struct JiraSimHandle {
    server: ServerHandle,
    spec: Arc<JiraSpec>,
}

impl JiraSimHandle {
    /// Base URL of the site.
    pub fn url(&self) -> &str {
        self.server.url()
    }
    /// The `/_sim/` admin key.
    pub fn admin_key(&self) -> &str {
        self.server.admin_key()
    }
    /// The CA certificate file when TLS is on.
    pub fn ca_pem_path(&self) -> Option<&std::path::Path> {
        self.server.ca_pem_path()
    }
    /// The shared server handle (stats, faults, clock).
    pub fn server(&self) -> &ServerHandle {
        &self.server
    }
    /// A few lines for people: the flavour, the identities and their credentials (these are
    /// the scenario's published demo secrets, not real ones).
    pub fn summary(&self) -> String {
        summary(&self.spec, self.url())
    }
    /// Stops the server and waits for it.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

fn summary(spec: &JiraSpec, url: &str) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let flavour = match spec.flavour {
        Flavour::Cloud => "Jira Cloud",
        Flavour::Datacenter => "Jira Data Center",
    };
    let _ = writeln!(s, "{flavour} at {url}");
    for (handle, user) in &spec.users {
        let login = match spec.flavour {
            Flavour::Cloud => user.email.clone().unwrap_or_default(),
            Flavour::Datacenter => user.name.clone().unwrap_or_else(|| handle.clone()),
        };
        let mut creds: Vec<String> = spec
            .tokens
            .iter()
            .filter(|(_, t)| &t.owner == handle)
            .map(|(secret, t)| {
                let mut c = secret.clone();
                if t.revoked {
                    c.push_str(" (revoked)");
                }
                if !t.scopes.is_empty() {
                    c.push_str(" (scoped)");
                }
                c
            })
            .collect();
        if spec.flavour == Flavour::Datacenter
            && let Some(p) = &user.password
        {
            creds.push(format!("password {p}"));
        }
        let _ = writeln!(
            s,
            "  {login:<28} {:<18} {}",
            user.display_name,
            if creds.is_empty() {
                "-".to_owned()
            } else {
                creds.join(", ")
            }
        );
    }
    if let (Some(user), Some(project)) = (&spec.client.user, &spec.client.project) {
        let _ = writeln!(
            s,
            "  this scenario's client: user {user}, project {project}"
        );
    }
    s
}
