//! Starting the core, the main window, and quitting cleanly (tray Quit, SIGTERM, or the
//! window's close button with close-to-tray off all end here).

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use bidswarm_core::{Core, CoreConfig};
use tauri::{
    webview::PageLoadEvent, AppHandle, Manager, RunEvent, Runtime, WebviewUrl, WebviewWindowBuilder,
};
use tracing::{info, warn};

use bidswarm_core::DataPaths;

use crate::{
    args::LaunchArgs,
    bridge::{self, Bridge},
    tray,
};

pub const MAIN_WINDOW: &str = "main";
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

pub async fn start_core(args: &LaunchArgs, paths: &DataPaths) -> Result<Arc<Core>, bidswarm_api::ApiError> {
    // The session and the ledger both live here; a first start has no folder yet.
    if let Err(e) = std::fs::create_dir_all(&paths.state) {
        return Err(bidswarm_api::ApiError::new(
            bidswarm_api::ApiErrorKind::Io,
            format!("cannot create {}: {e}; pass --data-dir to keep data elsewhere", paths.state.display()),
        ));
    }
    // Bid-for-speed pays with the wallet once it is unlocked; the ledger is
    // state/ledger.sqlite, as for `bidswarm-cli serve`.
    Core::start(CoreConfig::persistent(paths, args.peer_listen, args.no_dht)).await
}

/// WebKit reports the message locale as `navigator.language`, and in the C/POSIX locale
/// (a bare session, a service, a container) that is "C", which is no language tag: the
/// UI's `Intl` formatting throws and the page stays blank. Only the message category is
/// pointed at English (it need not be installed); numbers and dates keep the C locale.
/// Call first thing in `main`, before any thread starts.
pub fn give_webkit_a_language() {
    fn is_c(value: &str) -> bool {
        matches!(value.split(['.', '@']).next(), Some("" | "C" | "POSIX"))
    }
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if let Some(all) = var("LC_ALL") {
        if !is_c(&all) {
            return;
        }
        // LC_ALL would override LC_MESSAGES; the same C locale moves to LANG instead.
        std::env::remove_var("LC_ALL");
        std::env::set_var("LANG", all);
    }
    let messages = var("LC_MESSAGES").or_else(|| var("LANG")).unwrap_or_default();
    if is_c(&messages) {
        std::env::set_var("LC_MESSAGES", "en_US.UTF-8");
    }
}

/// The core could not start (the peer port is taken, the data folder is not writable):
/// nothing runs yet, so the process ends with the reason.
pub fn fail_to_start(reason: &str) -> ! {
    tracing::error!("Bidswarm cannot start: {reason}");
    std::process::exit(1)
}

/// Opens the window that hosts the UI. `minimized` (start at login) leaves it in the tray,
/// where the window is not made until Show; without a tray to bring it back from, the
/// window is made and only minimized.
pub fn open_main_window<R: Runtime>(app: &AppHandle<R>, minimized: bool) -> tauri::Result<()> {
    if minimized && tray::in_reach(app) {
        info!("started in the tray; the window is made on Show");
        return Ok(());
    }
    let window = build_main_window(app)?;
    if minimized {
        window.minimize()?;
    }
    Ok(())
}

fn build_main_window<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<tauri::WebviewWindow<R>> {
    let window = WebviewWindowBuilder::new(app, MAIN_WINDOW, WebviewUrl::default())
        .title("Bidswarm")
        .inner_size(1280.0, 800.0)
        .min_inner_size(800.0, 520.0)
        .on_page_load(|window, payload| {
            if payload.event() == PageLoadEvent::Finished {
                let peers = window.state::<Bridge>().core().peer_listen_addr();
                info!(peer_listen = ?peers.map(|a| a.to_string()), "window loaded");
            }
        })
        .build()?;
    let closing = window.clone();
    window.on_window_event(move |event| {
        if let tauri::WindowEvent::CloseRequested { api, .. } = event {
            tray::on_close_requested(&closing, api);
        }
    });
    Ok(window)
}

/// Closes the window into the tray. The window and its page are dropped, not hidden:
/// WebKit's web process ends with them (about 90 MiB, measured in docs/BENCHMARKS.md), and
/// Show makes them again. Torrents handed over meanwhile wait for the new page, as at a
/// cold start.
pub fn close_to_tray<R: Runtime>(window: &tauri::WebviewWindow<R>) {
    let app = window.app_handle();
    app.manage(InTray::default());
    app.state::<InTray>().0.store(true, Ordering::SeqCst);
    bridge::window_gone(app);
    if let Err(e) = window.destroy() {
        warn!("cannot close the window into the tray: {e}; hiding it instead");
        let _ = window.hide();
    }
    info!("window hidden to the tray; still seeding");
}

/// Shows the window in front, from the tray or when another launch hands something over;
/// makes it first when it lives only in the tray.
pub fn bring_to_front<R: Runtime>(app: &AppHandle<R>) {
    let window = match app.get_webview_window(MAIN_WINDOW) {
        Some(window) => window,
        None => match build_main_window(app) {
            Ok(window) => {
                info!("window made again from the tray");
                window
            }
            Err(e) => {
                warn!("cannot make the window: {e}");
                return;
            }
        },
    };
    let _ = window.show();
    let _ = window.unminimize();
    let _ = window.set_focus();
}

pub fn toggle_main_window<R: Runtime>(app: &AppHandle<R>) {
    match app.get_webview_window(MAIN_WINDOW) {
        Some(window) if window.is_visible().unwrap_or(false) && !window.is_minimized().unwrap_or(false) => {
            close_to_tray(&window)
        }
        _ => bring_to_front(app),
    }
}

/// Set once the window has been closed into the tray: from then on the event loop's "no
/// window left" is not a reason to quit.
#[derive(Debug, Default)]
struct InTray(AtomicBool);

#[derive(Debug, Default)]
struct Quitting(AtomicBool);

/// Stops the core (torrents stop and their state is written down), then exits. Safe to
/// call more than once; later calls do nothing.
pub fn quit<R: Runtime>(app: &AppHandle<R>) {
    app.manage(Quitting::default());
    if app.state::<Quitting>().0.swap(true, Ordering::SeqCst) {
        return;
    }
    info!("quitting: stopping torrents and saving their state");
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Some(bridge) = app.try_state::<Bridge>() {
            let core = bridge.core().clone();
            if tokio::time::timeout(SHUTDOWN_GRACE, core.shutdown()).await.is_err() {
                warn!("the core took longer than {SHUTDOWN_GRACE:?} to stop; exiting anyway");
            } else {
                info!("state saved");
            }
        }
        app.exit(0);
    });
}

/// SIGTERM (a session logging out, `kill`) and Ctrl-C quit like the tray's Quit.
pub fn quit_on_signals<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let Ok(mut term) = signal(SignalKind::terminate()) else { return };
            tokio::select! {
                _ = term.recv() => info!("SIGTERM"),
                _ = tokio::signal::ctrl_c() => info!("interrupted"),
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        quit(&app);
    });
}

/// The event loop's hook: the last window closed into the tray leaves Bidswarm running;
/// any other exit nobody asked for goes through [`quit`] so the session is saved.
pub fn on_run_event<R: Runtime>(app: &AppHandle<R>, event: RunEvent) {
    if let RunEvent::ExitRequested { code: None, api, .. } = event {
        let quitting = app.try_state::<Quitting>().is_some_and(|q| q.0.load(Ordering::SeqCst));
        let in_tray = app.try_state::<InTray>().is_some_and(|t| t.0.load(Ordering::SeqCst));
        if !quitting {
            api.prevent_exit();
            if !in_tray {
                quit(app);
            }
        }
    }
}
