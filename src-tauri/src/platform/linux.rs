//! Linux: the freedesktop.org desktop entry that makes Bidswarm the handler of magnet
//! links and `.torrent` files, and the StatusNotifierItem tray.
//!
//! The `.deb` installs its own entry (`src-tauri/linux/bidswarm.desktop`); this one is
//! for the user's own `~/.local/share/applications`, written on request.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::Context;
use tracing::{info, warn};

pub const DESKTOP_FILE: &str = "bidswarm.desktop";
pub const MIME_TYPES: [&str; 2] = ["x-scheme-handler/magnet", "application/x-bittorrent"];
const ICON_NAME: &str = "bidswarm-desktop";
const ICON_PNG: &[u8] = include_bytes!("../../../icons/128x128.png");

/// The entry for `exec`. `%U` matters: without it a browser's `xdg-open magnet:…`
/// starts Bidswarm without the link.
pub fn desktop_entry(exec: &Path) -> String {
    format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=Bidswarm\n\
         GenericName=BitTorrent Client\n\
         Comment=Download and seed torrents, and pay for speed if you want to\n\
         Exec={} %U\n\
         Icon={ICON_NAME}\n\
         Terminal=false\n\
         Categories=Network;FileTransfer;P2P;\n\
         MimeType={};\n\
         StartupWMClass=bidswarm-desktop\n",
        quote_exec(&exec.display().to_string()),
        MIME_TYPES.join(";"),
    )
}

/// The desktop entry spec's quoting for the program path in `Exec`.
fn quote_exec(path: &str) -> String {
    if path.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c)) {
        return path.to_owned();
    }
    let mut quoted = String::from("\"");
    for c in path.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    // `%` is a field code even inside quotes.
    quoted.replace('%', "%%")
}

/// Writes the entry and its icon under `$XDG_DATA_HOME` and makes it the default for
/// both MIME types. `xdg-mime` and `update-desktop-database` are used when installed;
/// without them the entry is still found by desktops that scan the folder.
pub fn register_handler_for_user() -> anyhow::Result<PathBuf> {
    // Inside an AppImage the running binary is on a temporary mount; the AppImage file
    // itself is what must be started.
    let exec = match std::env::var_os("APPIMAGE") {
        Some(appimage) => PathBuf::from(appimage),
        None => std::env::current_exe().context("cannot find the running program")?,
    };
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().join(".local/share")))
        .context("cannot find a home folder")?;
    let applications = data_home.join("applications");
    std::fs::create_dir_all(&applications)
        .with_context(|| format!("cannot create {}", applications.display()))?;
    let entry = applications.join(DESKTOP_FILE);
    std::fs::write(&entry, desktop_entry(&exec))
        .with_context(|| format!("cannot write {}", entry.display()))?;
    let icon = data_home.join("icons/hicolor/128x128/apps").join(format!("{ICON_NAME}.png"));
    if let Err(e) =
        icon.parent().map(std::fs::create_dir_all).transpose().and_then(|_| std::fs::write(&icon, ICON_PNG))
    {
        warn!("cannot install the icon at {}: {e}", icon.display());
    }
    run_if_present("update-desktop-database", &[applications.as_os_str()]);
    let mut xdg_mime: Vec<&std::ffi::OsStr> = vec!["default".as_ref(), DESKTOP_FILE.as_ref()];
    xdg_mime.extend(MIME_TYPES.iter().map(std::ffi::OsStr::new));
    run_if_present("xdg-mime", &xdg_mime);
    info!(entry = %entry.display(), "registered as the handler of magnet links and .torrent files");
    Ok(entry)
}

fn run_if_present(program: &str, args: &[&std::ffi::OsStr]) {
    match Command::new(program).args(args).status() {
        Ok(status) if status.success() => {}
        Ok(status) => warn!("{program} failed ({status})"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => info!("{program} is not installed; skipped"),
        Err(e) => warn!("cannot run {program}: {e}"),
    }
}

/// Whether the appindicator library that tray-icon opens at run time is installed.
/// Looked for where the dynamic loader looks (an AppImage points LD_LIBRARY_PATH at its
/// own copy).
pub fn tray_library_present() -> bool {
    const NAMES: [&str; 2] = ["libayatana-appindicator3.so.1", "libappindicator3.so.1"];
    let multiarch = format!("/usr/lib/{}-linux-gnu", std::env::consts::ARCH);
    let from_env = std::env::var("LD_LIBRARY_PATH").unwrap_or_default();
    let dirs = from_env.split(':').filter(|d| !d.is_empty()).map(str::to_owned).chain([
        multiarch,
        "/usr/lib64".into(),
        "/usr/lib".into(),
        "/lib64".into(),
        "/usr/local/lib".into(),
    ]);
    dirs.into_iter().any(|dir| NAMES.iter().any(|name| Path::new(&dir).join(name).exists()))
}

/// Whether a StatusNotifierItem host is running (a panel that shows tray icons). The
/// icon can exist without one, but then nobody sees it, and a hidden window could not be
/// brought back.
pub fn tray_host_present() -> bool {
    let owned = || -> zbus::Result<bool> {
        let connection = zbus::blocking::Connection::session()?;
        let dbus = zbus::blocking::fdo::DBusProxy::new(&connection)?;
        let name = zbus::names::BusName::try_from("org.kde.StatusNotifierWatcher")?;
        Ok(dbus.name_has_owner(name)?)
    };
    owned().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_passes_links_on_and_claims_both_types() {
        let entry = desktop_entry(Path::new("/opt/Bid swarm/bidswarm.AppImage"));
        assert!(entry.contains("\nExec=\"/opt/Bid swarm/bidswarm.AppImage\" %U\n"), "{entry}");
        assert!(entry.contains("\nMimeType=x-scheme-handler/magnet;application/x-bittorrent;\n"), "{entry}");
        let plain = desktop_entry(Path::new("/usr/bin/bidswarm-desktop"));
        assert!(plain.contains("\nExec=/usr/bin/bidswarm-desktop %U\n"), "{plain}");
    }

    #[test]
    fn the_packaged_entry_does_the_same() {
        let template = include_str!("../../linux/bidswarm.desktop");
        assert!(template.lines().any(|l| l.starts_with("Exec=") && l.ends_with(" %U")), "{template}");
        for mime in MIME_TYPES {
            assert!(template.contains(mime), "{mime} missing from {template}");
        }
    }
}
