//! Integration tests of the HTTP client builder and the transport over real sockets: TLS
//! with a private CA (the corporate-interception case), proxies, retries, pacing, redirects.

// Test helpers may unwrap: a panic there is a failed test with a backtrace.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod canary;
mod support;
mod tls;
mod transport;
