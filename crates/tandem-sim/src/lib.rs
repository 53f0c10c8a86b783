//! tandem-sim: in-memory Jira and Azure DevOps servers that answer with the real status codes,
//! bodies and headers, driven by scenario files (users, tokens, permissions, faults, rate
//! limits). It is the ground for every test and the default for the demo.
//!
//! It must never depend on a tandem connector crate or share wire types with them: a
//! misreading of a vendor API must not be able to hide in both the client and the simulator.

pub mod ado;
