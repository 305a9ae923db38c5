//! One Bidswarm per user. A second launch (a magnet link clicked in the browser, a
//! `.torrent` opened in the file manager, the menu entry again) hands its arguments to
//! the running instance over D-Bus and exits; the running one comes to the front and
//! opens the Add dialog for what it was given.
//!
//! Links are read from the arguments here, for both cold start and hand-over, rather than
//! from the deep-link plugin's URL event: the plugin only looks at a launch with exactly
//! one argument and knows nothing of `.torrent` paths. On macOS links arrive as Apple
//! events, not arguments, and the deep-link plugin is the way in.

use std::path::Path;

use tauri::{plugin::TauriPlugin, AppHandle, Runtime};
use tracing::info;

use crate::{
    args::{torrent_sources, LaunchArgs},
    bridge, lifecycle,
};

pub fn plugin<R: Runtime>() -> TauriPlugin<R> {
    tauri_plugin_single_instance::init(|app: &AppHandle<R>, argv, cwd| {
        let sources = torrent_sources(&LaunchArgs::targets_of(&argv), Path::new(&cwd));
        info!(torrents = sources.len(), "another launch handed over to this instance");
        lifecycle::bring_to_front(app);
        bridge::open_torrents(app, sources);
    })
}

/// macOS only: magnet links opened while Bidswarm runs, or that started it.
#[cfg(target_os = "macos")]
pub fn listen_for_links<R: Runtime>(app: &AppHandle<R>) {
    use tauri_plugin_deep_link::DeepLinkExt as _;
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        let targets: Vec<String> = event.urls().iter().map(|u| u.to_string()).collect();
        lifecycle::bring_to_front(&handle);
        bridge::open_torrents(&handle, torrent_sources(&targets, Path::new("/")));
    });
}

#[cfg(not(target_os = "macos"))]
pub fn listen_for_links<R: Runtime>(_app: &AppHandle<R>) {}
