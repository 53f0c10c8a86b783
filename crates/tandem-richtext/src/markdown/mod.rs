//! Markdown (CommonMark + GFM) as Azure DevOps markdown fields and comments use it.

mod read;
mod write;

pub(crate) use read::read;
pub(crate) use write::write;
