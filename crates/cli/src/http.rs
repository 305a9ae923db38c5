//! How `serve` takes HTTP connections, so a client that opens many, or sends its request
//! a byte at a time, cannot shut out the owner's browser:
//!
//! - at most [`MAX_CONNECTIONS`] open at once; one more is closed as soon as it is
//!   accepted;
//! - a request's head must arrive within [`HEADER_TIMEOUT`], and so must the next one on a
//!   kept-alive connection, so a connection that goes quiet is closed;
//! - an accept error (out of file descriptors) pauses the loop instead of spinning
//!   ([`AcceptBackoff`]), and a shutdown does not wait for the pause;
//! - on shutdown, open requests get [`SHUTDOWN_GRACE`] to finish;
//! - with a certificate and key ([`tls_acceptor`]), every connection is TLS, and its
//!   handshake must finish within [`HEADER_TIMEOUT`] too.
//!
//! axum's own `serve` sets none of these limits, so connections are served here with
//! hyper's HTTP/1 builder (the browser speaks HTTP/1.1 to a plain-HTTP server). Not
//! hyper-util's auto builder: it waits for the first bytes, to tell HTTP/1 from HTTP/2,
//! before any timeout runs, so a connection that sends nothing would stay open.

use std::{path::Path, sync::Arc, time::Duration};

use anyhow::Context as _;

use axum::{body::Body, extract::Request, Router};
use bidswarm_gateway::AcceptBackoff;
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpListener,
    sync::Semaphore,
};
use tokio_rustls::{
    rustls::{
        pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer},
        ServerConfig,
    },
    TlsAcceptor,
};
use tower::ServiceExt as _;
use tracing::debug;

/// Connections open at once. The web UI needs two or three (the event stream and a few
/// requests); a script, a handful more.
pub const MAX_CONNECTIONS: usize = 64;
/// Time for a request's head to arrive, and for the next one on an idle connection.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long open requests may finish after a shutdown was asked for.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A TLS server config from a PEM certificate chain and a PEM private key (PKCS#8, PKCS#1
/// or SEC1). The errors name the files, never their contents.
pub fn tls_acceptor(cert: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| anyhow::anyhow!("cannot read a PEM certificate chain from {}: {e}", cert.display()))?;
    anyhow::ensure!(!chain.is_empty(), "{} holds no certificate", cert.display());
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| anyhow::anyhow!("cannot read a PEM private key from {}: {e}", key.display()))?;
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the certificate and the key do not make a TLS server")?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// What a connection is read and written through: the TCP stream, or TLS over it.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Serves `app` on `listener`, over TLS with `tls`, until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
    let mut backoff = AcceptBackoff::default();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = backoff.accept(&listener) => accepted,
            () = &mut shutdown => break,
        };
        let Some((stream, remote)) = accepted else { continue };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            debug!(%remote, "closed: {MAX_CONNECTIONS} HTTP connections are open");
            continue;
        };
        let service = TowerToHyperService::new(
            app.clone().map_request(|request: Request<Incoming>| request.map(Body::new)),
        );
        let (builder, tls, watcher) = (builder.clone(), tls.clone(), graceful.watcher());
        tokio::spawn(async move {
            let io: Box<dyn Io> = match tls {
                None => Box::new(stream),
                Some(tls) => match tokio::time::timeout(HEADER_TIMEOUT, tls.accept(stream)).await {
                    Ok(Ok(stream)) => Box::new(stream),
                    Ok(Err(e)) => return debug!(%remote, "TLS handshake failed: {e}"),
                    Err(_) => return debug!(%remote, "no TLS handshake within {HEADER_TIMEOUT:?}"),
                },
            };
            if let Err(e) = watcher.watch(builder.serve_connection(TokioIo::new(io), service)).await {
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
