//! The transport over real sockets: retries by idempotency, Retry-After, redirects, proxies,
//! and what every request carries.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use secrecy::SecretString;
use tandem_connector::error::{ErrorKind, NetworkProblem, Side};
use tandem_connector::http::{HttpClient, HttpSettings, ProxySetting, USER_AGENT};
use tandem_connector::pacing::PacingSettings;
use tandem_connector::redact::Scrubber;
use tandem_connector::transport::{Idempotency, Intent, Transport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{Plain, serve};

fn fast_pacing() -> PacingSettings {
    PacingSettings {
        min_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        ..PacingSettings::default()
    }
}

fn transport(settings: &HttpSettings) -> Transport<Plain> {
    Transport::new(
        HttpClient::new(Side::Jira, settings).unwrap(),
        fast_pacing(),
        Scrubber::new(),
        Plain,
    )
}

/// A route that fails `failures` times with `status` (and `headers`), then answers 200.
fn flaky(
    failures: u32,
    status: StatusCode,
    retry_after: Option<&'static str>,
) -> (Router, Arc<AtomicU32>) {
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let app = Router::new().route(
        "/r",
        get(move || {
            let c = c.clone();
            async move {
                let n = c.fetch_add(1, Ordering::SeqCst);
                if n < failures {
                    let mut h = HeaderMap::new();
                    if let Some(ra) = retry_after {
                        h.insert("retry-after", ra.parse().unwrap());
                    }
                    (status, h, "{}").into_response()
                } else {
                    (StatusCode::OK, "{\"ok\":true}").into_response()
                }
            }
        })
        .post({
            let c2 = calls.clone();
            move || {
                let c = c2.clone();
                async move {
                    let n = c.fetch_add(1, Ordering::SeqCst);
                    if n < failures {
                        let mut h = HeaderMap::new();
                        if let Some(ra) = retry_after {
                            h.insert("retry-after", ra.parse().unwrap());
                        }
                        (status, h, "{}").into_response()
                    } else {
                        (StatusCode::CREATED, "{}").into_response()
                    }
                }
            }
        }),
    );
    (app, calls)
}

#[tokio::test]
async fn reads_are_retried_on_5xx() {
    let (app, calls) = flaky(2, StatusCode::SERVICE_UNAVAILABLE, None);
    let addr = serve(app).await;
    let t = transport(&HttpSettings::default());
    let url = format!("http://{addr}/r");
    let r = t
        .send(Idempotency::Safe, &Intent::new("read"), |c| c.get(&url))
        .await
        .unwrap();
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(t.pace_stats().retries, 2);
}

#[tokio::test]
async fn creates_are_not_repeated_after_a_5xx() {
    let (app, calls) = flaky(1, StatusCode::BAD_GATEWAY, None);
    let addr = serve(app).await;
    let t = transport(&HttpSettings::default());
    let url = format!("http://{addr}/r");
    let e = t
        .send(Idempotency::Unsafe, &Intent::new("create an issue"), |c| {
            c.post(&url)
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Server { status: 502 });
    assert!(e.is_retryable(), "retryable in itself; the caller decides");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "a create must not be sent twice"
    );
}

#[tokio::test]
async fn a_throttled_create_waits_retry_after_and_is_sent_again() {
    let (app, calls) = flaky(1, StatusCode::TOO_MANY_REQUESTS, Some("1"));
    let addr = serve(app).await;
    let t = transport(&HttpSettings::default());
    let url = format!("http://{addr}/r");
    let started = std::time::Instant::now();
    let r = t
        .send(Idempotency::Unsafe, &Intent::new("create an issue"), |c| {
            c.post(&url)
        })
        .await
        .unwrap();
    assert_eq!(r.status.as_u16(), 201);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(t.pace_stats().throttled, 1);
}

#[tokio::test]
async fn a_retry_after_longer_than_allowed_is_returned() {
    let (app, calls) = flaky(5, StatusCode::TOO_MANY_REQUESTS, Some("3600"));
    let addr = serve(app).await;
    let t = transport(&HttpSettings::default());
    let url = format!("http://{addr}/r");
    let e = t
        .send(Idempotency::Safe, &Intent::new("read"), |c| c.get(&url))
        .await
        .unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn redirects_are_not_followed_and_requests_carry_ua_and_gzip() {
    let app = Router::new()
        .route(
            "/moved",
            get(|| async {
                (
                    StatusCode::FOUND,
                    [("location", "http://elsewhere.example/login?next=x")],
                    "",
                )
            }),
        )
        .route(
            "/echo",
            get(|h: HeaderMap| async move {
                let ua = h
                    .get("user-agent")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let ae = h
                    .get("accept-encoding")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                format!("{{\"ua\":\"{ua}\",\"ae\":\"{ae}\"}}")
            }),
        );
    let addr = serve(app).await;
    let t = transport(&HttpSettings::default());
    let url = format!("http://{addr}/moved");
    let e = t
        .send(Idempotency::Safe, &Intent::new("read"), |c| c.get(&url))
        .await
        .unwrap_err();
    let ErrorKind::UnexpectedResponse { detail } = e.kind() else {
        panic!("{e}")
    };
    assert!(
        detail.contains("http://elsewhere.example/login"),
        "{detail}"
    );
    assert!(!detail.contains("next=x"), "query must not leak: {detail}");
    let url = format!("http://{addr}/echo");
    let v: serde_json::Value = t
        .send_json(Idempotency::Safe, &Intent::new("read"), |c| c.get(&url))
        .await
        .unwrap();
    assert_eq!(v["ua"], USER_AGENT);
    assert!(v["ae"].as_str().unwrap().contains("gzip"), "{v}");
}

#[tokio::test]
async fn html_where_json_was_expected() {
    let app = Router::new().route(
        "/sso",
        get(|| async {
            (
                [("content-type", "text/html")],
                "<html><head><title>Sign in - Contoso SSO</title></head></html>",
            )
        }),
    );
    let addr = serve(app).await;
    let t = transport(&HttpSettings::default());
    let url = format!("http://{addr}/sso");
    let e = t
        .send(Idempotency::Safe, &Intent::new("read"), |c| c.get(&url))
        .await
        .unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::HtmlInsteadOfJson {
            title: Some("Sign in - Contoso SSO".into())
        }
    );
}

#[tokio::test]
async fn connection_refused_is_a_network_error() {
    // Bind then drop to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let t = Transport::new(
        HttpClient::new(Side::Ado, &HttpSettings::default()).unwrap(),
        PacingSettings {
            max_retries: 0,
            ..fast_pacing()
        },
        Scrubber::new(),
        Plain,
    );
    let url = format!("http://127.0.0.1:{port}/x");
    let e = t
        .send(Idempotency::Safe, &Intent::new("read"), |c| c.get(&url))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Network {
                problem: NetworkProblem::Refused,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.is_retryable());
}

/// A proxy that refuses everything with 407.
async fn refusing_proxy() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = s
                    .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 0\r\n\r\n")
                    .await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn proxy_refusing_a_tunnel_is_a_proxy_error_without_its_password() {
    let proxy = refusing_proxy().await;
    let settings = HttpSettings {
        proxy: ProxySetting::Url {
            url: SecretString::from(format!("http://user:proxy-canary@{proxy}")),
            no_proxy: None,
        },
        ..HttpSettings::default()
    };
    let t = transport(&settings);
    let e = t
        .send(Idempotency::Safe, &Intent::new("read"), |c| {
            c.get("https://jira.example.com/rest/api/3/myself")
        })
        .await
        .unwrap_err();
    let ErrorKind::Proxy {
        proxy: shown,
        reason,
    } = e.kind()
    else {
        panic!("{e}")
    };
    assert!(
        reason.contains("407") || reason.contains("authentication"),
        "{reason}"
    );
    assert!(shown.contains("user:redacted@"), "{shown}");
    assert!(!format!("{e} {e:?}").contains("proxy-canary"));
}

#[tokio::test]
async fn proxy_407_on_plain_http_and_no_proxy_bypass() {
    let proxy = refusing_proxy().await;
    let (app, _) = flaky(0, StatusCode::OK, None);
    let direct = serve(app).await;
    let settings = HttpSettings {
        proxy: ProxySetting::Environment {
            https: None,
            http: Some(SecretString::from(format!("http://{proxy}"))),
            no_proxy: Some("127.0.0.1".into()),
        },
        ..HttpSettings::default()
    };
    let t = transport(&settings);
    let e = t
        .send(Idempotency::Safe, &Intent::new("read"), |c| {
            c.get("http://tfs.example.com/x")
        })
        .await
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Proxy { .. }), "{e}");
    // NO_PROXY host goes direct.
    let url = format!("http://{direct}/r");
    assert_eq!(
        t.send(Idempotency::Safe, &Intent::new("read"), |c| c.get(&url))
            .await
            .unwrap()
            .status
            .as_u16(),
        200
    );
}
