//! How `serve` takes HTTP connections, so a client that opens many, or sends its request
//! a byte at a time, cannot shut out the owner's browser:
//!
//! - at most [`MAX_CONNECTIONS`] open at once, and [`MAX_PER_IP`] from one address other
//!   than this machine's own (`127.0.0.1`, `::1`); one more is closed as soon as it is
//!   accepted;
//! - a request's head must arrive within [`HEADER_TIMEOUT`], and so must the next one on a
//!   kept-alive connection, so a connection that goes quiet is closed; `/rpc` gives the
//!   whole body the same time (`serve::rpc`), so a body sent a byte at a time is cut off;
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

use std::{
    collections::HashMap,
    net::IpAddr,
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

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
/// Connections open at once from one address beyond this machine, so one remote client
/// cannot take every slot. This machine's own address is exempt: every local client (the
/// owner's browser too) shares it, so a cap on it would shut the owner out as soon as
/// anything else would.
pub const MAX_PER_IP: usize = 16;
/// Time for a request's head to arrive, for the next one on an idle connection, and for
/// an `/rpc` request's whole body.
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

/// Connections open per remote address ([`MAX_PER_IP`]).
#[derive(Debug, Clone, Default)]
struct PerIp(Arc<Mutex<HashMap<IpAddr, usize>>>);

/// One connection counted in [`PerIp`]; uncounted when dropped.
struct IpSlot(PerIp, IpAddr);

impl PerIp {
    /// A slot for one more connection from `ip`, unless it has [`MAX_PER_IP`] open;
    /// `Some(None)` for this machine's own address, which is not counted.
    fn take(&self, ip: IpAddr) -> Option<Option<IpSlot>> {
        let ip = ip.to_canonical();
        if ip == IpAddr::from([127, 0, 0, 1]) || ip == IpAddr::from(std::net::Ipv6Addr::LOCALHOST) {
            return Some(None);
        }
        let mut open = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(ip).or_default();
        if *count >= MAX_PER_IP {
            return None;
        }
        *count += 1;
        Some(Some(IpSlot(self.clone(), ip)))
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut open = self.0 .0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.1) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.1);
            }
        }
    }
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
    let per_ip = PerIp::default();
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
        let Some(ip_slot) = per_ip.take(remote.ip()) else {
            debug!(%remote, "closed: {MAX_PER_IP} HTTP connections from this address are open");
            continue;
        };
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
            drop((slot, ip_slot));
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        debug!("open HTTP requests did not finish within {SHUTDOWN_GRACE:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_remote_address_gets_at_most_its_share_and_this_machine_is_not_counted() {
        let per_ip = PerIp::default();
        let remote: IpAddr = "203.0.113.7".parse().unwrap();
        let mut held: Vec<IpSlot> = (0..MAX_PER_IP).map(|_| per_ip.take(remote).flatten().unwrap()).collect();
        assert!(per_ip.take(remote).is_none(), "one more from the same address is refused");
        assert!(per_ip.take("203.0.113.8".parse().unwrap()).is_some(), "another address is not");
        held.pop();
        assert!(per_ip.take(remote).is_some(), "a closed connection frees its slot");
        drop(held);
        for own in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            let own: IpAddr = own.parse().unwrap();
            let local: Vec<_> = (0..MAX_PER_IP * 2).map(|_| per_ip.take(own)).collect();
            assert!(local.iter().all(|s| matches!(s, Some(None))), "{own} is not counted");
        }
        assert!(per_ip.0.lock().unwrap().is_empty(), "every count fell back to nothing");
    }
}
