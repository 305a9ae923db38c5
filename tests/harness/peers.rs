//! Real peers from Debian packages, each with its own temporary config, on loopback only:
//! `transmission-daemon`, `qbittorrent-nox` and `opentracker`.

use std::{path::Path, process::Command, time::Duration};

use anyhow::{bail, Context};
use base64::Engine as _;
use serde_json::{json, Value};

use crate::{free_port, path_str, wait_until, Proc};

/// Skips the calling test, loudly, when a Debian peer is not installed. `make test`
/// installs them, so under `make test` and CI this never skips.
pub fn require(binary: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {binary}"))
        .output()
        .is_ok_and(|o| o.status.success());
    found_or_skip(found, &format!("{binary} is not installed"))
}

/// [`require`] for a module of Debian's Python (`/usr/bin/python3`, which a Python of the
/// user's own earlier on the PATH would shadow), such as `libtorrent`.
pub fn require_python_module(module: &str) -> bool {
    let found = Command::new("/usr/bin/python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    found_or_skip(found, &format!("the Python module {module} is not installed"))
}

fn found_or_skip(found: bool, missing: &str) -> bool {
    if !found && std::env::var_os("BIDSWARM_REQUIRE_PEERS").is_some() {
        panic!("{missing}, and BIDSWARM_REQUIRE_PEERS is set");
    }
    if !found {
        eprintln!("SKIPPED: {missing} (run `make deps`)");
    }
    found
}

/// A `transmission-daemon` with DHT, LPD, PEX, uTP and port mapping off, peers and RPC on
/// 127.0.0.1, and plaintext preferred unless started with another [`TrEncryption`].
#[derive(Debug)]
pub struct Transmission {
    pub proc: Proc,
    pub peer_port: u16,
    rpc_url: String,
    session_id: tokio::sync::Mutex<String>,
    http: reqwest::Client,
}

/// Transmission's `encryption` setting.
#[derive(Debug, Clone, Copy)]
pub enum TrEncryption {
    PreferPlaintext = 0,
    PreferEncryption = 1,
    /// Encrypted peers only.
    Require = 2,
}

impl Transmission {
    pub async fn start(dir: &Path, log_dir: &Path) -> anyhow::Result<Self> {
        Self::start_with(dir, log_dir, TrEncryption::PreferPlaintext).await
    }

    pub async fn start_with(dir: &Path, log_dir: &Path, encryption: TrEncryption) -> anyhow::Result<Self> {
        let config = dir.join("config");
        let downloads = dir.join("downloads");
        std::fs::create_dir_all(&config)?;
        std::fs::create_dir_all(&downloads)?;
        let (rpc_port, peer_port) = (free_port(), free_port());
        let settings = json!({
            "bind-address-ipv4": "127.0.0.1",
            "bind-address-ipv6": "::1",
            "rpc-bind-address": "127.0.0.1",
            "rpc-port": rpc_port,
            "rpc-authentication-required": false,
            "rpc-whitelist-enabled": true,
            "rpc-whitelist": "127.0.0.1",
            "rpc-host-whitelist-enabled": false,
            "peer-port": peer_port,
            "peer-port-random-on-start": false,
            "port-forwarding-enabled": false,
            "dht-enabled": false,
            "lpd-enabled": false,
            "pex-enabled": false,
            "utp-enabled": false,
            "blocklist-enabled": false,
            "encryption": encryption as u8,
            "download-dir": path_str(&downloads),
            "incomplete-dir-enabled": false,
            "start-added-torrents": true,
            "ratio-limit-enabled": false,
            "idle-seeding-limit-enabled": false,
            "speed-limit-up-enabled": false,
            "speed-limit-down-enabled": false,
            "message-level": 2,
        });
        std::fs::write(config.join("settings.json"), serde_json::to_vec_pretty(&settings)?)?;
        let mut command = Command::new("transmission-daemon");
        command.args(["--foreground", "--config-dir", path_str(&config)]);
        let proc = Proc::spawn("transmission", command, log_dir)?;
        let t = Self {
            proc,
            peer_port,
            rpc_url: format!("http://127.0.0.1:{rpc_port}/transmission/rpc"),
            session_id: Default::default(),
            http: reqwest::Client::new(),
        };
        wait_until("transmission's RPC", Duration::from_secs(30), Duration::from_millis(200), async || {
            t.rpc("session-get", json!({})).await.ok()
        })
        .await
        .with_context(|| t.proc.stderr_tail())?;
        Ok(t)
    }

    /// One RPC call, doing the X-Transmission-Session-Id handshake (409, retry) as needed.
    pub async fn rpc(&self, method: &str, arguments: Value) -> anyhow::Result<Value> {
        let body = serde_json::to_vec(&json!({"method": method, "arguments": arguments}))?;
        for _ in 0..2 {
            let id = self.session_id.lock().await.clone();
            let response = self
                .http
                .post(&self.rpc_url)
                .header("X-Transmission-Session-Id", id)
                .body(body.clone())
                .send()
                .await?;
            if response.status().as_u16() == 409 {
                let fresh = response
                    .headers()
                    .get("X-Transmission-Session-Id")
                    .and_then(|v| v.to_str().ok())
                    .context("409 without a session id")?
                    .to_owned();
                *self.session_id.lock().await = fresh;
                continue;
            }
            let value: Value = serde_json::from_slice(&response.bytes().await?)?;
            if value["result"] != "success" {
                bail!("transmission {method} failed: {value}");
            }
            return Ok(value["arguments"].clone());
        }
        bail!("transmission kept refusing the session id")
    }

    /// Adds a `.torrent` whose data (if any) is already in `download_dir`.
    pub async fn add(&self, torrent: &Path, download_dir: &Path) -> anyhow::Result<()> {
        let metainfo = base64::engine::general_purpose::STANDARD.encode(std::fs::read(torrent)?);
        self.rpc("torrent-add", json!({"metainfo": metainfo, "download-dir": path_str(download_dir)}))
            .await?;
        Ok(())
    }

    /// Fraction of the torrent Transmission has verified, 0.0 to 1.0.
    pub async fn percent_done(&self, info_hash: &str) -> anyhow::Result<f64> {
        let args = self
            .rpc(
                "torrent-get",
                json!({"ids": [info_hash], "fields": ["percentDone", "error", "errorString"]}),
            )
            .await?;
        let t = &args["torrents"][0];
        if t["error"].as_i64().unwrap_or(0) != 0 {
            bail!("transmission reports an error: {}", t["errorString"]);
        }
        t["percentDone"].as_f64().context("torrent-get has percentDone")
    }

    /// Waits until Transmission has checked the torrent and is downloading or seeding it,
    /// so a peer that dials in is not turned away for an unknown info hash.
    pub async fn wait_active(&self, info_hash: &str, timeout: Duration) -> anyhow::Result<()> {
        wait_until("transmission to start the torrent", timeout, Duration::from_millis(200), async || {
            let args =
                self.rpc("torrent-get", json!({"ids": [info_hash], "fields": ["status"]})).await.ok()?;
            // 4: downloading, 6: seeding (Transmission's tr_torrent_activity).
            matches!(args["torrents"][0]["status"].as_i64(), Some(4 | 6)).then_some(())
        })
        .await
    }

    pub async fn wait_complete(&self, info_hash: &str, timeout: Duration) -> anyhow::Result<()> {
        wait_until("transmission to complete", timeout, Duration::from_millis(500), async || {
            match self.percent_done(info_hash).await {
                Ok(p) if p >= 1.0 => Some(Ok(())),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            }
        })
        .await?
    }
}

/// Debian's `opentracker`, serving only the info hashes on its whitelist.
#[derive(Debug)]
pub struct OpenTracker {
    pub proc: Proc,
    pub announce_url: String,
    port: u16,
}

impl OpenTracker {
    pub async fn start(dir: &Path, info_hashes: &[&str], log_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("whitelist"), info_hashes.join("\n") + "\n")?;
        let port = free_port();
        let mut command = Command::new("opentracker");
        // opentracker chroots into -d, so the whitelist path is relative to it.
        command.args([
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-P",
            &port.to_string(),
            "-d",
            path_str(dir),
            "-w",
            "whitelist",
        ]);
        let proc = Proc::spawn("opentracker", command, log_dir)?;
        let http = reqwest::Client::new();
        let stats = format!("http://127.0.0.1:{port}/stats");
        wait_until("opentracker", Duration::from_secs(10), Duration::from_millis(100), async || {
            http.get(&stats).send().await.ok()
        })
        .await?;
        Ok(Self { proc, announce_url: format!("http://127.0.0.1:{port}/announce"), port })
    }

    /// Waits until some peer has announced itself as a seeder of `info_hash`, so a
    /// leecher's first announce already finds it (the next one is 30 minutes away).
    pub async fn wait_for_seeder(&self, info_hash: &str, timeout: Duration) -> anyhow::Result<()> {
        let raw: String = (0..20)
            .map(|i| u8::from_str_radix(&info_hash[2 * i..2 * i + 2], 16).map(|b| format!("%{b:02x}")))
            .collect::<Result<_, _>>()?;
        let url = format!("http://127.0.0.1:{}/scrape?info_hash={raw}", self.port);
        let http = reqwest::Client::new();
        wait_until("a seeder on the tracker", timeout, Duration::from_millis(300), async || {
            let body = http.get(&url).send().await.ok()?.bytes().await.ok()?;
            // A scrape answers d5:filesd20:<hash>d8:completei<N>e...; N > 0 means a seeder.
            let text = String::from_utf8_lossy(&body).into_owned();
            let n = text.split("8:completei").nth(1)?.split('e').next()?.parse::<u32>().ok()?;
            (n > 0).then_some(())
        })
        .await
    }
}

/// Debian's `qbittorrent-nox` with its own profile: qBittorrent's defaults for the wire
/// (encryption allowed, TCP and uTP), on 127.0.0.1 only, with DHT, LSD and PeX off so it
/// meets no one but the test's peers, and its Web API on loopback without a login.
#[derive(Debug)]
pub struct Qbittorrent {
    pub proc: Proc,
    pub peer_port: u16,
    api: String,
    http: reqwest::Client,
}

impl Qbittorrent {
    pub async fn start(dir: &Path, log_dir: &Path) -> anyhow::Result<Self> {
        let config = dir.join("qBittorrent").join("config");
        std::fs::create_dir_all(&config)?;
        let (webui_port, peer_port) = (free_port(), free_port());
        let conf = format!(
            "[LegalNotice]\nAccepted=true\n\n\
             [BitTorrent]\n\
             Session\\Port={peer_port}\nSession\\UseRandomPort=false\n\
             Session\\Interface=lo\nSession\\InterfaceName=lo\nSession\\InterfaceAddress=127.0.0.1\n\
             Session\\DHTEnabled=false\nSession\\LSDEnabled=false\nSession\\PeXEnabled=false\n\
             Session\\QueueingSystemEnabled=false\nSession\\AddTorrentPaused=false\n\
             Session\\DefaultSavePath={downloads}\n\n\
             [Preferences]\n\
             WebUI\\Enabled=true\nWebUI\\Address=127.0.0.1\nWebUI\\Port={webui_port}\n\
             WebUI\\LocalHostAuth=false\nWebUI\\HostHeaderValidation=false\nWebUI\\CSRFProtection=false\n\
             WebUI\\UseUPnP=false\nConnection\\UPnP=false\nConnection\\ResolvePeerCountries=false\n\
             Connection\\ResolvePeerHostNames=false\nSearch\\SearchEnabled=false\n",
            downloads = path_str(&dir.join("downloads")),
        );
        std::fs::write(config.join("qBittorrent.conf"), conf)?;
        let mut command = Command::new("qbittorrent-nox");
        command.arg(format!("--profile={}", path_str(dir))).arg(format!("--webui-port={webui_port}"));
        let proc = Proc::spawn("qbittorrent", command, log_dir)?;
        let q = Self {
            proc,
            peer_port,
            api: format!("http://127.0.0.1:{webui_port}/api/v2"),
            http: reqwest::Client::builder().no_proxy().build()?,
        };
        wait_until(
            "qBittorrent's Web API",
            Duration::from_secs(60),
            Duration::from_millis(200),
            async || q.http.get(format!("{}/app/version", q.api)).send().await.ok()?.error_for_status().ok(),
        )
        .await
        .with_context(|| q.proc.stderr_tail())?;
        Ok(q)
    }

    /// Adds a `.torrent` whose data (if any) is already in `save_path`. The Web API takes
    /// a file only as multipart/form-data.
    pub async fn add(&self, torrent: &Path, save_path: &Path) -> anyhow::Result<()> {
        let boundary = "bidswarm-test-boundary-7d1f";
        let mut body = Vec::new();
        for (name, value) in [("savepath", path_str(save_path)), ("paused", "false"), ("autoTMM", "false")] {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"torrents\"; filename=\"t.torrent\"\r\n\
                 Content-Type: application/x-bittorrent\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&std::fs::read(torrent)?);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let answer = self
            .http
            .post(format!("{}/torrents/add", self.api))
            .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        if answer.trim() != "Ok." {
            bail!("qBittorrent refused the torrent: {answer}");
        }
        Ok(())
    }

    /// The torrent's entry in `/torrents/info`, once qBittorrent has it.
    pub async fn torrent(&self, info_hash: &str) -> anyhow::Result<Option<Value>> {
        let url = format!("{}/torrents/info?hashes={info_hash}", self.api);
        let list: Value = self.http.get(url).send().await?.error_for_status()?.json().await?;
        Ok(list.get(0).cloned())
    }

    /// Waits until qBittorrent has checked the torrent and is downloading or seeding it,
    /// so a peer that dials in is not turned away for an unknown info hash.
    pub async fn wait_active(&self, info_hash: &str, timeout: Duration) -> anyhow::Result<()> {
        wait_until("qBittorrent to start the torrent", timeout, Duration::from_millis(200), async || {
            let state = self.torrent(info_hash).await.ok()??["state"].as_str()?.to_owned();
            matches!(state.as_str(), "downloading" | "stalledDL" | "uploading" | "stalledUP").then_some(())
        })
        .await
    }

    pub async fn wait_complete(&self, info_hash: &str, timeout: Duration) -> anyhow::Result<()> {
        wait_until("qBittorrent to complete", timeout, Duration::from_millis(500), async || {
            match self.torrent(info_hash).await {
                Ok(Some(t)) if t["state"] == "error" || t["state"] == "missingFiles" => {
                    Some(Err(anyhow::anyhow!("qBittorrent reports {}", t["state"])))
                }
                Ok(Some(t)) if t["progress"].as_f64().is_some_and(|p| p >= 1.0) => Some(Ok(())),
                _ => None,
            }
        })
        .await?
    }

    /// The peers qBittorrent has on the torrent, keyed "ip:port", with its fields
    /// (`flags` has `E` for an encrypted connection, `P` for uTP).
    pub async fn peers(&self, info_hash: &str) -> anyhow::Result<serde_json::Map<String, Value>> {
        let url = format!("{}/sync/torrentPeers?hash={info_hash}&rid=0", self.api);
        let answer: Value = self.http.get(url).send().await?.error_for_status()?.json().await?;
        Ok(answer["peers"].as_object().cloned().unwrap_or_default())
    }
}
