//! Where the desktop app keeps things. The layout is the headless server's (see the
//! README's "Where things are kept"), so `bidswarm-cli serve` and the desktop app share
//! settings and torrents; a `--data-dir` holds all three folders.

use std::path::{Path, PathBuf};

use anyhow::Context;

#[derive(Debug, Clone)]
pub struct DataPaths {
    pub config: PathBuf,
    pub state: PathBuf,
    pub downloads: PathBuf,
}

impl DataPaths {
    pub fn resolve(data_dir: Option<&Path>) -> anyhow::Result<Self> {
        if let Some(dir) = data_dir {
            let dir =
                std::path::absolute(dir).with_context(|| format!("cannot resolve {}", dir.display()))?;
            return Ok(Self {
                config: dir.join("config"),
                state: dir.join("state"),
                downloads: dir.join("downloads"),
            });
        }
        let project = directories::ProjectDirs::from("org", "Bidswarm", "bidswarm")
            .context("cannot find a home folder; pass --data-dir")?;
        let downloads = directories::UserDirs::new()
            .and_then(|u| u.download_dir().map(Path::to_path_buf))
            .unwrap_or_else(|| project.data_dir().join("downloads"));
        Ok(Self {
            config: project.config_dir().to_owned(),
            state: project.data_dir().join("state"),
            downloads,
        })
    }
}
