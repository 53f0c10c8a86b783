//! Integration tests of the HTTP client builder and the transport over real sockets: TLS
//! with a private CA (the corporate-interception case), proxies, retries, pacing, redirects.

mod support;
mod tls;
mod transport;
