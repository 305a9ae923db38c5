//! Bidswarm's desktop app: the web UI (`ui/`) in a window, wired to the core through one
//! command. This file only wires: plugins, state, the `rpc` command and the event
//! forwarding. What each part does lives in its module:
//! - `bridge`: the `rpc` command, `core-event` and `open-torrent`
//! - `tray`: the tray icon and what closing the window does
//! - `single_instance`: second launches and the links they carry
//! - `lifecycle`: starting the core, the window, quitting cleanly
//! - `integration`: start at login and completion notifications
//! - `platform`: registering the magnet handler, finding a tray host

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod args;
mod bridge;
mod integration;
mod lifecycle;
mod platform;
mod single_instance;
mod tray;

use bidswarm_api::{Request, Response};
use bidswarm_core::DataPaths;
use clap::Parser;
use tauri::Manager;
use tauri_plugin_window_state::StateFlags;
use tracing_subscriber::EnvFilter;

use crate::{args::LaunchArgs, bridge::Bridge};

fn main() -> anyhow::Result<()> {
    lifecycle::give_webkit_a_language();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args = LaunchArgs::parse();
    if args.register_magnet_handler {
        platform::register_handler_for_user()?;
        return Ok(());
    }
    let paths = DataPaths::resolve(args.data_dir.as_deref())?;
    let cwd = std::env::current_dir().unwrap_or_default();
    let window_state_file = paths.config.join("window-state.json");

    let app = tauri::Builder::default()
        // First: a second launch hands over its arguments and exits before anything starts.
        .plugin(single_instance::plugin())
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(integration::autostart_args(args.data_dir.as_deref())),
        ))
        .plugin(
            tauri_plugin_window_state::Builder::new()
                // An absolute name keeps it beside the settings (and inside --data-dir).
                .with_filename(window_state_file.display().to_string())
                // Whether it is shown is decided at each start (--minimized), not restored.
                .with_state_flags(StateFlags::all() - StateFlags::VISIBLE)
                .build(),
        )
        .invoke_handler(tauri::generate_handler![
            bridge::rpc,
            bridge::pick_folder,
            platform::register_magnet_handler
        ])
        .setup(move |app| {
            let core = match tauri::async_runtime::block_on(lifecycle::start_core(&args, &paths)) {
                Ok(core) => core,
                // Tauri would turn a setup error into a panic; say what is wrong and stop.
                Err(e) => lifecycle::fail_to_start(&e.message),
            };
            let settings = match tauri::async_runtime::block_on(core.handle(Request::GetSettings))? {
                Response::Settings { settings, .. } => settings,
                other => return Err(format!("the core answered get_settings with {other:?}").into()),
            };
            let handle = app.handle().clone();
            app.manage(Bridge::new(core.clone(), settings.clone(), move |s| {
                integration::apply_settings(&handle, s)
            }));
            integration::apply_settings(app.handle(), &settings);
            bridge::forward_events(app.handle().clone(), &core, integration::on_core_event);
            tray::install(app.handle());
            lifecycle::open_main_window(app.handle(), args.minimized)?;
            lifecycle::quit_on_signals(app.handle().clone());
            single_instance::listen_for_links(app.handle());
            // Cold start with a link: handed to the UI once it is listening.
            bridge::open_torrents(app.handle(), args::torrent_sources(&args.targets, &cwd));
            Ok(())
        })
        .build(tauri::generate_context!())?;
    app.run(lifecycle::on_run_event);
    Ok(())
}
