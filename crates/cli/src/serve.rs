//! `bidswarm-cli serve`: the headless transport. The same UI as the desktop app, served
//! over HTTP, with the API behind a token.
//!
//! - `POST /api/rpc` takes a `Request` as JSON and answers a `Response` or an `ApiError`.
//! - `GET /api/events` streams `Event`s as server-sent events.
//! - Everything else serves the built UI (`ui/dist`).
//!
//! Security: the token (config folder, mode 0600) is required on every `/api` call, as
//! `Authorization: Bearer …`; only `GET /api/events` also takes it as `?token=`, since
//! `EventSource` cannot set headers (a URL can end up in a proxy's log or the history, so
//! nothing else reads it there). On loopback the Host header must name the bound address
//! and any Origin must match it, which stops DNS-rebinding pages from reaching the API
//! through the browser. Every answer carries a Content-Security-Policy that loads scripts
//! from this server only and forbids framing, `nosniff` and no referrer. Connections are
//! capped and timed out (`crate::http`). `--tls-cert`/`--tls-key` serve HTTPS; exposed
//! beyond loopback without them, the token crosses the network in the clear, and `serve`
//! says so at start.

#![allow(clippy::print_stdout)] // the start-up banner is user-facing output

use std::{
    convert::Infallible,
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use anyhow::Context;
use axum::{
    body::Bytes,
    extract::{Request as HttpRequest, State},
    http::{header, HeaderMap, StatusCode},
    middleware::{self, Next},
    response::{sse, IntoResponse, Response as HttpResponse},
    routing::{get, post},
    Json, Router,
};
use bidswarm_api::{ApiError, ApiErrorKind, Request};
use bidswarm_core::{Core, CoreConfig};
use futures::StreamExt;
use tokio::sync::watch;
use tokio_stream::wrappers::BroadcastStream;
use tower_http::{
    services::{ServeDir, ServeFile},
    set_header::SetResponseHeaderLayer,
};
use tracing::{info, warn};

use bidswarm_core::DataPaths;

/// The UI built by `make ui`, found relative to this crate when run from the repository.
const DEFAULT_UI_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/dist");
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address for the web UI and API. Anything but loopback exposes it to the network
    /// (the token is still required).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7357")]
    listen: SocketAddr,
    /// Address for incoming peers, instead of all interfaces at the listen-port setting.
    #[arg(long, value_name = "ADDR")]
    peer_listen: Option<SocketAddr>,
    /// No DHT, local service discovery or UPnP for this run, whatever the settings say.
    #[arg(long)]
    no_dht: bool,
    /// Seconds a new peer connection may take to send its handshake (default 20).
    #[arg(long, value_name = "SECS", hide_short_help = true)]
    peer_handshake_timeout_secs: Option<u64>,
    /// For tests of the speed schedule: local time starts at this `YYYY-MM-DDTHH:MM:SS`
    /// and runs on from there.
    #[arg(long, value_name = "TIME", env = "BIDSWARM_CLOCK_START", hide = true)]
    clock_start: Option<bidswarm_core::LocalClock>,
    /// Folder with the built web UI.
    #[arg(long, value_name = "DIR", env = "BIDSWARM_UI_DIR")]
    ui_dir: Option<PathBuf>,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key), e.g. to expose the UI
    /// beyond this machine.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert. Keep it private (mode 0600).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// A folder (or file) requests may name besides the download folder: where torrents
    /// are saved, `.torrent` files read, `create_torrent` writes, the blocklist. Repeat
    /// for more. Bidswarm's own data folder is never allowed.
    #[arg(long = "allow-path", value_name = "PATH")]
    allow_paths: Vec<PathBuf>,
}

#[derive(Clone)]
struct AppState {
    core: Arc<Core>,
    token: Arc<str>,
    /// `None` when the server was deliberately exposed beyond loopback.
    allowed_hosts: Option<Arc<[String]>>,
    shutdown: watch::Receiver<bool>,
}

pub async fn run(args: ServeArgs, data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let paths = DataPaths::resolve(data_dir.as_deref())?;
    // Read first, so a wrong file stops the start before anything else runs.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(crate::http::tls_acceptor(cert, key)?),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let token = load_or_create_token(&paths.config.join("token")).await?;
    let core = Core::start(CoreConfig {
        peer_handshake_timeout: args.peer_handshake_timeout_secs.map(Duration::from_secs),
        allowed_paths: args.allow_paths.iter().map(std::path::absolute).collect::<Result<_, _>>()?,
        clock: args.clock_start.unwrap_or_default(),
        ..CoreConfig::persistent(&paths, args.peer_listen, args.no_dht)
    })
    .await?;

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}; is another Bidswarm running?", args.listen))?;
    let bound = listener.local_addr()?;
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let state = AppState {
        core: core.clone(),
        token: token.clone().into(),
        allowed_hosts: allowed_hosts(bound).map(Into::into),
        shutdown: shutdown_rx,
    };
    let ui_dir = args.ui_dir.unwrap_or_else(|| PathBuf::from(DEFAULT_UI_DIR));
    let app = router(state, &ui_dir);

    // The first line is for people (the link logs the browser in); the rest are
    // `key: value` lines for scripts.
    println!("Bidswarm is running at {scheme}://{bound}/#token={token}");
    println!("url: {scheme}://{bound}");
    println!("token_file: {}", paths.config.join("token").display());
    if let Some(peers) = core.peer_listen_addr() {
        println!("peer_listen: {peers}");
    }
    if !ui_dir.join("index.html").exists() {
        warn!(dir = %ui_dir.display(), "no built web UI here; serving a placeholder page (the API works)");
    }
    info!(%bound, "serving");

    if !bound.ip().is_loopback() && tls.is_none() {
        warn!(
            %bound,
            "the web UI and API are exposed beyond this machine over plain HTTP: anyone on the \
             network path can read the token and the wallet's password as they are typed; \
             pass --tls-cert and --tls-key, put a TLS proxy or an SSH tunnel in front, \
             or listen on 127.0.0.1"
        );
    }
    crate::http::serve(listener, tls, app, async move {
        shutdown_signal().await;
        info!("shutting down");
        let _ = shutdown_tx.send(true);
    })
    .await;
    tokio::time::timeout(SHUTDOWN_GRACE, core.shutdown()).await.ok();
    Ok(())
}

/// Shown instead of the UI when `ui/dist` has not been built.
const PLACEHOLDER_PAGE: &str = "<!doctype html><meta charset=utf-8><title>Bidswarm</title>\
<body style='font-family:sans-serif;max-width:40em;margin:4em auto'><h1>Bidswarm is running</h1>\
<p>The web UI is not built in this copy. The API answers at <code>POST /api/rpc</code> and \
<code>GET /api/events</code>; see the README.</p></body>";

fn router(state: AppState, ui_dir: &Path) -> Router {
    let index = ui_dir.join("index.html");
    let ui = if index.exists() {
        Router::new().fallback_service(ServeDir::new(ui_dir).fallback(ServeFile::new(index)))
    } else {
        Router::new().fallback(|| async { axum::response::Html(PLACEHOLDER_PAGE) })
    };
    let api = Router::new()
        .route("/rpc", post(rpc))
        .route("/events", get(events))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    let mut app = Router::new()
        .nest("/api", api)
        .merge(ui)
        .layer(middleware::from_fn_with_state(state.clone(), check_host_and_origin));
    for (name, value) in SECURITY_HEADERS {
        app = app.layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static(name),
            header::HeaderValue::from_static(value),
        ));
    }
    app.with_state(state)
}

/// Sent with every answer. The UI is one script and one stylesheet from this server; React
/// sets `style` attributes, so inline styles are allowed, inline scripts are not.
const SECURITY_HEADERS: [(&str, &str); 4] = [
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; object-src 'none'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
];

/// Largest request body `/rpc` reads (axum's default limit; the biggest request, a
/// `.torrent` file in base64, is far below it).
const MAX_RPC_BODY: usize = 2 << 20;

async fn rpc(State(state): State<AppState>, request: axum::extract::Request) -> HttpResponse {
    // The whole body within the header deadline, not just each piece of it: a caller that
    // trickles a byte at a time would otherwise hold its connection slot for good.
    let body = tokio::time::timeout(
        crate::http::HEADER_TIMEOUT,
        axum::body::to_bytes(request.into_body(), MAX_RPC_BODY),
    );
    let body: Bytes = match body.await {
        Ok(Ok(body)) => body,
        Ok(Err(e)) => {
            let message = format!("the request body could not be read (at most {MAX_RPC_BODY} bytes): {e}");
            return api_error_response(ApiError::new(ApiErrorKind::BadRequest, message));
        }
        Err(_) => {
            let message = format!("the request body did not arrive within {:?}", crate::http::HEADER_TIMEOUT);
            return api_error_response(ApiError::new(ApiErrorKind::BadRequest, message));
        }
    };
    let request: Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return api_error_response(e.into()),
    };
    match state.core.handle(request).await {
        Ok(response) => Json(response).into_response(),
        Err(e) => api_error_response(e),
    }
}

async fn events(State(state): State<AppState>) -> impl IntoResponse {
    let mut shutdown = state.shutdown.clone();
    let stream = BroadcastStream::new(state.core.events())
        // A client that fell behind misses the oldest events; the next progress
        // event brings it up to date, so skipping is safe.
        .filter_map(|event| async move { event.ok() })
        .map(|event| {
            sse::Event::default().json_data(&event).map_err(|e| -> Infallible { unreachable_json(e) })
        })
        .take_until(async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        });
    sse::Sse::new(stream).keep_alive(sse::KeepAlive::default())
}

/// `Event` is plain data; serializing it to JSON has no failure path.
fn unreachable_json(e: axum::Error) -> Infallible {
    panic!("an Event failed to serialize: {e}")
}

async fn require_token(State(state): State<AppState>, request: HttpRequest, next: Next) -> HttpResponse {
    let from_header = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    // Only the event stream reads it from the URL (`EventSource` cannot set a header).
    let event_stream = request.method() == axum::http::Method::GET && request.uri().path() == "/events";
    let from_query = event_stream
        .then(|| request.uri().query().and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("token="))))
        .flatten();
    let given = from_header.or(from_query).unwrap_or("");
    if !constant_time_eq(given.as_bytes(), state.token.as_bytes()) {
        return api_error_response(ApiError::new(
            ApiErrorKind::Unauthorized,
            "missing or wrong API token; open the login URL that `bidswarm-cli serve` printed",
        ));
    }
    next.run(request).await
}

async fn check_host_and_origin(
    State(state): State<AppState>,
    request: HttpRequest,
    next: Next,
) -> HttpResponse {
    if let Err(e) = host_and_origin_allowed(request.headers(), state.allowed_hosts.as_deref()) {
        return api_error_response(e);
    }
    next.run(request).await
}

fn host_and_origin_allowed(headers: &HeaderMap, allowed: Option<&[String]>) -> Result<(), ApiError> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let forbidden = |what: String| ApiError::new(ApiErrorKind::Forbidden, what);
    if let Some(allowed) = allowed {
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(host)) {
            return Err(forbidden(format!(
                "Host \"{host}\" is not this server; open it by its address ({})",
                allowed.first().map(String::as_str).unwrap_or("")
            )));
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        let origin_host = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
        if !origin_host.is_some_and(|o| o.eq_ignore_ascii_case(host)) {
            return Err(forbidden(format!("requests from {origin} are not allowed")));
        }
    }
    Ok(())
}

/// On loopback only the bound address and its loopback names are valid Hosts. Bound to
/// anything else, the user exposed the server on purpose and any name may reach it.
fn allowed_hosts(bound: SocketAddr) -> Option<Vec<String>> {
    if !bound.ip().is_loopback() {
        return None;
    }
    let port = bound.port();
    Some(vec![
        bound.to_string(),
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ])
}

fn api_error_response(e: ApiError) -> HttpResponse {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(e)).into_response()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token is made once, on first start, and kept readable by the user only.
async fn load_or_create_token(path: &Path) -> anyhow::Result<String> {
    if let Ok(existing) = tokio::fs::read_to_string(path).await {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(existing.to_owned());
        }
    }
    let dir = path.parent().context("token path has no folder")?;
    tokio::fs::create_dir_all(dir).await.with_context(|| format!("cannot create {}", dir.display()))?;
    let token: String = (0..32).map(|_| format!("{:02x}", rand::random::<u8>())).collect();
    write_private(path, token.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(token)
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(host: &str, origin: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        h
    }

    #[test]
    fn loopback_server_refuses_foreign_hosts_and_origins() {
        let allowed = allowed_hosts("127.0.0.1:7357".parse().unwrap()).unwrap();
        assert!(host_and_origin_allowed(&headers("127.0.0.1:7357", None), Some(&allowed)).is_ok());
        assert!(host_and_origin_allowed(
            &headers("localhost:7357", Some("http://localhost:7357")),
            Some(&allowed)
        )
        .is_ok());
        let rebinding =
            host_and_origin_allowed(&headers("evil.example:7357", None), Some(&allowed)).unwrap_err();
        assert_eq!(rebinding.kind, ApiErrorKind::Forbidden);
        let cross_site =
            host_and_origin_allowed(&headers("127.0.0.1:7357", Some("http://evil.example")), Some(&allowed))
                .unwrap_err();
        assert_eq!(cross_site.kind, ApiErrorKind::Forbidden);
    }

    #[test]
    fn exposed_server_accepts_any_host_but_still_checks_origin() {
        assert_eq!(allowed_hosts("0.0.0.0:7357".parse().unwrap()), None);
        assert!(host_and_origin_allowed(&headers("seedbox.lan:7357", None), None).is_ok());
        assert!(
            host_and_origin_allowed(&headers("seedbox.lan:7357", Some("http://other.lan")), None).is_err()
        );
    }

    #[test]
    fn token_comparison_needs_every_byte() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
