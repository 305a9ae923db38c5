//! How a remote peer's bytes travel: TCP, or uTP (BEP 29) on a UDP socket at the same
//! port, through the `librqbit-utp` crate. Everything above this module sees one stream
//! either way; the relay splits it into halves.

use std::{
    net::SocketAddr,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use librqbit_utp::{UtpSocketUdp, UtpStream, UtpStreamReadHalf, UtpStreamWriteHalf};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{
        tcp::{OwnedReadHalf, OwnedWriteHalf},
        TcpStream,
    },
};

/// Which transport a connection uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Utp,
}

/// A connection to a remote peer.
pub enum PeerStream {
    Tcp(TcpStream),
    Utp(UtpStream),
}

pub(crate) enum ReadHalf {
    Tcp(OwnedReadHalf),
    Utp(UtpStreamReadHalf),
}

pub(crate) enum WriteHalf {
    Tcp(OwnedWriteHalf),
    Utp(UtpStreamWriteHalf),
}

/// How long an outgoing connection tries TCP alone before uTP joins the race, as librqbit
/// does: TCP is simpler and cheaper where both work.
pub const TCP_HEAD_START: Duration = Duration::from_secs(1);

/// How long a uTP attempt may take once TCP has failed, or closed our encryption handshake
/// unanswered. librqbit-utp sends one SYN and waits, so without this bound a peer with
/// nothing on UDP would cost the whole connect timeout; a peer on uTP answers within a
/// round trip. (Most peers that close MSE unanswered simply do not speak it, and are
/// dialed again in plaintext this much later.)
pub const UTP_FALLBACK_WAIT: Duration = Duration::from_secs(3);

impl PeerStream {
    pub fn transport(&self) -> Transport {
        match self {
            Self::Tcp(_) => Transport::Tcp,
            Self::Utp(_) => Transport::Utp,
        }
    }

    pub(crate) fn into_split(self) -> (ReadHalf, WriteHalf) {
        match self {
            Self::Tcp(s) => {
                let (r, w) = s.into_split();
                (ReadHalf::Tcp(r), WriteHalf::Tcp(w))
            }
            Self::Utp(s) => {
                let (r, w) = s.split();
                (ReadHalf::Utp(r), WriteHalf::Utp(w))
            }
        }
    }

    /// Connects to `remote` over TCP, and over uTP too when `utp` is given and TCP has not
    /// connected within [`TCP_HEAD_START`] or has failed; the first to connect wins. Once
    /// TCP has failed, uTP gets [`UTP_FALLBACK_WAIT`]. The error is TCP's when both fail
    /// (the one a caller can act on).
    pub async fn connect(remote: SocketAddr, utp: Option<&Arc<UtpSocketUdp>>) -> std::io::Result<Self> {
        let tcp = async {
            let stream = TcpStream::connect(remote).await?;
            stream.set_nodelay(true)?;
            Ok::<_, std::io::Error>(stream)
        };
        let Some(utp) = utp else { return tcp.await.map(Self::Tcp) };
        tokio::pin!(tcp);
        let tcp_error = tokio::select! {
            result = &mut tcp => match result {
                Ok(stream) => return Ok(Self::Tcp(stream)),
                Err(e) => Some(e),
            },
            _ = tokio::time::sleep(TCP_HEAD_START) => None,
        };
        let utp = async {
            match tokio::time::timeout(UTP_FALLBACK_WAIT, utp.connect(remote)).await {
                Ok(connected) => connected.map_err(std::io::Error::other),
                Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
            }
        };
        match tcp_error {
            Some(tcp_error) => utp.await.map(Self::Utp).map_err(|_| tcp_error),
            None => {
                tokio::pin!(utp);
                tokio::select! {
                    result = &mut tcp => match result {
                        Ok(stream) => Ok(Self::Tcp(stream)),
                        Err(tcp_error) => utp.await.map(Self::Utp).map_err(|_| tcp_error),
                    },
                    result = &mut utp => match result {
                        Ok(stream) => Ok(Self::Utp(stream)),
                        Err(_) => tcp.await.map(Self::Tcp),
                    },
                }
            }
        }
    }
}

impl std::fmt::Debug for PeerStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PeerStream::{:?}", self.transport())
    }
}

/// Delegates each I/O call to whichever transport `$self` holds.
macro_rules! either {
    ($self:expr, $s:ident => $call:expr) => {
        match $self.get_mut() {
            Self::Tcp($s) => $call,
            Self::Utp($s) => $call,
        }
    };
}

macro_rules! impl_read {
    ($t:ty) => {
        impl AsyncRead for $t {
            fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
                either!(self, s => Pin::new(s).poll_read(cx, buf))
            }
        }
    };
}

macro_rules! impl_write {
    ($t:ty) => {
        impl AsyncWrite for $t {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
                either!(self, s => Pin::new(s).poll_write(cx, buf))
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
                either!(self, s => Pin::new(s).poll_flush(cx))
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
                either!(self, s => Pin::new(s).poll_shutdown(cx))
            }
        }
    };
}

impl_read!(PeerStream);
impl_read!(ReadHalf);
impl_write!(PeerStream);
impl_write!(WriteHalf);
