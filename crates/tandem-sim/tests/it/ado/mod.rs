//! The Azure DevOps simulator over real HTTP.
