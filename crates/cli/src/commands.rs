//! The scripting commands. Each runs a one-shot session that keeps no state, so running
//! one never disturbs the server's torrents. What a script needs goes to stdout, one
//! `key: value` per line; progress goes to stderr, on a terminal only.

#![allow(clippy::print_stdout)] // user-facing output is the point of these commands

use std::{
    path::PathBuf,
    sync::{atomic::Ordering, Arc},
    time::Duration,
};

use anyhow::bail;
use bidswarm_api::{
    AddOptions, RateLimits, Request, Response, Settings, SpeedSettings, TorrentInfo, TorrentSource,
    TorrentState,
};
use bidswarm_core::{Core, CoreConfig};

use crate::{
    paths::absolute,
    progress,
    speed_args::{BidArgs, EarnArgs, WalletArgs},
    SwarmArgs,
};

const POLL: Duration = Duration::from_millis(250);
/// How often `download` looks for completion: it exits this long after the last piece at
/// most, so a benchmark's wall time is not rounded up to the progress bar's 250 ms.
const COMPLETION_POLL: Duration = Duration::from_millis(20);

#[derive(Debug, clap::Args)]
pub struct DownloadArgs {
    /// A magnet link, a path to a .torrent file, or an http(s) URL of one.
    source: String,
    /// Folder to download into.
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    /// Connect to this peer at once (repeatable).
    #[arg(long, value_name = "HOST:PORT")]
    peer: Vec<String>,
    /// Exit once the download is complete and verified instead of seeding on.
    #[arg(long)]
    exit_on_complete: bool,
    /// Give up after this many seconds without completing.
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,
    /// Cap the download rate, e.g. 10M, 512K or 1048576 (bytes per second).
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    download_limit: Option<u32>,
    /// Also print `progress: <verified bytes> <unix ms>` on stdout four times a second,
    /// for scripts and benchmarks that need bytes over time.
    #[arg(long)]
    progress_lines: bool,
    #[command(flatten)]
    swarm: SwarmArgs,
    #[command(flatten)]
    wallet: WalletArgs,
    #[command(flatten)]
    bid: BidArgs,
}

#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    /// The .torrent file to seed.
    torrent: PathBuf,
    /// The folder that holds the data (the torrent's file, or its folder).
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// Cap the upload rate, e.g. 10M, 512K or 1048576 (bytes per second).
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    upload_limit: Option<u32>,
    /// Also dial this peer (repeatable), for peers that will not dial us.
    #[arg(long, value_name = "HOST:PORT")]
    peer: Vec<String>,
    /// Stop once this many times the torrent's size has been uploaded (e.g. 2 or 1.5).
    #[arg(long, value_name = "RATIO")]
    stop_at_ratio: Option<f64>,
    #[command(flatten)]
    swarm: SwarmArgs,
    #[command(flatten)]
    wallet: WalletArgs,
    #[command(flatten)]
    earn: EarnArgs,
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The file or folder to make a torrent of.
    path: PathBuf,
    /// Where to write the .torrent file.
    #[arg(short, long, value_name = "FILE.torrent")]
    output: PathBuf,
    /// Bytes per piece, a power of two of at least 16384.
    #[arg(long, value_name = "N")]
    piece_length: Option<u32>,
    /// Announce URL of a tracker (repeatable).
    #[arg(long, value_name = "URL")]
    tracker: Vec<String>,
}

pub async fn download(args: DownloadArgs) -> anyhow::Result<()> {
    let output = absolute(&args.output)?;
    let mut settings = SpeedSettings::default();
    args.bid.apply(&mut settings);
    let core =
        one_shot_core(&args.swarm, &args.wallet, settings, output.clone(), args.swarm.listen.is_none())
            .await?;
    let source = source_from_argument(&args.source)?;
    let options = AddOptions {
        peers: args.peer.clone(),
        limits: RateLimits { download_bytes_per_sec: args.download_limit, upload_bytes_per_sec: None },
        ..Default::default()
    };
    let added = expect_torrent(core.handle(Request::AddTorrent { source, options }).await?)?;
    let bar = progress::bytes_bar(0);
    bar.set_message(added.name.clone().unwrap_or_else(|| "resolving…".into()));
    let deadline = args.timeout.map(|s| tokio::time::Instant::now() + Duration::from_secs(s));
    let mut next_line = tokio::time::Instant::now();
    let finished = loop {
        let t = expect_torrent(core.handle(Request::GetTorrent { id: added.id.clone() }).await?)?;
        bar.set_length(t.total_bytes);
        bar.set_position(t.progress_bytes);
        // Four lines a second, and always the last one, which says the download is complete.
        let done = t.state == TorrentState::Seeding;
        if args.progress_lines && (done || tokio::time::Instant::now() >= next_line) {
            next_line = tokio::time::Instant::now() + POLL;
            let now_ms = bidswarm_primitives::unix_ms();
            bar.suspend(|| println!("progress: {} {now_ms}", t.progress_bytes));
        }
        if let Some(name) = &t.name {
            bar.set_message(name.clone());
        }
        match t.state {
            TorrentState::Seeding => break t,
            TorrentState::Error => {
                bar.abandon();
                core.shutdown().await;
                bail!("download failed: {}", t.error.unwrap_or_else(|| "unknown error".into()));
            }
            _ => {}
        }
        if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
            bar.abandon();
            core.shutdown().await;
            bail!(
                "timed out after {} s with {} of {} bytes verified ({} peers)",
                args.timeout.unwrap_or_default(),
                t.progress_bytes,
                t.total_bytes,
                t.peers
            );
        }
        tokio::select! {
            _ = tokio::time::sleep(COMPLETION_POLL) => {}
            _ = tokio::signal::ctrl_c() => {
                bar.abandon();
                core.shutdown().await;
                bail!("interrupted; run the same command again to resume");
            }
        }
    };
    bar.finish_and_clear();
    print_summary("complete", &finished);
    if args.wallet.load()?.identity.is_some() {
        // One more speed round pays for the last pieces, then the promises are settled.
        tokio::time::sleep(Duration::from_secs(2)).await;
        print_speed(&core, &finished.id).await?;
        for settled in core.settle(true).await {
            println!("settled: {} {} {}", settled.payee, settled.amount.0, settled.txid);
        }
    }
    if !args.exit_on_complete {
        println!("seeding: press Ctrl-C to stop");
        let _ = tokio::signal::ctrl_c().await;
    }
    core.shutdown().await;
    Ok(())
}

pub async fn seed(args: SeedArgs) -> anyhow::Result<()> {
    let data = absolute(&args.data)?;
    let torrent = absolute(&args.torrent)?;
    let mut settings = SpeedSettings::default();
    args.earn.apply(&mut settings);
    let core = one_shot_core(&args.swarm, &args.wallet, settings, data.clone(), false).await?;
    if let Some(limit) = args.upload_limit {
        // The session's cap, which the gateway shares among peers (paid slots first).
        let Response::Settings { mut settings, .. } = core.handle(Request::GetSettings).await? else {
            bail!("the core answered GetSettings with something else")
        };
        settings.limits.upload_bytes_per_sec = Some(limit);
        core.handle(Request::UpdateSettings { settings: settings.into() }).await?;
    }
    let options = AddOptions { peers: args.peer.clone(), ..Default::default() };
    let source = TorrentSource::Path(torrent.display().to_string());
    let added = expect_torrent(core.handle(Request::AddTorrent { source, options }).await?)?;
    let bar = progress::bytes_bar(added.total_bytes);
    bar.set_message("checking data");
    let checked = loop {
        let t = expect_torrent(core.handle(Request::GetTorrent { id: added.id.clone() }).await?)?;
        bar.set_length(t.total_bytes);
        bar.set_position(t.checked_bytes.max(t.progress_bytes));
        if !matches!(t.state, TorrentState::Checking | TorrentState::Resolving) {
            break t;
        }
        tokio::time::sleep(POLL).await;
    };
    bar.finish_and_clear();
    if checked.state != TorrentState::Seeding {
        core.shutdown().await;
        bail!(
            "the data in {} does not match {}: {} of {} bytes verified{}",
            data.display(),
            torrent.display(),
            checked.progress_bytes,
            checked.total_bytes,
            checked.error.map(|e| format!(" ({e})")).unwrap_or_default()
        );
    }
    if let Some(ratio) = args.stop_at_ratio {
        // The core's seeding limit pauses it there; the loop below then ends.
        let limits = bidswarm_api::SeedingLimits { ratio: Some(ratio), ..Default::default() };
        core.handle(Request::SetSeedingLimits { id: checked.id.clone(), limits: Some(limits) }).await?;
    }
    print_summary("seeding", &checked);
    match core.peer_listen_addr() {
        Some(addr) => println!("listening: {addr}"),
        None => println!("listening: nowhere (dialing out only)"),
    }
    println!("magnet: {}", checked.magnet);
    // While seeding, report what payers promised, as it grows.
    let (mut earned, mut earned_settled) = (String::from("0"), String::from("0"));
    let mut stop = std::pin::pin!(stop_signal());
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        if let Some(ratio) = args.stop_at_ratio {
            let now = expect_torrent(core.handle(Request::GetTorrent { id: checked.id.clone() }).await?)?;
            if now.state == TorrentState::Paused {
                println!("stopped: ratio {ratio} reached ({} bytes uploaded)", now.all_time_uploaded_bytes);
                break;
            }
        }
        if let Response::TorrentSpeed { speed } =
            core.handle(Request::GetTorrentSpeed { id: checked.id.clone() }).await?
        {
            if speed.earned != earned {
                earned = speed.earned;
                println!("earned: {earned}");
            }
            if speed.earned_settled != earned_settled {
                earned_settled = speed.earned_settled;
                println!("earned_settled: {earned_settled}");
            }
        }
    }
    core.shutdown().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM (how tests and service managers stop a seeder).
async fn stop_signal() {
    #[cfg(unix)]
    {
        let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// `spent:` and friends for a finished download.
async fn print_speed(core: &Core, id: &bidswarm_api::TorrentId) -> anyhow::Result<()> {
    if let Response::TorrentSpeed { speed } = core.handle(Request::GetTorrentSpeed { id: id.clone() }).await?
    {
        println!("spent: {}", speed.spent);
        println!("bytes_bought: {}", speed.bytes_bought);
        println!("budget_exhausted: {}", speed.budget_exhausted);
    }
    Ok(())
}

pub async fn create_torrent(args: CreateArgs) -> anyhow::Result<()> {
    let path = absolute(&args.path)?;
    let output = absolute(&args.output)?;
    let progress = Arc::new(bidswarm_core::CreateProgress::default());
    let options = bidswarm_core::CreateOptions {
        trackers: args.tracker,
        piece_length: args.piece_length,
        progress: Some(progress.clone()),
    };
    // Hashing needs no session, so this skips starting one.
    let hashing = bidswarm_core::create_torrent(&path, &output, &options);
    tokio::pin!(hashing);
    let bar = progress::bytes_bar(0);
    bar.set_message("hashing");
    let created = loop {
        tokio::select! {
            done = &mut hashing => break done,
            _ = tokio::time::sleep(Duration::from_millis(100)) => {
                bar.set_length(progress.total_bytes.load(Ordering::Relaxed));
                bar.set_position(progress.hashed_bytes.load(Ordering::Relaxed));
            }
        }
    };
    bar.finish_and_clear();
    let created = created?;
    println!("{}", created.magnet);
    eprintln!("wrote {}", created.torrent_path);
    Ok(())
}

async fn one_shot_core(
    swarm: &SwarmArgs,
    wallet: &WalletArgs,
    speed: SpeedSettings,
    folder: PathBuf,
    no_incoming: bool,
) -> anyhow::Result<Arc<Core>> {
    let wallet = wallet.load()?;
    let config = CoreConfig {
        config_dir: None,
        state_dir: None,
        default_settings: Settings {
            download_folder: folder.display().to_string(),
            listen_port: 6881,
            dht: true,
            local_service_discovery: true,
            upnp: false,
            limits: RateLimits::default(),
            speed,
            encryption: swarm.encryption,
            ..Settings::default()
        },
        peer_listen: swarm.listen,
        no_incoming,
        no_discovery: swarm.no_dht,
        bypass_gateway: swarm.bypass_gateway,
        peer_handshake_timeout: None,
        speed_identity: wallet.identity,
        ledger_path: wallet.ledger,
        settlement_node: wallet.node,
        // No API: every path comes from the owner's own command line.
        allowed_paths: vec![PathBuf::from("/")],
        clock: Default::default(),
    };
    Ok(Core::start(config).await?)
}

/// What a user types: a magnet, a URL, a bare info hash, or a path.
fn source_from_argument(arg: &str) -> anyhow::Result<TorrentSource> {
    let lower = arg.to_ascii_lowercase();
    Ok(if lower.starts_with("magnet:") {
        TorrentSource::Magnet(arg.to_owned())
    } else if lower.starts_with("http://") || lower.starts_with("https://") {
        TorrentSource::Url(arg.to_owned())
    } else if arg.len() == 40 && arg.chars().all(|c| c.is_ascii_hexdigit()) {
        TorrentSource::Magnet(format!("magnet:?xt=urn:btih:{arg}"))
    } else {
        TorrentSource::Path(absolute(arg.as_ref())?.display().to_string())
    })
}

fn expect_torrent(response: Response) -> anyhow::Result<TorrentInfo> {
    match response {
        Response::Torrent { torrent } => Ok(torrent),
        other => bail!("unexpected answer: {other:?}"),
    }
}

fn print_summary(what: &str, t: &TorrentInfo) {
    let name = t.name.clone().unwrap_or_else(|| t.id.to_string());
    println!("{what}: {name}");
    println!("info_hash: {}", t.id);
    println!("folder: {}", t.output_folder);
    println!("verified_bytes: {}", t.progress_bytes);
    println!("fetched_bytes: {}", t.fetched_bytes);
}

/// Parses `10M`, `512K`, `1.5MiB`, `2G` or plain bytes into bytes per second. K, M and G
/// are binary (1024-based), as in every torrent client's UI.
pub fn parse_rate(s: &str) -> Result<u32, String> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number.parse().map_err(|_| format!("\"{s}\" is not a rate like 10M or 512K"))?;
    let multiplier: f64 = match unit.trim().trim_end_matches("/s").to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("unknown unit \"{other}\" in \"{s}\"; use K, M or G")),
    };
    let bytes = (number * multiplier).round();
    if !(1.0..=u32::MAX as f64).contains(&bytes) {
        return Err(format!("\"{s}\" must be between 1 byte/s and 4 GiB/s"));
    }
    Ok(bytes as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_with_binary_units() {
        assert_eq!(parse_rate("1048576"), Ok(1_048_576));
        assert_eq!(parse_rate("512K"), Ok(512 * 1024));
        assert_eq!(parse_rate("10M"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_rate("1.5MiB/s"), Ok(1_572_864));
        assert!(parse_rate("fast").is_err());
        assert!(parse_rate("10X").is_err());
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("9G").is_err());
    }

    #[test]
    fn arguments_become_the_right_source() {
        assert!(matches!(source_from_argument("magnet:?xt=urn:btih:aa").unwrap(), TorrentSource::Magnet(_)));
        assert!(matches!(
            source_from_argument("https://x.invalid/a.torrent").unwrap(),
            TorrentSource::Url(_)
        ));
        let hash = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            source_from_argument(hash).unwrap(),
            TorrentSource::Magnet(format!("magnet:?xt=urn:btih:{hash}"))
        );
        let TorrentSource::Path(p) = source_from_argument("some.torrent").unwrap() else { panic!() };
        assert!(std::path::Path::new(&p).is_absolute());
    }
}
