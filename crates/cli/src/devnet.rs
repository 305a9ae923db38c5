//! `bidswarm-cli devnet`: the local TRON test network, until Ctrl-C or SIGTERM.

#![allow(clippy::print_stdout)] // the `key: value` lines are the command's output

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::Context;
use bidswarm_devnet::{Devnet, DevnetConfig};
use bidswarm_tron::devnet_btt_contract;

#[derive(Debug, clap::Args)]
pub struct DevnetArgs {
    /// Serve the node's HTTP API here; loopback only (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8090", value_name = "ADDR")]
    listen: SocketAddr,
    /// Milliseconds between blocks.
    #[arg(long, default_value_t = 1000, value_name = "N", value_parser = clap::value_parser!(u64).range(10..))]
    block_ms: u64,
    /// Keep the chain in this SQLite file, so balances survive a restart. Without it the
    /// chain lives in memory and is gone when the devnet stops.
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
}

pub async fn run(args: DevnetArgs) -> anyhow::Result<()> {
    let config = DevnetConfig {
        listen: args.listen,
        block_interval: Duration::from_millis(args.block_ms),
        db: args.db.clone(),
        ..DevnetConfig::default()
    };
    let devnet = Devnet::start(config).await.context("cannot start the devnet")?;
    println!("url: {}", devnet.url().as_str().trim_end_matches('/'));
    println!("btt_contract: {}", devnet_btt_contract().to_base58());
    println!("block_ms: {}", args.block_ms);
    match &args.db {
        Some(path) => println!("db: {}", path.display()),
        None => println!("db: memory"),
    }
    shutdown_signal().await;
    devnet.shutdown().await.context("stopping the devnet")?;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
