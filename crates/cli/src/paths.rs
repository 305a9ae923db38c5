//! Where the server keeps things: the XDG folders, or one `--data-dir`.

use std::path::{Path, PathBuf};

use anyhow::Context;

#[derive(Debug, Clone)]
pub struct Paths {
    pub config: PathBuf,
    pub state: PathBuf,
    pub downloads: PathBuf,
}

impl Paths {
    pub fn resolve(data_dir: Option<&Path>) -> anyhow::Result<Self> {
        if let Some(dir) = data_dir {
            let dir = absolute(dir)?;
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

pub fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))
}
