//! End-to-end tests: real `bidswarm-cli` processes, Transmission, qBittorrent, libtorrent
//! and opentracker, talking over 127.0.0.1 with DHT off. Each test owns a temporary folder
//! and its processes, which are killed when it ends, pass or fail.

mod api;
mod crash;
mod details;
mod devnet;
mod encryption;
mod faults;
mod fees;
mod gateway;
mod labels;
mod lifecycle;
mod order;
mod paths;
mod qbittorrent;
mod recheck;
mod restart;
mod rules;
mod settlement;
mod speed;
mod speed_hostile;
mod trackers;
mod transfer;
mod transmission;
mod utp;
mod wallet;

use std::time::Duration;

/// Generous deadlines: CI machines are shared and slow, and a deadline only bounds a
/// hang; it never measures speed.
pub const TRANSFER_TIMEOUT: Duration = Duration::from_secs(300);
