//! The one command bridge between the web UI and the core: the `rpc` command hands a
//! `Request` to `Core::handle`, and every core `Event` goes out as `core-event`. It is the
//! desktop twin of the headless server's `POST /api/rpc` and `GET /api/events`
//! (`crates/cli/src/serve.rs`); the UI sees no difference (`ui/src/transport/tauri.ts`).
//!
//! Torrents handed to the app from outside (a magnet link clicked in a browser, a
//! `.torrent` opened in a file manager) go out as `open-torrent`. At a cold start the
//! page is not listening yet, so they wait here until the UI's first request.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use bidswarm_api::{ApiError, Event, Request, Response, Settings, TorrentSource};
use bidswarm_core::Core;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use tokio::sync::broadcast::error::RecvError;
use tracing::{debug, info, warn};

pub const CORE_EVENT: &str = "core-event";
pub const OPEN_TORRENT: &str = "open-torrent";

/// The page registers its listeners right after its first request; this is how long
/// queued `open-torrent`s wait after that request before they go out.
const LISTENERS_GRACE: Duration = Duration::from_millis(750);

/// What the bridge keeps in Tauri's state.
pub struct Bridge {
    core: Arc<Core>,
    /// The settings as last read or saved, for the parts of the app that act on them
    /// without a request (closing the window, notifications).
    settings: Mutex<Settings>,
    opens: Mutex<PendingOpens>,
    /// Runs after every successful settings update (autostart follows the setting).
    on_settings: Box<dyn Fn(&Settings) + Send + Sync>,
}

impl std::fmt::Debug for Bridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bridge").field("core", &self.core).finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct PendingOpens {
    ui_listening: bool,
    queued: Vec<TorrentSource>,
}

impl Bridge {
    pub fn new(
        core: Arc<Core>,
        settings: Settings,
        on_settings: impl Fn(&Settings) + Send + Sync + 'static,
    ) -> Self {
        Self {
            core,
            settings: Mutex::new(settings),
            opens: Mutex::default(),
            on_settings: Box::new(on_settings),
        }
    }

    pub fn core(&self) -> &Arc<Core> {
        &self.core
    }

    pub fn settings(&self) -> Settings {
        self.settings.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The only command the UI calls. The request arrives as JSON and is parsed here, so a
/// malformed one is answered with an `ApiError` (`bad_request`) like every other failure,
/// never with a bare string.
#[tauri::command]
pub async fn rpc<R: Runtime>(
    app: AppHandle<R>,
    bridge: State<'_, Bridge>,
    request: serde_json::Value,
) -> Result<Response, ApiError> {
    let kind = request.get("type").and_then(|t| t.as_str()).unwrap_or("?").to_owned();
    debug!(request = %kind, "rpc");
    ui_is_listening(&app, &bridge);
    let request: Request = serde_json::from_value(request)?;
    let response = bridge.core.handle(request).await;
    match &response {
        Ok(Response::Settings { settings, .. }) => {
            let changed = {
                let mut current = bridge.settings.lock().unwrap_or_else(|p| p.into_inner());
                let changed = *current != *settings;
                *current = settings.clone();
                changed
            };
            if changed {
                (bridge.on_settings)(settings);
            }
        }
        Err(e) => debug!(request = %kind, kind = ?e.kind, "rpc failed: {}", e.message),
        Ok(_) => {}
    }
    response
}

/// The native folder dialog, opened for the page: the folder the user picks becomes one
/// requests may name (`Core::allow_path`), so a compromised page can use only folders the
/// user chose. `None` when the dialog was cancelled.
#[tauri::command]
pub async fn pick_folder<R: Runtime>(
    app: AppHandle<R>,
    bridge: State<'_, Bridge>,
    title: String,
    start: Option<String>,
) -> Result<Option<String>, ApiError> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app.dialog().file().set_title(title);
    if let Some(start) = start.filter(|s| !s.is_empty()) {
        dialog = dialog.set_directory(start);
    }
    dialog.pick_folder(move |picked| {
        let _ = tx.send(picked);
    });
    let Some(picked) = rx.await.ok().flatten() else { return Ok(None) };
    let path = picked.into_path().map_err(|e| {
        ApiError::new(
            bidswarm_api::ApiErrorKind::BadRequest,
            format!("the folder picked is not a local path: {e}"),
        )
    })?;
    bridge.core.allow_path(&path);
    Ok(Some(path.display().to_string()))
}

/// Sends every core event to the UI as `core-event`, and to `also` (notifications),
/// until the core's event channel closes.
pub fn forward_events<R: Runtime>(
    app: AppHandle<R>,
    core: &Core,
    also: impl Fn(&AppHandle<R>, &Event) + Send + 'static,
) {
    let mut events = core.events();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    also(&app, &event);
                    if let Err(e) = app.emit(CORE_EVENT, &event) {
                        warn!("cannot send a core event to the window: {e}");
                    }
                }
                // A UI that fell behind catches up with the next progress event, as in
                // the headless server's stream.
                Err(RecvError::Lagged(skipped)) => debug!(skipped, "core events skipped"),
                Err(RecvError::Closed) => break,
            }
        }
    });
}

/// Hands torrents from a launch to the UI's Add dialog: at once when the page listens,
/// otherwise after its first request.
pub fn open_torrents<R: Runtime>(app: &AppHandle<R>, sources: Vec<TorrentSource>) {
    if sources.is_empty() {
        return;
    }
    let Some(bridge) = app.try_state::<Bridge>() else {
        warn!("torrents handed over before the core started; dropped");
        return;
    };
    // The user opened these files with the app: the page may read them.
    for source in &sources {
        if let TorrentSource::Path(path) = source {
            bridge.core.allow_path(std::path::Path::new(path));
        }
    }
    let mut opens = bridge.opens.lock().unwrap_or_else(|p| p.into_inner());
    if opens.ui_listening {
        drop(opens);
        emit_opens(app, sources);
    } else {
        info!(count = sources.len(), "open-torrent queued until the window is ready");
        opens.queued.extend(sources);
    }
}

/// The window closed into the tray: torrents handed over from now on wait for the next
/// page's first request.
pub fn window_gone<R: Runtime>(app: &AppHandle<R>) {
    if let Some(bridge) = app.try_state::<Bridge>() {
        bridge.opens.lock().unwrap_or_else(|p| p.into_inner()).ui_listening = false;
    }
}

fn ui_is_listening<R: Runtime>(app: &AppHandle<R>, bridge: &Bridge) {
    let queued = {
        let mut opens = bridge.opens.lock().unwrap_or_else(|p| p.into_inner());
        if opens.ui_listening {
            return;
        }
        opens.ui_listening = true;
        std::mem::take(&mut opens.queued)
    };
    info!("ui connected");
    if queued.is_empty() {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(LISTENERS_GRACE).await;
        emit_opens(&app, queued);
    });
}

fn emit_opens<R: Runtime>(app: &AppHandle<R>, sources: Vec<TorrentSource>) {
    for source in sources {
        let shown = match &source {
            TorrentSource::Magnet(s) | TorrentSource::Path(s) | TorrentSource::Url(s) => s.as_str(),
            TorrentSource::TorrentBase64(_) => "(torrent bytes)",
        };
        info!(source = %shown, "open-torrent");
        if let Err(e) = app.emit(OPEN_TORRENT, &source) {
            warn!("cannot hand a torrent to the window: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{path::Path, sync::mpsc};

    use bidswarm_core::CoreConfig;
    use serde_json::json;
    use tauri::{
        ipc::{CallbackFn, InvokeBody},
        test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY},
        webview::InvokeRequest,
        App, Listener, WebviewWindow, WebviewWindowBuilder,
    };

    use super::*;

    struct TestApp {
        app: App<MockRuntime>,
        window: WebviewWindow<MockRuntime>,
        core: Arc<Core>,
        settings_seen: mpsc::Receiver<Settings>,
        _dir: tempfile::TempDir,
    }

    fn start() -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let downloads = dir.path().join("downloads");
        let core = tauri::async_runtime::block_on(Core::start(CoreConfig {
            config_dir: Some(dir.path().join("config")),
            state_dir: None,
            default_settings: Settings {
                download_folder: downloads.display().to_string(),
                ..Settings::default()
            },
            peer_listen: Some("127.0.0.1:0".parse().expect("address")),
            no_incoming: false,
            no_discovery: true,
            bypass_gateway: false,
            peer_handshake_timeout: None,
            speed_identity: None,
            ledger_path: None,
            settlement_node: None,
            // As if the user had picked the test's folder in the dialog.
            allowed_paths: vec![dir.path().to_owned()],
            clock: Default::default(),
        }))
        .expect("core starts");
        let app = mock_builder()
            .invoke_handler(tauri::generate_handler![rpc])
            .build(mock_context(noop_assets()))
            .expect("mock app");
        let (tx, settings_seen) = mpsc::channel();
        let settings = match tauri::async_runtime::block_on(core.handle(Request::GetSettings)) {
            Ok(Response::Settings { settings, .. }) => settings,
            other => panic!("get_settings answered {other:?}"),
        };
        app.manage(Bridge::new(core.clone(), settings, move |s| {
            let _ = tx.send(s.clone());
        }));
        forward_events(app.handle().clone(), &core, |_, _| {});
        let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("window");
        TestApp { app, window, core, settings_seen, _dir: dir }
    }

    fn invoke(
        window: &WebviewWindow<MockRuntime>,
        request: serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        get_ipc_response(
            window,
            InvokeRequest {
                cmd: "rpc".into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().expect("url"),
                body: InvokeBody::Json(json!({ "request": request })),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|body| body.deserialize::<serde_json::Value>().expect("json response"))
    }

    fn write_torrent(dir: &Path) -> String {
        let data = dir.join("payload.bin");
        std::fs::write(&data, vec![7u8; 100_000]).expect("payload");
        let torrent = dir.join("payload.torrent");
        tauri::async_runtime::block_on(bidswarm_core::create_torrent(
            &data,
            &torrent,
            &bidswarm_core::CreateOptions { trackers: vec![], piece_length: None, progress: None },
        ))
        .expect("torrent created");
        torrent.display().to_string()
    }

    #[test]
    fn a_request_in_gives_a_response_and_an_event_out() {
        let t = start();
        let (tx, events) = mpsc::channel::<serde_json::Value>();
        t.app.listen(CORE_EVENT, move |e| {
            let _ = tx.send(serde_json::from_str(e.payload()).expect("event json"));
        });
        let torrent = write_torrent(t._dir.path());
        let added = invoke(
            &t.window,
            json!({ "type": "add_torrent", "source": { "kind": "path", "value": torrent }, "options": {} }),
        )
        .expect("add_torrent answers");
        assert_eq!(added["type"], "torrent");
        let id = added["torrent"]["id"].as_str().expect("an id").to_owned();

        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let added_event = loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let event = events.recv_timeout(left).expect("an `added` core-event within 10 s");
            if event["type"] == "added" {
                break event;
            }
        };
        assert_eq!(added_event["torrent"]["id"], id.as_str());
        tauri::async_runtime::block_on(t.core.shutdown());
    }

    #[test]
    fn errors_cross_as_api_errors_never_bare_strings() {
        let t = start();
        let malformed = invoke(&t.window, json!({ "type": "no_such_request" })).expect_err("refused");
        assert_eq!(malformed["kind"], "bad_request");
        assert!(malformed["message"].as_str().is_some_and(|m| m.contains("not a valid request")));

        let bad_magnet = invoke(
            &t.window,
            json!({ "type": "add_torrent", "source": { "kind": "magnet", "value": "magnet:?dn=x" } }),
        )
        .expect_err("refused");
        assert_eq!(bad_magnet["kind"], "invalid_magnet");
        tauri::async_runtime::block_on(t.core.shutdown());
    }

    /// A `.torrent` the app was opened with (a file manager, a browser) may be read by the
    /// page; another file beside it may not.
    #[test]
    fn a_torrent_the_app_was_opened_with_may_be_read_and_nothing_beside_it() {
        let t = start();
        let elsewhere = tempfile::tempdir().expect("temp dir");
        let opened = write_torrent(elsewhere.path());
        let beside = elsewhere.path().join("beside.torrent");
        std::fs::copy(&opened, &beside).expect("copy");
        let add = |path: &str| {
            invoke(
                &t.window,
                json!({ "type": "add_torrent", "source": { "kind": "path", "value": path }, "options": {} }),
            )
        };
        let refused = add(&opened).expect_err("not opened with it yet");
        assert_eq!(refused["kind"], "forbidden", "{refused}");
        open_torrents(t.app.handle(), vec![TorrentSource::Path(opened.clone())]);
        assert_eq!(add(&opened).expect("opened with it")["type"], "torrent");
        let beside = add(&beside.display().to_string()).expect_err("a file beside it");
        assert_eq!(beside["kind"], "forbidden", "{beside}");
        tauri::async_runtime::block_on(t.core.shutdown());
    }

    #[test]
    fn saved_settings_reach_the_desktop_side() {
        let t = start();
        let current = invoke(&t.window, json!({ "type": "get_settings" })).expect("settings");
        let mut settings = current["settings"].clone();
        settings["start_at_login"] = json!(true);
        settings["close_to_tray"] = json!(false);
        invoke(&t.window, json!({ "type": "update_settings", "settings": settings })).expect("saved");
        let seen = t.settings_seen.recv_timeout(Duration::from_secs(5)).expect("the hook ran");
        assert!(seen.start_at_login);
        assert!(!t.app.state::<Bridge>().settings().close_to_tray);
        tauri::async_runtime::block_on(t.core.shutdown());
    }
}
