//! Machinery shared by the simulator halves: scenario files, faults, stats and the request
//! log, the TLS CA, the server with its `/_sim/` admin API, a clock, rate-limit primitives.

pub mod admin;
pub mod clock;
pub mod faults;
pub mod ratelimit;
pub mod rng;
pub mod scenario;
pub mod server;
pub mod stats;
pub mod tls;
