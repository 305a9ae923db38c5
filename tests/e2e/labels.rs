//! Categories, tags and moving data (issue 18, item 3), through a real `serve` over HTTP:
//! a category's folder used when adding, torrents moved into it with their data, a move
//! cut short by a kill finished at the next start, and hostile names and folders refused
//! without changing anything; and renaming a torrent.

use bidswarm_api::{
    AddOptions, ApiErrorKind, Label, Labels, Request, Response, TorrentId, TorrentInfo, TorrentSource,
    TorrentState,
};
use bidswarm_tests::{create_torrent, path_str, random_file, Server};

fn label(name: &str) -> Label {
    Label::new(name).expect("a valid name")
}

async fn labels(server: &Server, request: Request) -> anyhow::Result<Labels> {
    match server.call(&request).await? {
        Response::Labels { labels } => Ok(labels),
        other => anyhow::bail!("unexpected {other:?}"),
    }
}

/// Adds a `.torrent` (by path) with `options`.
async fn add(server: &Server, torrent: &std::path::Path, options: AddOptions) -> anyhow::Result<TorrentInfo> {
    let source = TorrentSource::Path(path_str(torrent).into());
    match server.call(&Request::AddTorrent { source, options }).await? {
        Response::Torrent { torrent } => Ok(torrent),
        other => anyhow::bail!("unexpected {other:?}"),
    }
}

/// Waits until the torrent has left `moving` and seeds again, in `folder`.
async fn wait_moved(
    server: &Server,
    id: &TorrentId,
    folder: &std::path::Path,
) -> anyhow::Result<TorrentInfo> {
    bidswarm_tests::wait_until(
        "the move to finish",
        std::time::Duration::from_secs(120),
        std::time::Duration::from_millis(200),
        async || {
            let t = server.torrent(id).await.ok()?;
            (t.state == TorrentState::Seeding && t.output_folder == path_str(folder)).then_some(t)
        },
    )
    .await
}

/// A file of `size` random bytes in `folder` and a `.torrent` for it in `dir`.
fn data(
    dir: &std::path::Path,
    folder: &std::path::Path,
    name: &str,
    size: usize,
    seed: u64,
) -> anyhow::Result<std::path::PathBuf> {
    std::fs::create_dir_all(folder)?;
    random_file(&folder.join(format!("{name}.bin")), size, seed);
    let torrent = dir.join(format!("{name}.torrent"));
    create_torrent(&folder.join(format!("{name}.bin")), &torrent, &["--piece-length", "65536"])?;
    Ok(torrent)
}

/// What a qBittorrent user does with categories: one with a folder, a torrent added in it
/// is saved there; another moved into it takes its data along and seeds from there; tags
/// on several torrents at once; renames follow to the torrents; everything survives a
/// restart; removing the category leaves its torrents and data where they are.
#[tokio::test(flavor = "multi_thread")]
async fn a_category_folder_receives_new_torrents_and_moved_data_and_all_survives_a_restart(
) -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let data_dir = dir.path().join("data");
    let downloads = data_dir.join("downloads");
    let linux = dir.path().join("linux");
    let first = data(dir.path(), &linux, "first", 1 << 20, 1)?;
    let second = data(dir.path(), &downloads, "second", 1 << 20, 2)?;
    let mut server = Server::start("serve-1", &data_dir, dir.path()).await?;

    let made = labels(
        &server,
        Request::SetCategory {
            name: label("Linux"),
            save_path: Some(path_str(&linux).into()),
            bandwidth_priority: None,
        },
    )
    .await?;
    assert_eq!(made.categories[0].save_path.as_deref(), Some(path_str(&linux)));
    let options =
        AddOptions { category: Some(label("Linux")), tags: vec![label("iso")], ..Default::default() };
    let a = add(&server, &first, options).await?;
    assert_eq!(a.output_folder, path_str(&linux), "saved in the category's folder");
    assert_eq!((a.category.clone(), a.tags.clone()), (Some(label("Linux")), vec![label("iso")]));
    let a = server.wait_state(&a.id, TorrentState::Seeding).await?;
    let b = add(&server, &second, AddOptions::default()).await?;
    server.wait_state(&b.id, TorrentState::Seeding).await?;

    // Into the category, with its data: it moves, and is seeding from there.
    server
        .call(&Request::SetTorrentCategory {
            ids: vec![b.id.clone()],
            category: Some(label("Linux")),
            move_data: true,
        })
        .await?;
    let moved = wait_moved(&server, &b.id, &linux).await?;
    assert_eq!(moved.category, Some(label("Linux")));
    assert!(linux.join("second.bin").is_file() && !downloads.join("second.bin").exists());
    assert_eq!(moved.progress_bytes, 1 << 20, "checked where it landed");

    server
        .call(&Request::AddTorrentTags {
            ids: vec![a.id.clone(), b.id.clone()],
            tags: vec![label("keep"), label("iso")],
        })
        .await?;
    labels(&server, Request::RenameTag { from: label("iso"), to: label("ISO") }).await?;
    labels(&server, Request::RenameCategory { from: label("Linux"), to: label("Distros") }).await?;
    server.call(&Request::RemoveTorrentTags { ids: vec![b.id.clone()], tags: vec![label("keep")] }).await?;

    server.proc.terminate(std::time::Duration::from_secs(30)).await?;
    let server = Server::start("serve-2", &data_dir, dir.path()).await?;
    let all = labels(&server, Request::ListLabels).await?;
    assert_eq!(all.categories.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Distros"]);
    assert_eq!(all.categories[0].save_path.as_deref(), Some(path_str(&linux)));
    assert_eq!(all.tags, [label("ISO"), label("keep")]);
    let (a, b) = (server.torrent(&a.id).await?, server.torrent(&b.id).await?);
    assert_eq!(
        (a.category.clone(), a.tags.clone()),
        (Some(label("Distros")), vec![label("ISO"), label("keep")])
    );
    assert_eq!((b.category.clone(), b.tags.clone()), (Some(label("Distros")), vec![label("ISO")]));
    assert_eq!(b.output_folder, path_str(&linux), "the move survived the restart");

    let left = labels(&server, Request::RemoveCategories { names: vec![label("Distros")] }).await?;
    assert!(left.categories.is_empty());
    assert_eq!(server.torrent(&a.id).await?.category, None);
    assert!(linux.join("first.bin").is_file(), "removing a category leaves the data");
    Ok(())
}

/// A caller that lies: names that break lists or paths, a category that does not exist,
/// a folder outside what requests may name, a move onto someone else's file, a torrent
/// that does not exist among real ones. Each is refused with its kind, and nothing
/// changes: not the labels, not the torrents, not the file in the way.
#[tokio::test(flavor = "multi_thread")]
async fn hostile_labels_and_moves_are_refused_and_change_nothing() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let data_dir = dir.path().join("data");
    let downloads = data_dir.join("downloads");
    let torrent = data(dir.path(), &downloads, "mine", 256 << 10, 3)?;
    let server = Server::start("serve", &data_dir, dir.path()).await?;
    let t = add(&server, &torrent, AddOptions::default()).await?;
    server.wait_state(&t.id, TorrentState::Seeding).await?;
    labels(&server, Request::CreateTags { names: vec![label("a")] }).await?;

    // Bad names are refused when the request is read. The client's own type cannot build
    // them, so they go as raw JSON, as a hostile caller would send them.
    for bad in ["", " padded", "a,b", "../x", "ctl\u{7}", &"x".repeat(65)] {
        let error = server
            .refused_json(format!(r#"{{"type":"create_tags","names":[{}]}}"#, serde_json::to_string(bad)?))
            .await?;
        assert_eq!(error.kind, ApiErrorKind::BadRequest, "{bad:?}");
        assert!(error.message.contains("category or tag name"), "{bad:?}: {}", error.message);
    }

    labels(&server, Request::CreateTags { names: vec![label("a2")] }).await?;
    let refused = [
        (
            Request::SetTorrentCategory {
                ids: vec![t.id.clone()],
                category: Some(label("nope")),
                move_data: false,
            },
            ApiErrorKind::UnknownLabel,
        ),
        (
            Request::SetCategory {
                name: label("ssh"),
                save_path: Some("/root/.ssh".into()),
                bandwidth_priority: None,
            },
            ApiErrorKind::Forbidden,
        ),
        (Request::SetLocation { ids: vec![t.id.clone()], folder: "/etc".into() }, ApiErrorKind::Forbidden),
        (
            Request::AddTorrentTags {
                ids: vec![t.id.clone(), TorrentId::from([7; 20])],
                tags: vec![label("b")],
            },
            ApiErrorKind::UnknownTorrent,
        ),
        (Request::RenameTag { from: label("zzz"), to: label("y") }, ApiErrorKind::UnknownLabel),
        (Request::RenameTag { from: label("a"), to: label("a2") }, ApiErrorKind::LabelExists),
        (
            Request::CreateTags { names: (0..1001).map(|i| label(&format!("t{i}"))).collect() },
            ApiErrorKind::BadRequest,
        ),
    ];
    for (request, kind) in refused {
        let error = server.rpc(&request).await?.expect_err("refused");
        assert_eq!(error.kind, kind, "{request:?}: {}", error.message);
    }

    // Someone else's file where ours would go: the move does not start.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere)?;
    std::fs::write(elsewhere.join("mine.bin"), b"not yours")?;
    let error = server
        .rpc(&Request::SetLocation { ids: vec![t.id.clone()], folder: path_str(&elsewhere).into() })
        .await?
        .expect_err("in the way");
    assert_eq!(error.kind, ApiErrorKind::FileInTheWay, "{}", error.message);
    assert_eq!(std::fs::read(elsewhere.join("mine.bin"))?, b"not yours");

    // A torrent named after the folders above Bidswarm's state folder, added (or moved)
    // to the folder above them, would write into the state folder: refused, nothing written.
    let evil = dir.path().join("evil/data");
    std::fs::create_dir_all(evil.join("state"))?;
    std::fs::write(evil.join("state/torrent-records.json"), b"{}")?;
    let evil_torrent = dir.path().join("evil.torrent");
    create_torrent(&evil, &evil_torrent, &["--piece-length", "16384"])?;
    let options = AddOptions { output_folder: Some(path_str(dir.path()).into()), ..Default::default() };
    let source = TorrentSource::Path(path_str(&evil_torrent).into());
    let error =
        server.rpc(&Request::AddTorrent { source, options }).await?.expect_err("into the state folder");
    assert_eq!(error.kind, ApiErrorKind::BadRequest, "{}", error.message);
    assert!(error.message.contains("own data folder"), "{}", error.message);
    assert_ne!(std::fs::read(data_dir.join("state/torrent-records.json"))?, b"{}");

    let after = labels(&server, Request::ListLabels).await?;
    assert_eq!(after, Labels { categories: vec![], tags: vec![label("a"), label("a2")] });
    let t = server.torrent(&t.id).await?;
    assert_eq!(
        (t.state, t.category, t.tags, t.output_folder),
        (TorrentState::Seeding, None, vec![], path_str(&downloads).to_owned())
    );
    Ok(())
}

/// A kill while a torrent's data is being moved (here across file systems, to a tmpfs,
/// so it is copied) loses nothing: at the next start the move is finished from its
/// journal and the torrent seeds from the new folder, every byte checked.
#[tokio::test(flavor = "multi_thread")]
async fn a_kill_during_a_move_is_finished_at_the_next_start() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let data_dir = dir.path().join("data");
    let downloads = data_dir.join("downloads");
    let torrent = data(dir.path(), &downloads, "big", 48 << 20, 4)?;
    // Another file system where there is one, so the move is a copy that takes a while.
    let shm = tempfile::tempdir_in("/dev/shm").ok();
    let target_root = shm.as_ref().map_or_else(|| dir.path().join("target"), |d| d.path().to_owned());
    let target = target_root.join("moved");
    let allow = [path_str(&target_root)];
    let extra = ["--allow-path", allow[0]];
    let mut server = Server::start_with("serve-1", &data_dir, dir.path(), &extra).await?;
    let t = add(&server, &torrent, AddOptions::default()).await?;
    server.wait_state(&t.id, TorrentState::Seeding).await?;

    server.call(&Request::SetLocation { ids: vec![t.id.clone()], folder: path_str(&target).into() }).await?;
    server.proc.kill();
    let journal = data_dir.join(format!("state/moves/{}.json", t.id));
    let copied = target.join("big.bin").exists();
    // Where the kill landed, for the log: with the journal still there, the next start
    // has a move to finish.
    eprintln!(
        "killed with the journal {}, the copy {}",
        if journal.exists() { "there" } else { "gone" },
        if copied { "whole" } else { "not whole yet" }
    );

    let server = Server::start_with("serve-2", &data_dir, dir.path(), &extra).await?;
    let t = wait_moved(&server, &t.id, &target).await?;
    assert_eq!(t.progress_bytes, 48 << 20);
    assert!(!downloads.join("big.bin").exists(), "the source went once the copy was whole");
    assert!(!target.join("big.bin.bidswarm-part").exists());
    assert!(
        !data_dir.join("state/moves").read_dir().is_ok_and(|mut d| d.next().is_some()),
        "the journal is gone"
    );
    Ok(())
}

/// Rename (issue 18, item 5): the list shows the name given, files and folder keep theirs,
/// and it survives a restart; a name that would break or disguise a line is refused as
/// raw JSON and changes nothing; `null` goes back to the torrent's own name.
#[tokio::test(flavor = "multi_thread")]
async fn a_renamed_torrent_keeps_its_name_across_a_restart_and_bad_names_change_nothing() -> anyhow::Result<()>
{
    let dir = bidswarm_tests::test_dir();
    let data_dir = dir.path().join("data");
    let downloads = data_dir.join("downloads");
    let torrent = data(dir.path(), &downloads, "original", 256 << 10, 11)?;
    let mut server = Server::start("serve-1", &data_dir, dir.path()).await?;
    let t = add(&server, &torrent, AddOptions::default()).await?;
    server.wait_state(&t.id, TorrentState::Seeding).await?;
    let rename = |name: Option<&str>| Request::RenameTorrent {
        id: t.id.clone(),
        name: name.map(|n| bidswarm_api::TorrentName::new(n).expect("a valid name")),
    };
    let Response::Torrent { torrent: renamed } =
        server.call(&rename(Some("Debian 12/amd64, netinst"))).await?
    else {
        anyhow::bail!("rename did not answer a torrent")
    };
    assert_eq!(renamed.name.as_deref(), Some("Debian 12/amd64, netinst"));
    assert_eq!(renamed.files[0].path, "original.bin", "its files keep their names");
    assert!(downloads.join("original.bin").is_file());

    for bad in ["", " padded", "new\nline", "adm\u{202E}nimda", &"x".repeat(256)] {
        let error = server
            .refused_json(format!(
                r#"{{"type":"rename_torrent","id":"{}","name":{}}}"#,
                t.id,
                serde_json::to_string(bad)?
            ))
            .await?;
        assert_eq!(error.kind, ApiErrorKind::BadRequest, "{bad:?}");
        assert!(error.message.contains("a torrent's name"), "{bad:?}: {}", error.message);
    }
    // A torrent of several files sits in its own folder, named after it: renamed, its save
    // path ("Set location" starts there) is still the folder that one is in.
    let pack = downloads.join("pack");
    std::fs::create_dir_all(&pack)?;
    random_file(&pack.join("one.bin"), 70_000, 12);
    random_file(&pack.join("two.bin"), 70_000, 13);
    create_torrent(&pack, &dir.path().join("pack.torrent"), &["--piece-length", "16384"])?;
    let p = add(&server, &dir.path().join("pack.torrent"), AddOptions::default()).await?;
    server.wait_state(&p.id, TorrentState::Seeding).await?;
    let request = Request::RenameTorrent {
        id: p.id.clone(),
        name: Some(bidswarm_api::TorrentName::new("Renamed").map_err(anyhow::Error::msg)?),
    };
    let Response::Torrent { torrent: p } = server.call(&request).await? else { anyhow::bail!("no torrent") };
    assert_eq!((p.output_folder, p.save_path), (path_str(&pack).to_owned(), path_str(&downloads).to_owned()));

    let unknown = Request::RenameTorrent { id: TorrentId::from([7; 20]), name: None };
    assert_eq!(server.rpc(&unknown).await?.expect_err("unknown").kind, ApiErrorKind::UnknownTorrent);
    assert_eq!(server.torrent(&t.id).await?.name.as_deref(), Some("Debian 12/amd64, netinst"));

    server.proc.terminate(std::time::Duration::from_secs(30)).await?;
    let server = Server::start("serve-2", &data_dir, dir.path()).await?;
    let restored = server.torrent(&t.id).await?;
    assert_eq!(restored.name.as_deref(), Some("Debian 12/amd64, netinst"), "the name survived the restart");
    let Response::Torrent { torrent: back } = server.call(&rename(None)).await? else {
        anyhow::bail!("rename did not answer a torrent")
    };
    assert_eq!(back.name.as_deref(), Some("original.bin"), "null goes back to the torrent's own name");
    Ok(())
}
