//! One torrent through everything a user does with it, over the HTTP API: preview, add
//! with a file selection, change the selection, pause, resume, limits, settings, remove
//! keeping data and remove deleting it.

use std::time::Duration;

use bidswarm_api::{
    AddOptions, RateLimits, Request, Response, Settings, TorrentId, TorrentSource, TorrentState,
};
use bidswarm_tests::{create_torrent, files_equal, path_str, random_file, start_seeder, wait_until, Server};

use crate::TRANSFER_TIMEOUT;

#[tokio::test(flavor = "multi_thread")]
async fn a_torrent_through_preview_selection_pause_limits_and_removal() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let set = dir.path().join("seed/set");
    std::fs::create_dir_all(&set)?;
    random_file(&set.join("one.bin"), 1 << 20, 40);
    random_file(&set.join("two.bin"), 3 << 20, 41);
    let torrent = dir.path().join("set.torrent");
    let magnet = create_torrent(&set, &torrent, &["--piece-length", "16384"])?;
    let (_seeder, addr) = start_seeder("seeder", &torrent, &dir.path().join("seed"), &[], dir.path()).await?;
    let server = Server::start("serve", &dir.path().join("data"), dir.path()).await?;

    // Preview a magnet: the files are known before anything is added.
    let preview = match server
        .call(&Request::PreviewTorrent { source: TorrentSource::Magnet(format!("{magnet}&x.pe={addr}")) })
        .await?
    {
        Response::Preview { preview } => preview,
        other => anyhow::bail!("unexpected {other:?}"),
    };
    let names: Vec<&str> = preview.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(names, ["one.bin", "two.bin"]);
    assert_eq!(preview.total_bytes, 4 << 20);
    assert!(server.torrents().await?.is_empty(), "a preview adds nothing");

    // Add with only the first file selected.
    let options = AddOptions { files: Some(vec![0]), peers: vec![addr.clone()], ..Default::default() };
    let Response::Torrent { torrent: added } = server
        .call(&Request::AddTorrent { source: TorrentSource::Path(path_str(&torrent).into()), options })
        .await?
    else {
        anyhow::bail!("add did not answer a torrent")
    };
    let id = added.id.clone();
    let done = server.wait_state(&id, TorrentState::Seeding).await?;
    assert_eq!(done.total_bytes, 1 << 20, "only the selected file counts");
    let out = dir.path().join("data/downloads/set");
    assert!(files_equal(&set.join("one.bin"), &out.join("one.bin"))?);
    assert!(!done.files[1].included);

    // Select both: the torrent downloads again and completes.
    server.call(&Request::SetFileSelection { id: id.clone(), files: vec![0, 1] }).await?;
    wait_until("the second file", TRANSFER_TIMEOUT, Duration::from_millis(200), async || {
        server
            .torrent(&id)
            .await
            .ok()
            .filter(|t| t.state == TorrentState::Seeding && t.total_bytes == 4 << 20)
    })
    .await?;
    assert!(files_equal(&set.join("two.bin"), &out.join("two.bin"))?);

    // Pause and resume.
    let Response::Torrent { torrent: paused } = server.call(&Request::Pause { id: id.clone() }).await? else {
        anyhow::bail!("pause did not answer a torrent")
    };
    assert_eq!(paused.state, TorrentState::Paused);
    server.call(&Request::Resume { id: id.clone() }).await?;
    server.wait_state(&id, TorrentState::Seeding).await?;

    // Pause all and resume all, with a magnet that can never resolve in the list too.
    let lonely = TorrentSource::Magnet("magnet:?xt=urn:btih:00112233445566778899aabbccddeeff00112233".into());
    server.call(&Request::AddTorrent { source: lonely, options: AddOptions::default() }).await?;
    server.call(&Request::PauseAll).await?;
    assert_eq!(server.torrent(&id).await?.state, TorrentState::Paused);
    server.call(&Request::ResumeAll).await?;
    server.wait_state(&id, TorrentState::Seeding).await?;
    server
        .call(&Request::Remove {
            id: "00112233445566778899aabbccddeeff00112233".parse::<TorrentId>()?,
            delete_data: false,
        })
        .await?;

    // Per-torrent limits stick; session limits and settings are saved.
    let limits = RateLimits { download_bytes_per_sec: Some(1 << 20), upload_bytes_per_sec: Some(512 << 10) };
    let Response::Torrent { torrent: limited } =
        server.call(&Request::SetTorrentLimits { id: id.clone(), limits }).await?
    else {
        anyhow::bail!("limits did not answer a torrent")
    };
    assert_eq!(limited.limits, limits);
    server.wait_state(&id, TorrentState::Seeding).await?;
    let Response::Settings { settings, .. } = server.call(&Request::GetSettings).await? else {
        anyhow::bail!("no settings")
    };
    let wanted = Settings {
        limits: RateLimits { download_bytes_per_sec: Some(10 << 20), ..Default::default() },
        ..settings
    };
    let Response::Settings { settings: saved, restart_required } =
        server.call(&Request::UpdateSettings { settings: Box::new(wanted.clone()) }).await?
    else {
        anyhow::bail!("no settings")
    };
    assert_eq!(saved, wanted);
    assert!(!restart_required, "limits apply at once");
    let on_disk: Settings =
        serde_json::from_slice(&std::fs::read(dir.path().join("data/config/settings.json"))?)?;
    assert_eq!(on_disk, wanted);
    let Response::Settings { restart_required, .. } = server
        .call(&Request::UpdateSettings {
            settings: Box::new(Settings { dht: !wanted.dht, ..wanted.clone() }),
        })
        .await?
    else {
        anyhow::bail!("no settings")
    };
    assert!(restart_required, "DHT changes at the next start");

    // Remove keeping the data, then add again and remove deleting it.
    server.call(&Request::Remove { id: id.clone(), delete_data: false }).await?;
    assert!(server.torrents().await?.is_empty());
    assert!(out.join("two.bin").exists(), "keeping data keeps it");
    server
        .call(&Request::AddTorrent {
            source: TorrentSource::Path(path_str(&torrent).into()),
            options: AddOptions::default(),
        })
        .await?;
    let again = server.wait_state(&id, TorrentState::Seeding).await?;
    assert_eq!(again.fetched_bytes, 0, "the kept data is verified, not fetched again");
    server.call(&Request::Remove { id: id.clone(), delete_data: true }).await?;
    assert!(!out.join("one.bin").exists() && !out.join("two.bin").exists(), "deleting data deletes it");
    let err = server.rpc(&Request::GetTorrent { id }).await?.expect_err("it is gone");
    assert_eq!(err.kind, bidswarm_api::ApiErrorKind::UnknownTorrent);
    Ok(())
}
