//! The harness for Bidswarm's end-to-end tests: temporary folders, real processes on
//! 127.0.0.1 that are killed when the test ends, and waiting with a deadline.
//!
//! Every server started here listens on loopback only, and every wait is bounded.

pub mod peers;

use std::{
    io::{BufRead, BufReader, Write},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::{bail, Context};
use bidswarm_api::{ApiError, Request, Response, TorrentId, TorrentInfo};

/// The `bidswarm-cli` binary under test: `$BIDSWARM_CLI`, or the workspace's debug build.
pub fn cli_path() -> PathBuf {
    if let Some(p) = std::env::var_os("BIDSWARM_CLI") {
        return p.into();
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug/bidswarm-cli");
    assert!(
        path.exists(),
        "{} is missing; run `cargo build -p bidswarm-cli` (make test does)",
        path.display()
    );
    path
}

/// A temporary folder for one test, removed at the end unless `BIDSWARM_KEEP_TEST_DIRS`
/// is set (then its path is printed, for reading the logs of a failed run).
pub fn test_dir() -> tempfile::TempDir {
    let keep = std::env::var_os("BIDSWARM_KEEP_TEST_DIRS").is_some();
    let dir = tempfile::Builder::new()
        .prefix("bidswarm-test-")
        .disable_cleanup(keep)
        .tempdir()
        .expect("create a temp dir");
    if keep {
        eprintln!("test dir: {}", dir.path().display());
    }
    dir
}

/// A free TCP port on 127.0.0.1. Another process could take it before we use it, but
/// on a test machine that is rare enough.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port on loopback");
    l.local_addr().expect("a bound socket has an address").port()
}

/// Writes `len` bytes of reproducible pseudo-random data (xorshift), so different seeds
/// give different torrents and no two tests share an info hash by accident.
pub fn random_file(path: &Path, len: usize, seed: u64) {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create data file"));
    let mut written = 0;
    let mut block = [0u8; 8];
    while written < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        block.copy_from_slice(&state.to_le_bytes());
        let n = (len - written).min(8);
        file.write_all(&block[..n]).expect("write data file");
        written += n;
    }
    file.flush().expect("flush data file");
}

/// Polls `check` every `every` until it returns `Some`, or fails after `timeout`.
pub async fn wait_until<T>(
    what: &str,
    timeout: Duration,
    every: Duration,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> anyhow::Result<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return Ok(v);
        }
        if Instant::now() >= deadline {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(every).await;
    }
}

/// A child process that is killed when dropped, with its stdout collected line by line
/// and its stderr kept in a file for the failure message.
#[derive(Debug)]
pub struct Proc {
    pub name: String,
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    stderr_path: PathBuf,
}

impl Proc {
    pub fn spawn(name: &str, mut command: Command, log_dir: &Path) -> anyhow::Result<Self> {
        let stderr_path = log_dir.join(format!("{name}.stderr"));
        let stderr = std::fs::File::create(&stderr_path)?;
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("cannot start {name}: {command:?}"))?;
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().context("stdout was piped")?;
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().expect("stdout lines lock").push(line);
            }
        });
        Ok(Self { name: name.to_owned(), child, lines, stderr_path })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stdout(&self) -> Vec<String> {
        self.lines.lock().expect("stdout lines lock").clone()
    }

    /// Everything the process wrote to stderr (its log) so far.
    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    pub fn stderr_tail(&self) -> String {
        let text = self.stderr_text();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// The value of the first stdout line `key: value`, waiting for it up to `timeout`.
    pub async fn wait_for_value(&mut self, key: &str, timeout: Duration) -> anyhow::Result<String> {
        let prefix = format!("{key}: ");
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(v) = self.stdout().iter().find_map(|l| l.strip_prefix(&prefix)) {
                return Ok(v.to_owned());
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("{} exited ({status}) before printing {key:?}:\n{}", self.name, self.stderr_tail());
            }
            if Instant::now() >= deadline {
                bail!("{} printed no {key:?} within {timeout:?}:\n{}", self.name, self.stderr_tail());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn wait_exit(&mut self, timeout: Duration) -> anyhow::Result<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                // Let the reader thread drain the last lines.
                tokio::time::sleep(Duration::from_millis(100)).await;
                return Ok(status);
            }
            if Instant::now() >= deadline {
                bail!("{} did not exit within {timeout:?}:\n{}", self.name, self.stderr_tail());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGTERM, then wait for a clean exit.
    pub async fn terminate(&mut self, timeout: Duration) -> anyhow::Result<ExitStatus> {
        let _ = Command::new("kill").arg("-TERM").arg(self.pid().to_string()).status();
        self.wait_exit(timeout).await
    }

    /// SIGKILL: the process gets no chance to save anything, as in a crash.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A `bidswarm-cli` command with logging kept quiet unless asked for.
pub fn cli(args: &[&str]) -> Command {
    let mut c = Command::new(cli_path());
    c.args(args).env("RUST_LOG", std::env::var("BIDSWARM_TEST_LOG").unwrap_or_else(|_| "warn".into()));
    c
}

/// The hex v1 info hash of a magnet link as `create_torrent` prints it.
pub fn info_hash_of(magnet: &str) -> String {
    magnet.trim_start_matches("magnet:?xt=urn:btih:").chars().take(40).collect()
}

/// Runs `bidswarm-cli create-torrent` and returns the magnet it prints.
pub fn create_torrent(data: &Path, torrent: &Path, extra: &[&str]) -> anyhow::Result<String> {
    let mut args = vec!["create-torrent", path_str(data), "-o", path_str(torrent)];
    args.extend_from_slice(extra);
    let out = cli(&args).output()?;
    if !out.status.success() {
        bail!("create-torrent failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// A running `bidswarm-cli serve` and a client for its API.
#[derive(Debug)]
pub struct Server {
    pub proc: Proc,
    pub url: String,
    pub token: String,
    pub data_dir: PathBuf,
    http: reqwest::Client,
}

impl Server {
    pub async fn start(name: &str, data_dir: &Path, log_dir: &Path) -> anyhow::Result<Self> {
        Self::start_with(name, data_dir, log_dir, &[]).await
    }

    /// `start` with more `serve` arguments.
    pub async fn start_with(
        name: &str,
        data_dir: &Path,
        log_dir: &Path,
        extra: &[&str],
    ) -> anyhow::Result<Self> {
        Self::start_with_env(name, data_dir, log_dir, extra, &[]).await
    }

    /// `start_with`, the server's environment also holding `env`.
    pub async fn start_with_env(
        name: &str,
        data_dir: &Path,
        log_dir: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let mut args = vec![
            "--data-dir",
            path_str(data_dir),
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--peer-listen",
            "127.0.0.1:0",
            "--no-dht",
            // The test's folder holds its torrents and data: requests may name paths in it.
            "--allow-path",
            path_str(log_dir),
        ];
        args.extend_from_slice(extra);
        let mut command = cli(&args);
        command.envs(env.iter().copied());
        let mut proc = Proc::spawn(name, command, log_dir)?;
        let url = proc.wait_for_value("url", Duration::from_secs(30)).await?;
        let token_file = proc.wait_for_value("token_file", Duration::from_secs(5)).await?;
        let token = std::fs::read_to_string(token_file)?.trim().to_owned();
        Ok(Self { proc, url, token, data_dir: data_dir.to_owned(), http: reqwest::Client::new() })
    }

    pub async fn rpc(&self, request: &Request) -> anyhow::Result<Result<Response, ApiError>> {
        let (ok, body) = post_rpc(&self.http, &self.url, &self.token, request).await?;
        Ok(if ok { Ok(serde_json::from_str(&body)?) } else { Err(serde_json::from_str(&body)?) })
    }

    /// Sends `json` as it is (a request the client's own types cannot build, as a hostile
    /// caller would), expects it refused as a bad request (HTTP 400), and returns the error.
    pub async fn refused_json(&self, json: String) -> anyhow::Result<ApiError> {
        let response = post_body(&self.http, &self.url, &self.token, json.clone().into_bytes()).await?;
        if response.status() != 400 {
            bail!("{json} was answered HTTP {}, not 400", response.status());
        }
        Ok(response.json().await?)
    }

    /// `rpc` for requests that must succeed.
    pub async fn call(&self, request: &Request) -> anyhow::Result<Response> {
        self.rpc(request).await?.map_err(|e| anyhow::anyhow!("{request:?} failed: {e:?}"))
    }

    pub async fn torrent(&self, id: &TorrentId) -> anyhow::Result<TorrentInfo> {
        match self.call(&Request::GetTorrent { id: id.clone() }).await? {
            Response::Torrent { torrent } => Ok(torrent),
            other => bail!("unexpected {other:?}"),
        }
    }

    pub async fn torrents(&self) -> anyhow::Result<Vec<TorrentInfo>> {
        match self.call(&Request::ListTorrents).await? {
            Response::Torrents { torrents } => Ok(torrents),
            other => bail!("unexpected {other:?}"),
        }
    }

    /// Waits (up to 5 minutes; a deadline, not a speed test) for the torrent to reach
    /// `state`, and returns it then.
    pub async fn wait_state(
        &self,
        id: &TorrentId,
        state: bidswarm_api::TorrentState,
    ) -> anyhow::Result<TorrentInfo> {
        wait_until(
            &format!("state {state:?}"),
            Duration::from_secs(300),
            Duration::from_millis(200),
            async || self.torrent(id).await.ok().filter(|t| t.state == state),
        )
        .await
    }

    /// Subscribes to the server's event stream (SSE).
    pub async fn events(&self) -> anyhow::Result<EventStream> {
        let response = self.http.get(format!("{}/api/events?token={}", self.url, self.token)).send().await?;
        anyhow::ensure!(response.status() == 200, "events: HTTP {}", response.status());
        Ok(EventStream { response, buffer: String::new() })
    }

    pub async fn peer_addr(&mut self) -> anyhow::Result<String> {
        self.proc.wait_for_value("peer_listen", Duration::from_secs(5)).await
    }
}

/// Sends one request to a server's `/api/rpc`; returns whether it succeeded and the raw
/// body (tests that scan responses for secrets need the text as sent).
pub async fn post_rpc(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    request: &Request,
) -> anyhow::Result<(bool, String)> {
    let response = post_body(http, url, token, serde_json::to_vec(request)?).await?;
    let ok = response.status().is_success();
    Ok((ok, response.text().await?))
}

async fn post_body(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: Vec<u8>,
) -> anyhow::Result<reqwest::Response> {
    Ok(http
        .post(format!("{url}/api/rpc"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?)
}

/// A server's event stream, read one event at a time.
#[derive(Debug)]
pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// The next event, or `None` when none arrives by `deadline`.
    pub async fn next_by(
        &mut self,
        deadline: tokio::time::Instant,
    ) -> anyhow::Result<Option<bidswarm_api::Event>> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                if let Some(json) = frame.lines().find_map(|l| l.strip_prefix("data: ")) {
                    return Ok(Some(serde_json::from_str(json)?));
                }
            }
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return Ok(None),
                Ok(chunk) => match chunk? {
                    Some(bytes) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                    None => bail!("the event stream ended"),
                },
            }
        }
    }
}

/// Starts `bidswarm-cli seed` and returns it with the address it listens on.
pub async fn start_seeder(
    name: &str,
    torrent: &Path,
    data: &Path,
    extra: &[&str],
    log_dir: &Path,
) -> anyhow::Result<(Proc, String)> {
    start_seeder_at(name, torrent, data, "127.0.0.1:0", extra, log_dir).await
}

/// [`start_seeder`] listening at `listen`: a seeder restarted on its old port, as a real
/// client keeps its port, so peers that knew it find it again.
pub async fn start_seeder_at(
    name: &str,
    torrent: &Path,
    data: &Path,
    listen: &str,
    extra: &[&str],
    log_dir: &Path,
) -> anyhow::Result<(Proc, String)> {
    let mut args = vec!["seed", path_str(torrent), "--data", path_str(data), "--listen", listen, "--no-dht"];
    args.extend_from_slice(extra);
    let mut proc = Proc::spawn(name, cli(&args), log_dir)?;
    let addr = proc.wait_for_value("listening", Duration::from_secs(120)).await?;
    Ok((proc, addr))
}

/// Runs `bidswarm-cli download SOURCE -o OUT --no-dht --exit-on-complete [--peer P]`
/// to the end and fails with the leecher's log unless it succeeds. Returns the finished
/// process, for its stdout.
pub async fn download(
    source: &str,
    out: &Path,
    peer: Option<&str>,
    timeout: Duration,
    log_dir: &Path,
) -> anyhow::Result<Proc> {
    download_with(source, out, peer, &[], timeout, log_dir).await
}

/// [`download`] with more arguments for `bidswarm-cli download`.
pub async fn download_with(
    source: &str,
    out: &Path,
    peer: Option<&str>,
    extra: &[&str],
    timeout: Duration,
    log_dir: &Path,
) -> anyhow::Result<Proc> {
    let mut args = vec!["download", source, "-o", path_str(out), "--no-dht", "--exit-on-complete"];
    if let Some(peer) = peer {
        args.extend_from_slice(&["--peer", peer]);
    }
    args.extend_from_slice(extra);
    let mut leecher = Proc::spawn("leecher", cli(&args), log_dir)?;
    let status = leecher.wait_exit(timeout).await?;
    if !status.success() {
        bail!("download failed ({status}):\n{}", leecher.stderr_tail());
    }
    Ok(leecher)
}

/// Compares two files without holding both in memory twice over.
pub fn files_equal(a: &Path, b: &Path) -> anyhow::Result<bool> {
    let (fa, fb) = (std::fs::metadata(a)?, std::fs::metadata(b)?);
    if fa.len() != fb.len() {
        return Ok(false);
    }
    Ok(std::fs::read(a)? == std::fs::read(b)?)
}
