//! Integration tests over real HTTP.

mod ado;
