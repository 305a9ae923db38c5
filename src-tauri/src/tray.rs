//! The tray icon, and what closing the window does.
//!
//! Bidswarm keeps seeding with its window closed. Where there is a tray (a
//! StatusNotifierItem host on Linux) closing hides the window and the tray brings it back;
//! where there is none, closing minimizes instead, so the app is never running out of
//! reach. The tray library is loaded at run time and is optional: when it is missing,
//! `install` logs it and the app goes on without a tray.

use std::{panic::AssertUnwindSafe, time::Duration};

use bidswarm_api::{Request, Response};
use tauri::{
    menu::{Menu, MenuItem, PredefinedMenuItem},
    tray::TrayIconBuilder,
    AppHandle, CloseRequestApi, Manager, Runtime, WebviewWindow,
};
use tracing::{info, warn};

use crate::{bridge::Bridge, lifecycle, platform};

const SPEED_REFRESH: Duration = Duration::from_secs(3);

/// Whether the tray icon exists; managed in Tauri's state by [`install`].
#[derive(Debug, Clone, Copy)]
pub struct TrayStatus {
    pub icon_created: bool,
}

/// Creates the tray icon with its menu. Never fails: without the tray library, or when
/// creating the icon fails, the app runs without one.
pub fn install<R: Runtime>(app: &AppHandle<R>) -> TrayStatus {
    let icon_created = if !platform::tray_library_present() {
        warn!("no tray icon: libayatana-appindicator3 (or libappindicator3) is not installed; closing the window will minimize it");
        false
    } else {
        // The library is opened lazily and a failure to open it panics inside tray-icon;
        // the check above makes that unlikely, this makes it harmless.
        match std::panic::catch_unwind(AssertUnwindSafe(|| build(app))) {
            Ok(Ok(())) => true,
            Ok(Err(e)) => {
                warn!("no tray icon: {e}");
                false
            }
            Err(_) => {
                warn!("no tray icon: the tray library could not be loaded");
                false
            }
        }
    };
    let status = TrayStatus { icon_created };
    app.manage(status);
    status
}

fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let toggle = MenuItem::with_id(app, "toggle", "Show/Hide", true, None::<&str>)?;
    let pause = MenuItem::with_id(app, "pause_all", "Pause all", true, None::<&str>)?;
    let resume = MenuItem::with_id(app, "resume_all", "Resume all", true, None::<&str>)?;
    let speed = MenuItem::with_id(app, "speed", speed_text(0, 0), false, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &toggle,
            &PredefinedMenuItem::separator(app)?,
            &pause,
            &resume,
            &speed,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )?;
    let mut tray = TrayIconBuilder::with_id("main")
        .tooltip("Bidswarm")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()));
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    refresh_speed(app.clone(), speed);
    info!("tray icon created");
    Ok(())
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        "toggle" => lifecycle::toggle_main_window(app),
        "pause_all" => send(app, Request::PauseAll),
        "resume_all" => send(app, Request::ResumeAll),
        "quit" => lifecycle::quit(app),
        _ => {}
    }
}

fn send<R: Runtime>(app: &AppHandle<R>, request: Request) {
    let core = app.state::<Bridge>().core().clone();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = core.handle(request).await {
            warn!("tray action failed: {}", e.message);
        }
    });
}

/// Keeps the disabled ↓/↑ item current from the core's session stats.
fn refresh_speed<R: Runtime>(app: AppHandle<R>, item: MenuItem<R>) {
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(SPEED_REFRESH);
        loop {
            tick.tick().await;
            let Some(bridge) = app.try_state::<Bridge>() else { continue };
            let core = bridge.core().clone();
            if let Ok(Response::SessionStats { stats }) = core.handle(Request::SessionStats).await {
                let text = speed_text(stats.download_bytes_per_sec, stats.upload_bytes_per_sec);
                if item.set_text(&text).is_err() {
                    break; // the tray is gone (the app is quitting)
                }
            }
        }
    });
}

pub fn speed_text(down_bytes_per_sec: u64, up_bytes_per_sec: u64) -> String {
    format!("↓ {}   ↑ {}", rate(down_bytes_per_sec), rate(up_bytes_per_sec))
}

/// Binary units, as the UI's status bar shows them; one decimal below 100.
fn rate(bytes_per_sec: u64) -> String {
    const UNITS: [&str; 5] = ["B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s"];
    let mut value = bytes_per_sec as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes_per_sec} B/s")
    } else if value < 100.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// Whether our icon is shown, so a window closed into the tray can be brought back.
pub fn in_reach<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.try_state::<TrayStatus>().is_some_and(|t| t.icon_created) && platform::tray_host_present()
}

/// The window's close button. Bidswarm goes on: the window closes into the tray, or
/// minimizes when there is no tray to come back from, or, with "close to tray" off,
/// Bidswarm quits cleanly.
pub fn on_close_requested<R: Runtime>(window: &WebviewWindow<R>, api: &CloseRequestApi) {
    api.prevent_close();
    let app = window.app_handle();
    let Some(bridge) = app.try_state::<Bridge>() else { return };
    if !bridge.settings().close_to_tray {
        info!("window closed and close-to-tray is off: quitting");
        lifecycle::quit(app);
        return;
    }
    if in_reach(app) {
        lifecycle::close_to_tray(window);
    } else {
        let _ = window.minimize();
        info!("no tray host: window minimized instead of hidden; still seeding");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_read_like_the_status_bar() {
        assert_eq!(speed_text(0, 512), "↓ 0 B/s   ↑ 512 B/s");
        assert_eq!(speed_text(1536, 5 * 1024 * 1024), "↓ 1.5 KiB/s   ↑ 5.0 MiB/s");
        assert_eq!(rate(300 * 1024 * 1024), "300 MiB/s");
    }
}
