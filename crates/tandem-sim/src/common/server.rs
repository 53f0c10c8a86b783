//! The server every half runs on: its own listener (HTTP or HTTPS), the `/_sim/` admin API, the
//! fault layer in front of the half's API router, stats and the request log.
//!
//! A half does three things (see `jira::JiraSim::serve` for the model):
//! 1. `SimCommon::new(settings, &listen)` — shared state: admin key, faults, stats, log, clock,
//!    TLS material;
//! 2. builds its API `Router` and wraps it with [`api_layer`] (faults + route labels), and its
//!    own admin routes (paths under `/_sim/<half>/...`);
//! 3. `serve(common, api, admin, &listen).await` -> [`ServerHandle`].
//!
//! Handlers may put an [`Actor`] into a response's extensions to have the request log say who
//! the request was authenticated as.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use hyper_util::rt::{TokioExecutor, TokioIo};
use parking_lot::RwLock;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::clock::Clock;
use super::faults::{self, FaultAction, Faults};
use super::rng::Rng;
use super::stats::{LogEntry, RequestLog, Stats, is_write};
use super::tls::{TlsError, TlsMaterial, TlsSettings};

/// The header that carries the admin key on `/_sim/` requests. User credentials
/// (`Authorization`) are never accepted there.
pub const ADMIN_KEY_HEADER: &str = "x-tandem-sim-key";

/// Where and how a half listens.
#[derive(Debug, Clone)]
pub struct ListenOptions {
    /// Interface to bind, `127.0.0.1` by default.
    pub host: String,
    /// Port, 0 (any free port) by default.
    pub port: u16,
    /// A fixed admin key (a random one is made otherwise).
    pub admin_key: Option<String>,
    /// Directory for the CA certificate file when TLS is on (the system temp dir otherwise).
    pub ca_dir: Option<PathBuf>,
}

impl Default for ListenOptions {
    fn default() -> Self {
        ListenOptions {
            host: "127.0.0.1".into(),
            port: 0,
            admin_key: None,
            ca_dir: None,
        }
    }
}

/// Why a simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}. Pick another port, or 0 for any free one.")]
    Bind {
        /// host:port asked for.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// TLS material could not be made.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The CA file could not be written.
    #[error("cannot write the simulator's CA certificate to {path}: {source}")]
    CaFile {
        /// Where.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// What a half declares about itself to the shared server.
#[derive(Debug, Clone)]
pub struct SimSettings {
    /// `"jira"` or `"ado"`: names the half in `/_sim/info`, logs and the CA file.
    pub kind: &'static str,
    /// The scenario's name.
    pub scenario: String,
    /// The scenario's description.
    pub description: String,
    /// Initial faults.
    pub faults: Faults,
    /// TLS settings.
    pub tls: TlsSettings,
    /// Route-template prefixes left out of stats labels, e.g. `/ex/jira/{cloudId}`, so a call
    /// counts under the same route whichever base path it came through.
    pub route_prefixes: Vec<&'static str>,
    /// How many requests the log keeps.
    pub log_capacity: usize,
}

/// State shared by the server, the admin API and the half's handlers.
#[derive(Debug)]
pub struct SimCommon {
    /// `"jira"` or `"ado"`.
    pub kind: &'static str,
    /// Scenario name.
    pub scenario: String,
    /// Scenario description.
    pub description: String,
    admin_key: String,
    faults: RwLock<Arc<Faults>>,
    /// Request counters.
    pub stats: Stats,
    /// Recent requests.
    pub log: RequestLog,
    /// Random source for faults.
    pub rng: Rng,
    /// The simulated clock.
    pub clock: Arc<Clock>,
    tls: Option<TlsMaterial>,
    route_prefixes: Vec<&'static str>,
    base_url: OnceLock<String>,
    ca_pem_path: OnceLock<PathBuf>,
}

impl SimCommon {
    /// Shared state for one half: makes the admin key and, if asked, the TLS material.
    pub fn new(
        settings: SimSettings,
        clock: Arc<Clock>,
        listen: &ListenOptions,
    ) -> Result<Arc<SimCommon>, ServeError> {
        let tls = if settings.tls.enabled {
            Some(TlsMaterial::generate(&settings.tls, &listen.host)?)
        } else {
            None
        };
        let admin_key = listen
            .admin_key
            .clone()
            .unwrap_or_else(|| format!("sim-{}", uuid::Uuid::new_v4().simple()));
        Ok(Arc::new(SimCommon {
            kind: settings.kind,
            scenario: settings.scenario,
            description: settings.description,
            admin_key,
            faults: RwLock::new(Arc::new(settings.faults)),
            stats: Stats::default(),
            log: RequestLog::new(settings.log_capacity.max(1)),
            rng: Rng::from_time(),
            clock,
            tls,
            route_prefixes: settings.route_prefixes,
            base_url: OnceLock::new(),
            ca_pem_path: OnceLock::new(),
        }))
    }

    /// The admin key (send it in `X-Tandem-Sim-Key`).
    pub fn admin_key(&self) -> &str {
        &self.admin_key
    }

    /// Current faults.
    pub fn faults(&self) -> Arc<Faults> {
        self.faults.read().clone()
    }

    /// Replaces the faults.
    pub fn set_faults(&self, faults: Faults) {
        *self.faults.write() = Arc::new(faults);
    }

    /// Merges `patch` (a JSON object of fault settings) into the current faults, validates the
    /// result and applies it: what `PATCH /_sim/faults` does, for in-process callers too.
    pub fn patch_faults(&self, patch: serde_json::Value) -> Result<Faults, String> {
        let serde_json::Value::Object(patch) = patch else {
            return Err("send a JSON object".into());
        };
        let mut current =
            serde_json::to_value(self.faults().as_ref()).unwrap_or(serde_json::Value::Null);
        if let serde_json::Value::Object(cur) = &mut current {
            cur.extend(patch);
        }
        let faults = serde_json::from_value::<Faults>(current)
            .map_err(|e| format!("bad faults JSON: {e}"))?;
        faults
            .validate()
            .map_err(|(key, problem)| format!("{key}: {problem}"))?;
        self.set_faults(faults.clone());
        Ok(faults)
    }

    /// The CA certificate (PEM) when TLS is on.
    pub fn ca_pem(&self) -> Option<&str> {
        self.tls.as_ref().map(|t| t.ca_pem.as_str())
    }

    /// The base URL, once listening.
    pub fn base_url(&self) -> Option<&str> {
        self.base_url.get().map(String::as_str)
    }

    /// The CA file path, once listening with TLS.
    pub fn ca_pem_path(&self) -> Option<&PathBuf> {
        self.ca_pem_path.get()
    }

    fn route_label(&self, method: &http::Method, matched: Option<&str>) -> Arc<str> {
        match matched {
            Some(p) => {
                let mut p = p;
                for prefix in &self.route_prefixes {
                    if let Some(rest) = p.strip_prefix(prefix) {
                        p = rest;
                        break;
                    }
                }
                Arc::from(format!("{method} {p}"))
            }
            None => Arc::from(format!("{method} (unmatched)")),
        }
    }
}

/// Put into a response's extensions: who the request was authenticated as.
#[derive(Debug, Clone)]
pub struct Actor(pub Arc<str>);

/// Route label of a served request (set by [`api_layer`]).
#[derive(Debug, Clone)]
struct RouteLabel(Arc<str>);

/// Set by the fault layer: close the connection instead of answering.
#[derive(Debug, Clone, Copy)]
struct DropConnection;

/// Set by the fault layer: which fault shaped the response.
#[derive(Debug, Clone, Copy)]
struct FaultTag(&'static str);

/// The error the connection service returns to make hyper close a connection unanswered.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
struct Dropped;

/// Wraps a half's API router with the fault layer and route labelling. Apply it with
/// `Router::layer` as the last (outermost) layer, so route templates are known and faults hit
/// before authentication, as a network or proxy would.
pub fn api_layer(router: Router, common: Arc<SimCommon>) -> Router {
    router.layer(axum::middleware::from_fn_with_state(
        common,
        fault_middleware,
    ))
}

async fn fault_middleware(
    State(common): State<Arc<SimCommon>>,
    req: Request,
    next: Next,
) -> Response {
    let label = common.route_label(
        req.method(),
        req.extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str),
    );
    let faults = common.faults();
    let (delay, action) = faults.decide(req.uri().path(), &common.rng);
    drop(faults);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut resp = match action {
        FaultAction::Pass => next.run(req).await,
        FaultAction::Error(status, retry_after) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut r = (
                status,
                [(header::CONTENT_TYPE, "text/html;charset=UTF-8")],
                faults::error_page(status.as_u16()),
            )
                .into_response();
            if let Some(secs) = retry_after {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            r.extensions_mut().insert(FaultTag("error"));
            r
        }
        FaultAction::HtmlLogin => {
            let mut r = (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html;charset=UTF-8")],
                faults::HTML_LOGIN_PAGE,
            )
                .into_response();
            r.extensions_mut().insert(FaultTag("html_login"));
            r
        }
        FaultAction::Drop => {
            let mut r = Response::new(Body::empty());
            r.extensions_mut().insert(DropConnection);
            r.extensions_mut().insert(FaultTag("drop"));
            r
        }
        FaultAction::Hang(d) => {
            tokio::time::sleep(d).await;
            let mut r = Response::new(Body::empty());
            r.extensions_mut().insert(DropConnection);
            r.extensions_mut().insert(FaultTag("hang"));
            r
        }
    };
    resp.extensions_mut().insert(RouteLabel(label));
    resp
}

struct Dispatch {
    common: Arc<SimCommon>,
    api: Router,
    admin: Router,
}

impl Dispatch {
    async fn call(
        self: Arc<Self>,
        req: http::Request<hyper::body::Incoming>,
    ) -> Result<Response, Dropped> {
        let req = req.map(Body::new);
        let path = req.uri().path();
        if path == "/_sim" || path.starts_with("/_sim/") {
            let resp = match self.admin.clone().oneshot(req).await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            return Ok(resp);
        }
        let method = req.method().clone();
        let uri = req.uri().to_string();
        let resp = match self.api.clone().oneshot(req).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let route = resp
            .extensions()
            .get::<RouteLabel>()
            .map(|l| l.0.clone())
            .unwrap_or_else(|| self.common.route_label(&method, None));
        let dropped = resp.extensions().get::<DropConnection>().is_some();
        let status = if dropped { 0 } else { resp.status().as_u16() };
        self.common.stats.record(&route, is_write(&method), status);
        self.common.log.push(LogEntry {
            seq: 0,
            at_ms: self.common.clock.now_ms(),
            method: method.to_string(),
            uri,
            route: route.to_string(),
            status,
            actor: resp.extensions().get::<Actor>().map(|a| a.0.to_string()),
            fault: resp.extensions().get::<FaultTag>().map(|f| f.0.to_owned()),
        });
        if dropped { Err(Dropped) } else { Ok(resp) }
    }
}

/// A running half. Dropping it stops the server (and removes the CA file); so does
/// [`ServerHandle::shutdown`], which also waits for the accept loop to end.
#[derive(Debug)]
pub struct ServerHandle {
    common: Arc<SimCommon>,
    addr: SocketAddr,
    url: String,
    ca_pem_path: Option<PathBuf>,
    cancel: CancellationToken,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl ServerHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The admin key for `/_sim/` (header `X-Tandem-Sim-Key`).
    pub fn admin_key(&self) -> &str {
        self.common.admin_key()
    }

    /// Path of the CA certificate file (PEM) when TLS is on.
    pub fn ca_pem_path(&self) -> Option<&std::path::Path> {
        self.ca_pem_path.as_deref()
    }

    /// The CA certificate (PEM) when TLS is on.
    pub fn ca_pem(&self) -> Option<&str> {
        self.common.ca_pem()
    }

    /// The shared state (stats, faults, clock, log).
    pub fn common(&self) -> &Arc<SimCommon> {
        &self.common
    }

    /// Stops accepting, closes connections, and waits for the server task to end.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
        if let Some(path) = &self.ca_pem_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Binds and serves a half: `/_sim/...` goes to the admin router (common routes plus `admin`,
/// behind the admin key), everything else to `api` (which should be wrapped by [`api_layer`]).
pub async fn serve(
    common: Arc<SimCommon>,
    api: Router,
    admin: Router,
    listen: &ListenOptions,
) -> Result<ServerHandle, ServeError> {
    let addr_s = format!("{}:{}", listen.host, listen.port);
    let listener = TcpListener::bind(&addr_s)
        .await
        .map_err(|source| ServeError::Bind {
            addr: addr_s.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: addr_s.clone(),
        source,
    })?;
    let scheme = if common.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let host = if addr.ip().is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    let url = format!("{scheme}://{host}:{}", addr.port());
    let _ = common.base_url.set(url.clone());

    let ca_pem_path = match common.ca_pem() {
        Some(pem) => {
            let dir = listen.ca_dir.clone().unwrap_or_else(std::env::temp_dir);
            let path = dir.join(format!(
                "tandem-sim-{}-{}-{}-ca.pem",
                common.kind,
                std::process::id(),
                addr.port()
            ));
            std::fs::write(&path, pem).map_err(|source| ServeError::CaFile {
                path: path.clone(),
                source,
            })?;
            let _ = common.ca_pem_path.set(path.clone());
            Some(path)
        }
        None => None,
    };

    let admin = super::admin::router(common.clone()).merge(admin);
    let admin = super::admin::protect(admin, common.clone());
    let dispatch = Arc::new(Dispatch {
        common: common.clone(),
        api,
        admin,
    });
    let acceptor = common
        .tls
        .as_ref()
        .map(|t| tokio_rustls::TlsAcceptor::from(t.server_config.clone()));
    let cancel = CancellationToken::new();
    let task = tokio::spawn(accept_loop(listener, dispatch, acceptor, cancel.clone()));
    tracing::info!(kind = common.kind, %url, "simulator listening");
    Ok(ServerHandle {
        common,
        addr,
        url,
        ca_pem_path,
        cancel,
        task: Some(task),
    })
}

async fn accept_loop(
    listener: TcpListener,
    dispatch: Arc<Dispatch>,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    cancel: CancellationToken,
) {
    loop {
        let (stream, _peer) = tokio::select! {
            () = cancel.cancelled() => return,
            r = listener.accept() => match r {
                Ok(s) => s,
                Err(e) => {
                    // Out of file descriptors and the like: back off briefly, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let dispatch = dispatch.clone();
        let acceptor = acceptor.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| dispatch.clone().call(req));
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            match acceptor {
                None => {
                    let conn = builder.serve_connection(TokioIo::new(stream), svc);
                    tokio::select! {
                        _ = conn => {}
                        () = cancel.cancelled() => {}
                    }
                }
                Some(acceptor) => {
                    let tls = tokio::select! {
                        r = acceptor.accept(stream) => match r {
                            Ok(s) => s,
                            // A client that does not trust our CA hangs up here: that is the
                            // point of the TLS scenarios, not an error of ours.
                            Err(_) => return,
                        },
                        () = cancel.cancelled() => return,
                    };
                    let conn = builder.serve_connection(TokioIo::new(tls), svc);
                    tokio::select! {
                        _ = conn => {}
                        () = cancel.cancelled() => {}
                    }
                }
            }
        });
    }
}
