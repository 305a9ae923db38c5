//! Path helpers for the CLI. Where a session keeps its data is `bidswarm_core::DataPaths`.

use std::path::{Path, PathBuf};

use anyhow::Context;

pub fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))
}
