//! "Force recheck" (issue 18, item 5) over the HTTP API: librqbit trusts its resume
//! bitfield, so only a recheck finds data changed on disk behind its back; a recheck of
//! good data is not reported as a new completion; a paused torrent stays paused.

use std::time::Duration;

use bidswarm_api::{ApiErrorKind, Event, Request, Response, TorrentId, TorrentSource, TorrentState};
use bidswarm_tests::{create_torrent, path_str, random_file, wait_until, Server};

const PIECE: u64 = 64 * 1024;
const SIZE: u64 = 32 * PIECE;

#[tokio::test(flavor = "multi_thread")]
async fn a_recheck_finds_a_damaged_piece_and_reports_no_second_completion() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let Seeding { server, id, file, .. } = seed_one(dir.path(), "checked", 90).await?;
    let mut events = server.events().await?;
    let seeding = server.wait_state(&id, TorrentState::Seeding).await?;
    assert!(seeding.completed_at.is_some(), "completed on is known once it is complete");
    // The watcher (once a second) has seen it complete: any "completed" after this is new.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while let Some(event) = events.next_by(deadline).await? {
        if matches!(&event, Event::Progress { torrent } if torrent.id == id && torrent.is_complete()) {
            break;
        }
    }

    // Good data: checked again, complete again, and no "completed" event for it.
    server.call(&Request::Recheck { ids: vec![id.clone()] }).await?;
    let checked = wait_checked(&server, &id).await?;
    assert_eq!((checked.state, checked.progress_bytes), (TorrentState::Seeding, SIZE));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while let Some(event) = events.next_by(deadline).await? {
        assert!(
            !matches!(&event, Event::Completed { torrent } if torrent.id == id),
            "a recheck is not a download"
        );
    }

    // One piece damaged behind librqbit's back: only a recheck finds it.
    let mut bytes = std::fs::read(&file)?;
    let at = (5 * PIECE + 100) as usize;
    bytes[at] ^= 0xff;
    std::fs::write(&file, &bytes)?;
    server.call(&Request::Recheck { ids: vec![id.clone()] }).await?;
    let checked = wait_checked(&server, &id).await?;
    assert_eq!(checked.progress_bytes, SIZE - PIECE, "exactly the damaged piece is missing");
    assert_eq!(checked.state, TorrentState::Downloading, "it wants the piece back");

    // Paused, it stays paused.
    server.call(&Request::Pause { id: id.clone() }).await?;
    server.call(&Request::Recheck { ids: vec![id.clone()] }).await?;
    let paused = wait_until(
        "the recheck to end paused",
        Duration::from_secs(60),
        Duration::from_millis(200),
        async || server.torrent(&id).await.ok().filter(|t| t.state == TorrentState::Paused),
    )
    .await?;
    assert_eq!(paused.id, id);

    // A list with a torrent that does not exist is refused whole.
    let error = server
        .rpc(&Request::Recheck { ids: vec![id.clone(), TorrentId::from([9; 20])] })
        .await?
        .expect_err("unknown");
    assert_eq!(error.kind, ApiErrorKind::UnknownTorrent);
    assert_eq!(server.torrent(&id).await?.state, TorrentState::Paused);
    Ok(())
}

/// A server seeding one file of [`SIZE`] random bytes, from data already in its downloads.
struct Seeding {
    server: Server,
    id: TorrentId,
    file: std::path::PathBuf,
    data_dir: std::path::PathBuf,
}

async fn seed_one(dir: &std::path::Path, name: &str, seed: u64) -> anyhow::Result<Seeding> {
    let data_dir = dir.join("data");
    let downloads = data_dir.join("downloads");
    std::fs::create_dir_all(&downloads)?;
    let file = downloads.join(format!("{name}.bin"));
    random_file(&file, SIZE as usize, seed);
    let torrent = dir.join(format!("{name}.torrent"));
    create_torrent(&file, &torrent, &["--piece-length", &PIECE.to_string()])?;
    let server = Server::start("serve", &data_dir, dir).await?;
    let source = TorrentSource::Path(path_str(&torrent).into());
    let Response::Torrent { torrent: added } =
        server.call(&Request::AddTorrent { source, options: Default::default() }).await?
    else {
        anyhow::bail!("add did not answer a torrent")
    };
    Ok(Seeding { server, id: added.id, file, data_dir })
}

/// Waits until the torrent has been checked again (no longer `checking`).
async fn wait_checked(server: &Server, id: &TorrentId) -> anyhow::Result<bidswarm_api::TorrentInfo> {
    wait_until("the recheck to end", Duration::from_secs(60), Duration::from_millis(100), async || {
        server.torrent(id).await.ok().filter(|t| t.state != TorrentState::Checking)
    })
    .await
}

/// The resume bitfield (`state/session/<hash>.bitv`) is written when it changes, not every
/// round: an idle session with a thousand torrents spent most of its CPU rewriting,
/// syncing and renaming unchanged files. A recheck (librqbit deletes the file when the
/// torrent leaves the session) must still get it written again.
#[tokio::test(flavor = "multi_thread")]
async fn resume_data_is_written_again_only_when_it_changes() -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let dir = bidswarm_tests::test_dir();
    let Seeding { server, id, data_dir, .. } = seed_one(dir.path(), "resumed", 91).await?;
    server.wait_state(&id, TorrentState::Seeding).await?;
    let bitv = data_dir.join("state/session").join(format!("{}.bitv", id.0));
    let all_pieces = vec![0xffu8; (SIZE / PIECE / 8) as usize];
    let written_whole = async || {
        wait_until(
            "the whole bitfield written",
            Duration::from_secs(30),
            Duration::from_millis(100),
            async || {
                let bytes = std::fs::read(&bitv).ok()?;
                (bytes == all_pieces).then(|| std::fs::metadata(&bitv).ok().map(|m| m.ino())).flatten()
            },
        )
        .await
    };
    written_whole().await?;
    // librqbit writes the file first, after its check; then the upkeep's first round
    // (every 5 s) writes ours, once.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let inode = std::fs::metadata(&bitv)?.ino();

    // Two more rounds with nothing changed: the same file, never replaced (each write is
    // a rename, so a new inode).
    tokio::time::sleep(Duration::from_secs(11)).await;
    assert_eq!(std::fs::metadata(&bitv)?.ino(), inode, "an unchanged bitfield was written again");

    // A recheck takes the torrent out of the session, which deletes the file; with the
    // same bitfield after it as before, it must still be on disk again.
    server.call(&Request::Recheck { ids: vec![id.clone()] }).await?;
    let checked = wait_checked(&server, &id).await?;
    assert_eq!((checked.state, checked.progress_bytes), (TorrentState::Seeding, SIZE));
    written_whole().await?;
    Ok(())
}
