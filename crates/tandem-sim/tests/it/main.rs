//! Integration tests over real HTTP: one module per simulator half.

mod ado;
