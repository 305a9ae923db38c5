//! How `serve` takes HTTP connections, so a client that opens many, or sends its request
//! a byte at a time, cannot shut out the owner's browser:
//!
//! - at most [`MAX_CONNECTIONS`] open at once; one more is closed as soon as it is
//!   accepted;
//! - a request's head must arrive within [`HEADER_TIMEOUT`], and so must the next one on a
//!   kept-alive connection, so a connection that goes quiet is closed;
//! - an accept error (out of file descriptors) pauses the loop instead of spinning;
//! - on shutdown, open requests get [`SHUTDOWN_GRACE`] to finish.
//!
//! axum's own `serve` sets none of these limits, so connections are served here with
//! hyper's HTTP/1 builder (the browser speaks HTTP/1.1 to a plain-HTTP server). Not
//! hyper-util's auto builder: it waits for the first bytes, to tell HTTP/1 from HTTP/2,
//! before any timeout runs, so a connection that sends nothing would stay open.

use std::{sync::Arc, time::Duration};

use axum::{body::Body, extract::Request, Router};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::ServiceExt as _;
use tracing::{debug, warn};

/// Connections open at once. The web UI needs two or three (the event stream and a few
/// requests); a script, a handful more.
pub const MAX_CONNECTIONS: usize = 64;
/// Time for a request's head to arrive, and for the next one on an idle connection.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long open requests may finish after a shutdown was asked for.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(listener: TcpListener, app: Router, shutdown: impl std::future::Future<Output = ()>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
    let mut pause = Duration::ZERO;
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => {
                    pause = Duration::ZERO;
                    accepted
                }
                Err(e) => {
                    if pause.is_zero() {
                        warn!("cannot accept HTTP connections ({e}); pausing");
                    }
                    pause = (pause * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
                    tokio::time::sleep(pause).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            debug!(%remote, "closed: {MAX_CONNECTIONS} HTTP connections are open");
            continue;
        };
        let service = TowerToHyperService::new(
            app.clone().map_request(|request: Request<Incoming>| request.map(Body::new)),
        );
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                debug!(%remote, "HTTP connection ended: {e}");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        debug!("open HTTP requests did not finish within {SHUTDOWN_GRACE:?}");
    }
}
