//! The desktop app's command line, and the torrents a launch hands over.
//!
//! A file manager or browser starts `bidswarm-desktop %U` with a `magnet:` link, a
//! `.torrent` path or a `file://` URL. The same arguments reach a running instance through
//! the single-instance plugin, so both paths go through [`torrent_sources`].

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use bidswarm_api::TorrentSource;
use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(name = "bidswarm-desktop", version, about = "Bidswarm, the desktop app")]
pub struct LaunchArgs {
    /// Keep everything (settings, session, downloads) under this folder instead of the XDG
    /// folders. Tests use it so they never touch the user's data.
    #[arg(long, value_name = "DIR", env = "BIDSWARM_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Listen for peers here instead of on all interfaces at the listen-port setting.
    #[arg(long, value_name = "ADDR", env = "BIDSWARM_PEER_LISTEN")]
    pub peer_listen: Option<SocketAddr>,
    /// No DHT, local service discovery or UPnP for this run, whatever the settings say.
    #[arg(long, env = "BIDSWARM_NO_DHT")]
    pub no_dht: bool,
    /// Start with the window hidden in the tray (how start-at-login launches it).
    #[arg(long)]
    pub minimized: bool,
    /// Make Bidswarm the handler of magnet links and .torrent files for this user, then
    /// exit (what the in-app action does, for AppImage and unpacked installs).
    #[arg(long)]
    pub register_magnet_handler: bool,
    /// magnet: links, .torrent files or file:// URLs to open in the Add dialog.
    #[arg(value_name = "MAGNET|FILE")]
    pub targets: Vec<String>,
}

impl LaunchArgs {
    /// The arguments of a second launch, forwarded by the single-instance plugin. Anything
    /// clap refuses (a newer version's flag, say) still has its links looked at.
    pub fn targets_of(argv: &[String]) -> Vec<String> {
        match Self::try_parse_from(argv) {
            Ok(args) => args.targets,
            Err(_) => argv.iter().skip(1).filter(|a| !a.starts_with('-')).cloned().collect(),
        }
    }
}

/// What each target names, with relative paths taken from `cwd` (the launching process's
/// folder, which for a second instance is not ours). Targets that name no torrent are
/// dropped and logged.
pub fn torrent_sources(targets: &[String], cwd: &Path) -> Vec<TorrentSource> {
    targets.iter().filter_map(|t| torrent_source(t, cwd)).collect()
}

fn torrent_source(target: &str, cwd: &Path) -> Option<TorrentSource> {
    let lower = target.to_ascii_lowercase();
    if lower.starts_with("magnet:") {
        return Some(TorrentSource::Magnet(target.to_owned()));
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Some(TorrentSource::Url(target.to_owned()));
    }
    if lower.starts_with("file:") {
        return match url::Url::parse(target).ok().and_then(|u| u.to_file_path().ok()) {
            Some(path) => Some(TorrentSource::Path(path.display().to_string())),
            None => {
                tracing::warn!(target, "not a local file URL; ignored");
                None
            }
        };
    }
    if lower.ends_with(".torrent") {
        return Some(TorrentSource::Path(cwd.join(target).display().to_string()));
    }
    tracing::warn!(target, "neither a magnet link nor a .torrent file; ignored");
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn magnets_paths_and_file_urls_become_sources() {
        let targets = argv(&[
            "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567",
            "Downloads/linux.torrent",
            "/abs/other.TORRENT",
            "file:///tmp/with%20space.torrent",
            "https://example.org/x.torrent",
            "notes.txt",
        ]);
        let sources = torrent_sources(&targets, Path::new("/home/u"));
        assert_eq!(
            sources,
            vec![
                TorrentSource::Magnet(targets[0].clone()),
                TorrentSource::Path("/home/u/Downloads/linux.torrent".into()),
                TorrentSource::Path("/abs/other.TORRENT".into()),
                TorrentSource::Path("/tmp/with space.torrent".into()),
                TorrentSource::Url("https://example.org/x.torrent".into()),
            ]
        );
    }

    #[test]
    fn a_second_launch_keeps_only_its_targets() {
        let forwarded =
            argv(&["/usr/bin/bidswarm-desktop", "--data-dir", "/d", "--minimized", "magnet:?xt=1"]);
        assert_eq!(LaunchArgs::targets_of(&forwarded), argv(&["magnet:?xt=1"]));
        // A flag this version does not know still lets the link through.
        let unknown = argv(&["bidswarm-desktop", "--from-the-future", "magnet:?xt=2"]);
        assert_eq!(LaunchArgs::targets_of(&unknown), argv(&["magnet:?xt=2"]));
    }
}
