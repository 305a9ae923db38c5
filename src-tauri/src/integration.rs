//! The desktop settings at work: start at login, and a notification when a torrent
//! completes. Both follow the core's `Settings`, read at start and after every update.

use std::{collections::HashSet, sync::Mutex};

use bidswarm_api::{Event, Settings, TorrentId};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_autostart::ManagerExt as _;
use tauri_plugin_notification::NotificationExt as _;
use tracing::{info, warn};

use crate::bridge::Bridge;

/// The arguments start-at-login launches Bidswarm with: hidden in the tray, and with the
/// same data folder when one was chosen.
pub fn autostart_args(data_dir: Option<&std::path::Path>) -> Vec<&'static str> {
    let mut args = vec!["--minimized"];
    if let Some(dir) = data_dir.and_then(|d| std::path::absolute(d).ok()) {
        // The plugin wants 'static arguments; this runs once per process.
        args.push("--data-dir");
        args.push(Box::leak(quote_arg(&dir.display().to_string()).into_boxed_str()));
    }
    args
}

/// The autostart entry is a desktop entry's Exec line: a path with spaces must be quoted.
fn quote_arg(arg: &str) -> String {
    if arg.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c)) {
        arg.to_owned()
    } else {
        format!(
            "\"{}\"",
            arg.replace('\\', "\\\\").replace('"', "\\\"").replace('$', "\\$").replace('`', "\\`")
        )
    }
}

/// Puts start-at-login in line with the setting. Only touches the login items when the
/// setting asks for it or an entry of ours is there to remove.
pub fn apply_settings<R: Runtime>(app: &AppHandle<R>, settings: &Settings) {
    let autostart = app.autolaunch();
    let result = match (settings.start_at_login, autostart.is_enabled()) {
        // Written again at every start, so a moved AppImage keeps starting.
        (true, _) => autostart.enable().map(|()| info!("start at login: on")),
        (false, Ok(true)) => autostart.disable().map(|()| info!("start at login: off")),
        (false, _) => Ok(()),
    };
    if let Err(e) = result {
        warn!("cannot change start at login: {e}");
    }
}

/// Torrents this session has seen unfinished. Only they get a "complete" notification:
/// a torrent restored at start-up that the core reports complete was finished before.
#[derive(Debug, Default)]
struct Unfinished(Mutex<HashSet<TorrentId>>);

/// Runs for every core event before it goes to the window.
pub fn on_core_event<R: Runtime>(app: &AppHandle<R>, event: &Event) {
    app.manage(Unfinished::default());
    let unfinished = app.state::<Unfinished>();
    let mut unfinished = unfinished.0.lock().unwrap_or_else(|p| p.into_inner());
    let torrent = match event {
        Event::Added { torrent } | Event::MetadataResolved { torrent } | Event::Progress { torrent } => {
            if torrent.total_bytes == 0 || torrent.progress_bytes < torrent.total_bytes {
                unfinished.insert(torrent.id.clone());
            }
            return;
        }
        Event::Removed { id } => {
            unfinished.remove(id);
            return;
        }
        Event::Completed { torrent } if unfinished.remove(&torrent.id) => torrent,
        _ => return,
    };
    drop(unfinished);
    let Some(bridge) = app.try_state::<Bridge>() else { return };
    if !bridge.settings().notify_on_complete {
        return;
    }
    let name = torrent.name.clone().unwrap_or_else(|| torrent.id.to_string());
    info!(torrent = %name, "download complete");
    if let Err(e) = app.notification().builder().title("Download complete").body(name).show() {
        // No notification daemon (a bare X session): the UI still shows it.
        warn!("cannot show a notification: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_arguments_survive_spaces() {
        assert_eq!(quote_arg("/home/a/bidswarm"), "/home/a/bidswarm");
        assert_eq!(quote_arg("/home/a/My Torrents"), "\"/home/a/My Torrents\"");
        assert_eq!(autostart_args(None), vec!["--minimized"]);
    }
}
