//! Which paths an API request may name (issue 16, "a path policy for the API").
//!
//! Anyone holding the API token (or a compromised web view) can name paths: where a
//! torrent is saved, which `.torrent` file is read, where `create_torrent` writes, which
//! blocklist is read, which folder `remove` deletes from. Each is confined to **roots**
//! the owner gave, outside the API's reach:
//!
//! - the download folder as the session started (and the default one);
//! - folders given on the command line (`serve --allow-path`), or `/` for one-shot CLI
//!   commands, whose paths all come from the owner's own command line;
//! - in the desktop app, folders (and `.torrent` files) the user picked in a native
//!   dialog or opened the app with ([`PathPolicy::allow`], called by the desktop side,
//!   never by a request).
//!
//! Bidswarm's own config and state folders (settings, wallet, ledger) are never allowed,
//! even inside a root. A path is judged as the file system will see it: absolute, no `..`,
//! every existing part with its symlinks resolved, and a symlink where the path ends
//! refused. Changing the download folder over the API needs the new one inside a root,
//! so the API cannot widen them.

use std::{
    path::{Component, Path, PathBuf},
    sync::RwLock,
};

use bidswarm_api::{ApiError, ApiErrorKind};

#[derive(Debug)]
pub(crate) struct PathPolicy {
    roots: RwLock<Vec<PathBuf>>,
    /// Never allowed, even inside a root.
    private: Vec<PathBuf>,
}

impl PathPolicy {
    pub fn new(roots: impl IntoIterator<Item = PathBuf>, private: impl IntoIterator<Item = PathBuf>) -> Self {
        let policy = Self {
            roots: RwLock::new(Vec::new()),
            private: private.into_iter().filter_map(|p| real(&p)).collect(),
        };
        for root in roots {
            policy.allow(&root);
        }
        policy
    }

    /// Lets requests name `path` and everything under it: for the owner only (the
    /// command line, a native dialog), never for a request.
    pub fn allow(&self, path: &Path) {
        let Some(root) = real(path) else {
            tracing::warn!(path = %path.display(), "not an absolute path; not allowed");
            return;
        };
        let mut roots = self.roots.write().unwrap_or_else(|p| p.into_inner());
        if !roots.contains(&root) {
            roots.push(root);
        }
    }

    /// The roots, for messages and the docs.
    pub fn roots(&self) -> Vec<PathBuf> {
        self.roots.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// `path` as the file system resolves it, when a request may name it; else
    /// `forbidden`, saying what `what` is and which folders are allowed.
    pub fn check(&self, path: &str, what: &str) -> Result<PathBuf, ApiError> {
        let forbidden = |why: String| Err(ApiError::new(ApiErrorKind::Forbidden, why));
        let Some(resolved) = real(Path::new(path)) else {
            return forbidden(format!(
                "{what} \"{path}\" must be an absolute path with no \"..\" and not end in a link"
            ));
        };
        if self.private.iter().any(|p| resolved.starts_with(p)) {
            return forbidden(format!(
                "{what} \"{path}\" is inside Bidswarm's own data folder, which requests cannot name"
            ));
        }
        let roots = self.roots();
        if roots.iter().any(|root| resolved.starts_with(root)) {
            return Ok(resolved);
        }
        let list = roots.iter().map(|r| r.display().to_string()).collect::<Vec<_>>().join(", ");
        forbidden(format!(
            "{what} \"{path}\" is outside the folders Bidswarm may use ({list}). Choose one inside them, \
             or allow another: pick it in the desktop app's folder dialog, or start the server with --allow-path"
        ))
    }
}

/// `path` with every part that exists resolved (symlinks followed) and the rest appended
/// as given; `None` when it is relative, has a `..`, or ends in a symlink that points
/// nowhere (writing through it would land wherever it points).
fn real(path: &Path) -> Option<PathBuf> {
    if !path.is_absolute() || path.components().any(|c| c == Component::ParentDir) {
        return None;
    }
    let mut existing = path;
    let mut rest = Vec::new();
    loop {
        match std::fs::canonicalize(existing) {
            Ok(mut resolved) => {
                resolved.extend(rest.iter().rev());
                return Some(resolved);
            }
            Err(_) if std::fs::symlink_metadata(existing).is_ok() => return None,
            Err(_) => {
                rest.push(existing.file_name()?.to_owned());
                existing = existing.parent()?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture {
        _dir: tempfile::TempDir,
        root: PathBuf,
        outside: PathBuf,
        data: PathBuf,
        policy: PathPolicy,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(dir.path()).unwrap();
        let (root, outside, data) =
            (base.join("downloads"), base.join("home"), base.join("downloads/.bidswarm"));
        for d in [&root, &outside, &data] {
            std::fs::create_dir_all(d).unwrap();
        }
        let policy = PathPolicy::new([root.clone()], [data.clone()]);
        Fixture { _dir: dir, root, outside, data, policy }
    }

    fn s(p: &Path) -> &str {
        p.to_str().unwrap()
    }

    #[test]
    fn paths_inside_a_root_pass_resolved_and_everything_else_is_forbidden() {
        let f = fixture();
        let inside = f.root.join("new/deeper");
        assert_eq!(f.policy.check(s(&inside), "the folder").unwrap(), inside);
        assert_eq!(f.policy.check(s(&f.root), "the folder").unwrap(), f.root);
        let escape = format!("{}/../home", s(&f.root));
        let link = f.root.join("to-home");
        std::os::unix::fs::symlink(&f.outside, &link).unwrap();
        let dangling = f.root.join("dangling");
        std::os::unix::fs::symlink(f.outside.join("authorized_keys"), &dangling).unwrap();
        let cases = [
            (s(&f.outside).to_owned(), "outside the folders"),
            ("downloads/relative".to_owned(), "absolute"),
            (escape, "\"..\""),
            (s(&link.join("x")).to_owned(), "outside the folders"),
            (s(&dangling).to_owned(), "link"),
            (s(&f.data.join("wallet.json")).to_owned(), "own data folder"),
            ("/etc/passwd".to_owned(), "outside the folders"),
        ];
        for (path, says) in cases {
            let e = f.policy.check(&path, "the folder").unwrap_err();
            assert_eq!(e.kind, ApiErrorKind::Forbidden, "{path}: {e:?}");
            assert!(e.message.contains(says), "{path}: {}", e.message);
        }
    }

    #[test]
    fn the_owner_can_allow_more_and_a_message_names_the_roots() {
        let f = fixture();
        let picked = f.outside.join("picked");
        let e = f.policy.check(s(&picked), "the download folder").unwrap_err();
        assert!(e.message.contains(s(&f.root)) && e.message.contains("--allow-path"), "{}", e.message);
        f.policy.allow(&f.outside);
        assert_eq!(f.policy.check(s(&picked), "the download folder").unwrap(), picked);
        f.policy.allow(Path::new("relative"));
        assert_eq!(f.policy.roots().len(), 2, "a relative path is not a root");
    }
}
