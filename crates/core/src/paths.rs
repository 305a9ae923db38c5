//! Where Bidswarm keeps things, for every binary that runs a full session (the headless
//! server and the desktop app), so both share settings and torrents. README: "Where things
//! are kept".

use std::path::{Path, PathBuf};

use anyhow::Context;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataPaths {
    /// Settings, the API token, the wallet keystore.
    pub config: PathBuf,
    /// Torrents, resume data, the ledger.
    pub state: PathBuf,
    /// The first download folder.
    pub downloads: PathBuf,
}

impl DataPaths {
    /// One `data_dir` holding `config`, `state` and `downloads`, or the XDG folders and the
    /// user's Downloads folder.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_dir_holds_all_three_folders() {
        let paths = DataPaths::resolve(Some(Path::new("/srv/bidswarm"))).unwrap();
        assert_eq!(paths.config, Path::new("/srv/bidswarm/config"));
        assert_eq!(paths.state, Path::new("/srv/bidswarm/state"));
        assert_eq!(paths.downloads, Path::new("/srv/bidswarm/downloads"));
    }
}
