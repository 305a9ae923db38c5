//! The API's path policy, tried as a caller holding the token would (issue 16): every
//! request that names a path outside the folders the owner allowed, or inside Bidswarm's
//! own data folder, is `forbidden` and leaves the files it named as they were; a torrent
//! is never added over a file that is not its own.

use std::path::Path;

use base64::Engine as _;
use bidswarm_api::{AddOptions, ApiErrorKind, Request, Response, TorrentSource, TorrentState};
use bidswarm_tests::{create_torrent, path_str, random_file, Server};

fn add_into(torrent: &[u8], folder: &Path) -> Request {
    Request::AddTorrent {
        source: TorrentSource::TorrentBase64(base64::engine::general_purpose::STANDARD.encode(torrent)),
        options: AddOptions { output_folder: Some(path_str(folder).into()), ..Default::default() },
    }
}

/// Every file under `dir` with its bytes, to show nothing changed.
fn snapshot(dir: &Path) -> anyhow::Result<Vec<(std::path::PathBuf, Vec<u8>)>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry?;
        if entry.file_type().is_file() {
            files.push((entry.path().to_owned(), std::fs::read(entry.path())?));
        }
    }
    Ok(files)
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_naming_paths_outside_the_allowed_folders_are_forbidden_and_change_nothing(
) -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    // The harness allows the test's folder; "home" stands for the rest of the account.
    let home_dir = bidswarm_tests::test_dir();
    let home = home_dir.path();
    std::fs::create_dir_all(home.join(".ssh"))?;
    std::fs::write(home.join(".ssh/authorized_keys"), "ssh-ed25519 AAAA the owner's key\n")?;
    let secret = "4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d";
    std::fs::write(home.join("wallet.key"), format!("{secret}\n"))?;
    let seed = dir.path().join("seed");
    std::fs::create_dir_all(&seed)?;
    random_file(&seed.join("ok.bin"), 1 << 20, 5);
    let torrent_file = dir.path().join("ok.torrent");
    create_torrent(&seed.join("ok.bin"), &torrent_file, &[])?;
    std::fs::copy(&torrent_file, home.join("ok.torrent"))?;
    let torrent = std::fs::read(&torrent_file)?;

    let data_dir = dir.path().join("data");
    let server = Server::start("serve", &data_dir, dir.path()).await?;
    let Response::Settings { settings: before, .. } = server.call(&Request::GetSettings).await? else {
        anyhow::bail!("no settings")
    };
    let home_before = snapshot(home)?;
    let data_before = snapshot(&data_dir.join("config"))?;

    let settings_with = |edit: &dyn Fn(&mut bidswarm_api::Settings)| {
        let mut settings = before.clone();
        edit(&mut settings);
        Request::UpdateSettings { settings: settings.into() }
    };
    let create = |path: &Path, output: &Path| Request::CreateTorrent {
        path: path_str(path).into(),
        output: path_str(output).into(),
        trackers: vec![],
        piece_length: None,
    };
    let escape =
        format!("{}/../{}", path_str(dir.path()), home.file_name().unwrap_or_default().to_string_lossy());
    let cases: Vec<(&str, Request, &str)> = vec![
        (
            "write over authorized_keys",
            create(&seed, &home.join(".ssh/authorized_keys")),
            "outside the folders",
        ),
        ("share the home folder", create(home, &dir.path().join("home.torrent")), "outside the folders"),
        (
            "write into the data folder",
            create(&seed, &data_dir.join("config/settings.json")),
            "own data folder",
        ),
        ("save a torrent into home", add_into(&torrent, home), "outside the folders"),
        ("save through ..", add_into(&torrent, Path::new(&escape)), "\"..\""),
        ("save into a relative folder", add_into(&torrent, Path::new("relative/folder")), "absolute"),
        (
            "read a .torrent from home",
            Request::AddTorrent {
                source: TorrentSource::Path(path_str(&home.join("ok.torrent")).into()),
                options: AddOptions { output_folder: Some(path_str(&seed).into()), ..Default::default() },
            },
            "outside the folders",
        ),
        (
            "move the download folder to home",
            settings_with(&|s| s.download_folder = path_str(home).into()),
            "outside the folders",
        ),
        (
            "read a key file as a blocklist",
            settings_with(&|s| s.blocklist_path = Some(path_str(&home.join("wallet.key")).into())),
            "outside the folders",
        ),
        (
            "preview a .torrent from home",
            Request::PreviewTorrent {
                source: TorrentSource::Path(path_str(&home.join("ok.torrent")).into()),
            },
            "outside the folders",
        ),
        (
            "read /dev/zero as a blocklist",
            settings_with(&|s| s.blocklist_path = Some("/dev/zero".into())),
            "outside the folders",
        ),
    ];
    for (what, request, says) in cases {
        let Err(error) = server.rpc(&request).await? else { anyhow::bail!("{what}: allowed") };
        assert_eq!(error.kind, ApiErrorKind::Forbidden, "{what}: {}", error.message);
        assert!(error.message.contains(says), "{what}: {}", error.message);
        assert!(!error.message.contains(&secret[..16]), "{what}: a file's content leaked: {}", error.message);
    }
    assert_eq!(snapshot(home)?, home_before, "nothing in home changed");
    assert_eq!(snapshot(&data_dir.join("config"))?, data_before, "nothing in the data folder changed");
    let Response::Settings { settings: after, .. } = server.call(&Request::GetSettings).await? else {
        anyhow::bail!("no settings")
    };
    assert_eq!(after, before, "no setting was saved");
    assert!(
        matches!(server.call(&Request::ListTorrents).await?, Response::Torrents { torrents } if torrents.is_empty())
    );

    // Inside the allowed folder the same requests work.
    let Response::Torrent { torrent: added } = server.call(&add_into(&torrent, &seed)).await? else {
        anyhow::bail!("add")
    };
    server.wait_state(&added.id, TorrentState::Seeding).await?;
    server.call(&create(&seed, &dir.path().join("again.torrent"))).await?;
    Ok(())
}

/// A file that is not the torrent's, where its data would go: refused with
/// `file_in_the_way`, the file untouched, and the running torrent unharmed.
#[tokio::test(flavor = "multi_thread")]
async fn a_torrent_is_never_added_over_a_file_that_is_not_its_own() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let seed = dir.path().join("seed");
    std::fs::create_dir_all(&seed)?;
    random_file(&seed.join("notes.txt"), 1 << 20, 6);
    random_file(&seed.join("running.bin"), 1 << 20, 7);
    let (notes, running) = (dir.path().join("notes.torrent"), dir.path().join("running.torrent"));
    create_torrent(&seed.join("notes.txt"), &notes, &[])?;
    create_torrent(&seed.join("running.bin"), &running, &[])?;
    let server = Server::start("serve", &dir.path().join("data"), dir.path()).await?;
    let Response::Torrent { torrent: seeding } =
        server.call(&add_into(&std::fs::read(&running)?, &seed)).await?
    else {
        anyhow::bail!("add")
    };
    server.wait_state(&seeding.id, TorrentState::Seeding).await?;

    // The user's own notes.txt, much shorter, in the folder the torrent is saved to.
    let mine = dir.path().join("mine");
    std::fs::create_dir_all(&mine)?;
    let precious = b"my own notes, not a download\n".repeat(3);
    std::fs::write(mine.join("notes.txt"), &precious)?;
    let Err(error) = server.rpc(&add_into(&std::fs::read(&notes)?, &mine)).await? else {
        anyhow::bail!("added over the user's file")
    };
    assert_eq!(error.kind, ApiErrorKind::FileInTheWay, "{}", error.message);
    assert!(error.message.contains("notes.txt"), "{}", error.message);
    assert_eq!(std::fs::read(mine.join("notes.txt"))?, precious, "the user's file is untouched");
    let Response::Torrents { torrents } = server.call(&Request::ListTorrents).await? else {
        anyhow::bail!("list")
    };
    assert_eq!(torrents.len(), 1, "not added: {torrents:?}");
    assert_eq!(torrents[0].state, TorrentState::Seeding, "the running torrent is unharmed");
    Ok(())
}
