//! The user's settings: kept in `settings.json` in the config folder, written atomically
//! and readable by the user only (0600).

use std::{path::PathBuf, sync::Mutex};

use bidswarm_api::{ApiError, ApiErrorKind, Settings};
use tracing::warn;

use crate::api_error;

#[derive(Debug)]
pub struct SettingsStore {
    path: Option<PathBuf>,
    current: Mutex<Settings>,
}

impl SettingsStore {
    /// Loads the saved settings, or saves `defaults` as the first ones. A first start
    /// picks a random listen port once, so the port stays the same across restarts, as
    /// peers and port forwards expect.
    pub async fn open(dir: Option<PathBuf>, defaults: Settings) -> Result<Self, ApiError> {
        let path = dir.map(|d| d.join("settings.json"));
        let saved = match &path {
            Some(p) => match tokio::fs::read(p).await {
                Ok(bytes) => match serde_json::from_slice::<Settings>(&bytes) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        // Keep the unreadable file for the user rather than overwrite it.
                        let backup = p.with_extension("json.bad");
                        warn!("{} is unreadable ({e}); moved to {}", p.display(), backup.display());
                        let _ = tokio::fs::rename(p, &backup).await;
                        None
                    }
                },
                Err(_) => None,
            },
            None => None,
        };
        let first_start = saved.is_none();
        let mut settings = saved.unwrap_or(defaults);
        if first_start && settings.listen_port == 0 && path.is_some() {
            settings.listen_port = rand::random_range(49152..65000);
        }
        validate(&settings)?;
        let store = Self { path, current: Mutex::new(settings.clone()) };
        if first_start {
            store.save(&settings).await?;
        }
        Ok(store)
    }

    pub fn get(&self) -> Settings {
        self.lock().clone()
    }

    pub async fn update(&self, settings: Settings) -> Result<(), ApiError> {
        validate(&settings)?;
        tokio::fs::create_dir_all(&settings.download_folder).await.map_err(|e| {
            api_error(
                ApiErrorKind::Io,
                format!("cannot use {} as the download folder: {e}", settings.download_folder),
            )
        })?;
        self.save(&settings).await?;
        *self.lock() = settings;
        Ok(())
    }

    async fn save(&self, settings: &Settings) -> Result<(), ApiError> {
        let Some(path) = &self.path else { return Ok(()) };
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(io_error(path))?;
        }
        let json = serde_json::to_vec_pretty(settings)
            .map_err(|e| api_error(ApiErrorKind::Internal, e.to_string()))?;
        bidswarm_primitives::write_atomically(path, &json, bidswarm_primitives::Access::OwnerOnly)
            .await
            .map_err(io_error(path))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Settings> {
        // Settings are replaced whole, so a poisoned lock still holds a valid value.
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn io_error(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> ApiError + '_ {
    move |e| api_error(ApiErrorKind::Io, format!("cannot save settings to {}: {e}", path.display()))
}

fn validate(settings: &Settings) -> Result<(), ApiError> {
    if settings.download_folder.trim().is_empty() {
        return Err(api_error(ApiErrorKind::BadRequest, "the download folder must not be empty"));
    }
    if !std::path::Path::new(&settings.download_folder).is_absolute() {
        return Err(api_error(
            ApiErrorKind::BadRequest,
            format!("the download folder must be an absolute path, not \"{}\"", settings.download_folder),
        ));
    }
    let bad = |message: String| api_error(ApiErrorKind::BadRequest, message);
    settings.alt_schedule.check().map_err(bad)?;
    settings.seeding_limits.check().map_err(bad)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults(dir: &std::path::Path) -> Settings {
        Settings { download_folder: dir.join("dl").display().to_string(), ..Default::default() }
    }

    #[tokio::test]
    async fn first_start_saves_a_stable_listen_port() {
        let dir = tempfile::tempdir().unwrap();
        let first = SettingsStore::open(Some(dir.path().into()), defaults(dir.path())).await.unwrap();
        let port = first.get().listen_port;
        assert!((49152..65000).contains(&port));
        let again = SettingsStore::open(Some(dir.path().into()), defaults(dir.path())).await.unwrap();
        assert_eq!(again.get().listen_port, port);
    }

    #[tokio::test]
    async fn a_relative_download_folder_is_refused_and_nothing_changes() {
        let dir = tempfile::tempdir().unwrap();
        let store = SettingsStore::open(Some(dir.path().into()), defaults(dir.path())).await.unwrap();
        let before = store.get();
        let bad = Settings { download_folder: "relative/dir".into(), ..before.clone() };
        let err = store.update(bad).await.unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::BadRequest);
        assert_eq!(store.get(), before);
        let reopened = SettingsStore::open(Some(dir.path().into()), defaults(dir.path())).await.unwrap();
        assert_eq!(reopened.get(), before);
    }

    #[tokio::test]
    async fn an_unreadable_settings_file_is_kept_aside_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("settings.json"), b"{not json").unwrap();
        let store = SettingsStore::open(Some(dir.path().into()), defaults(dir.path())).await.unwrap();
        assert_eq!(store.get().download_folder, defaults(dir.path()).download_folder);
        assert_eq!(std::fs::read(dir.path().join("settings.json.bad")).unwrap(), b"{not json");
    }

    /// Settings name the user's folders and wallet network: other users on the machine
    /// read nothing, whatever the umask, and a file an older version left world-readable
    /// is private again from the next save.
    #[cfg(unix)]
    #[tokio::test]
    async fn settings_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let store = SettingsStore::open(Some(dir.path().into()), defaults(dir.path())).await.unwrap();
        assert_eq!(mode(&path), 0o600, "first save");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        // A crash between writing and renaming left a world-readable temporary file.
        let tmp = bidswarm_primitives::temp_path(&path);
        std::fs::write(&tmp, b"{}").unwrap();
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644)).unwrap();
        store.update(Settings { dht: !store.get().dht, ..store.get() }).await.unwrap();
        assert_eq!(mode(&path), 0o600, "saved again");
    }
}
