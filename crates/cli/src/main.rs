//! `bidswarm-cli`: the headless server (`serve`) and commands for scripting
//! (`download`, `seed`, `create-torrent`). Every command goes through `bidswarm_core`,
//! the same as the desktop app, so scripts and the UI behave alike.

mod commands;
mod devnet;
mod http;
mod ledger;
mod paths;
mod progress;
mod serve;
mod speed_args;
mod wallet;

use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "bidswarm-cli", version, about = "Bidswarm, the BitTorrent client that pays for speed")]
struct Cli {
    /// Keep all data and config in this folder instead of the XDG folders.
    #[arg(long, global = true, env = "BIDSWARM_DATA_DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the headless server: the web UI and its API, for seedboxes and browsers.
    Serve(serve::ServeArgs),
    /// Download a torrent (magnet, .torrent file or URL) into a folder.
    Download(commands::DownloadArgs),
    /// Seed a torrent from existing data until interrupted.
    Seed(commands::SeedArgs),
    /// Make a .torrent from a file or folder and print its magnet link.
    CreateTorrent(commands::CreateArgs),
    /// Run a local TRON test network (the devnet) on loopback, with a faucet.
    Devnet(devnet::DevnetArgs),
    /// Offline wallet tools: an address from a key file, message signature checks.
    #[command(subcommand)]
    Wallet(wallet::WalletCommand),
    /// Read a ledger file: balances, a consistency check, a CSV export.
    #[command(subcommand)]
    Ledger(ledger::LedgerCommand),
}

/// Options shared by every command that runs a session.
#[derive(Debug, Clone, clap::Args)]
pub struct SwarmArgs {
    /// No DHT, local service discovery or UPnP: peers come only from trackers and --peer.
    #[arg(long)]
    no_dht: bool,
    /// Listen for incoming peers on this address (e.g. 127.0.0.1:0 for any free port).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Talk to peers without the gateway (librqbit direct). For benchmarks only: it
    /// gives up the choker and bt_speed.
    #[arg(long, hide_short_help = true)]
    bypass_gateway: bool,
    /// MSE/PE encryption of peer connections: `prefer` (encrypt where the peer can),
    /// `require` (refuse peers that cannot) or `disable`.
    #[arg(long, value_name = "MODE", default_value = "prefer", value_parser = parse_encryption)]
    encryption: bidswarm_api::EncryptionMode,
}

fn parse_encryption(mode: &str) -> Result<bidswarm_api::EncryptionMode, String> {
    match mode {
        "prefer" => Ok(bidswarm_api::EncryptionMode::Prefer),
        "require" => Ok(bidswarm_api::EncryptionMode::Require),
        "disable" => Ok(bidswarm_api::EncryptionMode::Disable),
        other => Err(format!("`{other}` is not one of prefer, require, disable")),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(matches!(cli.command, Command::Serve(_)));
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(args, cli.data_dir).await,
            Command::Download(args) => commands::download(args).await,
            Command::Seed(args) => commands::seed(args).await,
            Command::CreateTorrent(args) => commands::create_torrent(args).await,
            Command::Devnet(args) => devnet::run(args).await,
            Command::Wallet(command) => wallet::run(command).await,
            Command::Ledger(command) => match ledger::run(command).await {
                Ok(true) => Ok(()),
                Ok(false) => Err(anyhow::anyhow!("the ledger has problems (listed above)")),
                Err(e) => Err(e),
            },
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr; `RUST_LOG` overrides the level. The server logs more by default,
/// as it runs unattended.
fn init_tracing(server: bool) {
    use tracing_subscriber::EnvFilter;
    // DHT bootstrap failures repeat every few seconds while offline; they are not news.
    let default = if server { "info,librqbit=warn,librqbit_dht=error" } else { "warn,librqbit_dht=error" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
