//! What differs by operating system: registering Bidswarm as the magnet and `.torrent`
//! handler at run time, and finding out whether a tray can show our icon.

use bidswarm_api::{ApiError, ApiErrorKind};

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::{register_handler_for_user, tray_host_present, tray_library_present};

/// "Make Bidswarm the default for magnet links": for AppImage and unpacked installs,
/// which no package manager registered. Answers the desktop entry written.
#[tauri::command]
pub async fn register_magnet_handler() -> Result<String, ApiError> {
    tauri::async_runtime::spawn_blocking(register_handler_for_user)
        .await
        .map_err(|e| ApiError::new(ApiErrorKind::Internal, e.to_string()))?
        .map(|path| path.display().to_string())
        .map_err(|e| ApiError::new(ApiErrorKind::Io, format!("{e:#}")))
}

#[cfg(not(target_os = "linux"))]
pub fn register_handler_for_user() -> anyhow::Result<std::path::PathBuf> {
    anyhow::bail!("on this system the installer registers Bidswarm for magnet links and .torrent files")
}

/// Elsewhere the tray (system tray, menu bar) is part of the system.
#[cfg(not(target_os = "linux"))]
pub fn tray_library_present() -> bool {
    true
}

#[cfg(not(target_os = "linux"))]
pub fn tray_host_present() -> bool {
    true
}
