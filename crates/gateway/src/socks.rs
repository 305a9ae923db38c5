//! The SOCKS5 CONNECT endpoint librqbit dials out through (RFC 1928). Only what librqbit
//! uses is served: CONNECT to an IPv4, IPv6 or domain target, after the user name and
//! password (RFC 1929) that only our engine was given.
//!
//! The endpoint listens on loopback, so without a password every local user could dial
//! out through it, and whatever it said would count as our engine speaking (its HAVEs as
//! pieces librqbit verified). [`Credentials`] are fresh random ones each start, handed to
//! librqbit in its proxy URL; a client without them is refused before it names a target.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use librqbit_utp::UtpSocketUdp;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::{Error, PeerStream, Result};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client has to authenticate and name its target.
const NEGOTIATE_WITHIN: Duration = Duration::from_secs(10);

/// The SOCKS user name and password (RFC 1929) our engine dials out with: 128 random bits
/// each, made at start and never written anywhere but librqbit's proxy URL.
#[derive(Clone)]
pub(crate) struct Credentials {
    user: String,
    pass: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(redacted)")
    }
}

impl Credentials {
    pub(crate) fn random() -> Result<Self> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| Error::Socks(format!("no randomness for the proxy's password: {e}")))?;
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        Ok(Self { user: hex(&bytes[..16]), pass: hex(&bytes[16..]) })
    }

    /// `user:pass`, for a `socks5://user:pass@host:port` URL (hex needs no escaping).
    pub(crate) fn userinfo(&self) -> String {
        format!("{}:{}", self.user, self.pass)
    }

    fn matches(&self, user: &[u8], pass: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        (self.user.as_bytes().ct_eq(user) & self.pass.as_bytes().ct_eq(pass)).into()
    }
}

/// Where the client asked to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Addr(SocketAddr),
    Domain(String, u16),
}

/// Reads the greeting, checks the client's user name and password, reads the CONNECT
/// request, dials the target and answers. Returns the connected stream to the target: an
/// address over TCP or, through `utp` where TCP does not answer, over uTP; a domain name
/// (trackers, web seeds) over TCP only.
/// Addresses `blocked` approves are refused with "not allowed by ruleset", before dialing
/// when the target is an address.
pub(crate) async fn accept(
    client: &mut TcpStream,
    credentials: &Credentials,
    utp: Option<&Arc<UtpSocketUdp>>,
    blocked: impl Fn(IpAddr) -> bool,
) -> Result<(PeerStream, SocketAddr)> {
    let target = match tokio::time::timeout(NEGOTIATE_WITHIN, negotiate(client, credentials)).await {
        Ok(target) => target?,
        Err(_) => return Err(Error::Socks(format!("no request within {NEGOTIATE_WITHIN:?}"))),
    };
    const NOT_ALLOWED: u8 = 2;
    if matches!(target, Target::Addr(addr) if blocked(addr.ip())) {
        let _ = client.write_all(&reply_bytes(NOT_ALLOWED, None)).await;
        return Err(Error::Blocked);
    }
    match tokio::time::timeout(CONNECT_TIMEOUT, dial(&target, utp)).await {
        Ok(Ok((stream, peer, bound))) => {
            if blocked(peer.ip()) {
                let _ = client.write_all(&reply_bytes(NOT_ALLOWED, None)).await;
                return Err(Error::Blocked);
            }
            client.write_all(&reply_bytes(0, bound)).await?;
            Ok((stream, peer))
        }
        Ok(Err(e)) => {
            let code = match e.kind() {
                std::io::ErrorKind::ConnectionRefused => 5,
                _ => 4,
            };
            let _ = client.write_all(&reply_bytes(code, None)).await;
            Err(Error::Io(e))
        }
        Err(_) => {
            let _ = client.write_all(&reply_bytes(4, None)).await;
            Err(Error::Socks(format!("no connection to {target:?} within {CONNECT_TIMEOUT:?}")))
        }
    }
}

/// The greeting, the password check and the request: the target the client named.
async fn negotiate(client: &mut TcpStream, credentials: &Credentials) -> Result<Target> {
    const USER_PASSWORD: u8 = 2;
    let mut head = [0u8; 2];
    client.read_exact(&mut head).await?;
    if head[0] != 5 {
        return Err(Error::Socks(format!("version {} is not SOCKS5", head[0])));
    }
    let mut methods = vec![0u8; head[1] as usize];
    client.read_exact(&mut methods).await?;
    if !methods.contains(&USER_PASSWORD) {
        client.write_all(&[5, 0xff]).await?;
        return Err(Error::Socks("the client offers no user name and password: not our engine".into()));
    }
    client.write_all(&[5, USER_PASSWORD]).await?;
    // RFC 1929: version 1, the user name and the password, each after its length.
    let version = client.read_u8().await?;
    let mut user = vec![0u8; usize::from(client.read_u8().await?)];
    client.read_exact(&mut user).await?;
    let mut pass = vec![0u8; usize::from(client.read_u8().await?)];
    client.read_exact(&mut pass).await?;
    if version != 1 || !credentials.matches(&user, &pass) {
        let _ = client.write_all(&[1, 1]).await;
        return Err(Error::Socks("wrong proxy user name or password: not our engine".into()));
    }
    client.write_all(&[1, 0]).await?;
    match read_request(client).await {
        Ok(t) => Ok(t),
        Err((reply, e)) => {
            let _ = client.write_all(&reply_bytes(reply, None)).await;
            Err(e)
        }
    }
}

async fn read_request(client: &mut TcpStream) -> std::result::Result<Target, (u8, Error)> {
    let io = |e: std::io::Error| (1, Error::Io(e));
    let mut req = [0u8; 4];
    client.read_exact(&mut req).await.map_err(io)?;
    if req[1] != 1 {
        return Err((7, Error::Socks(format!("command {} is not CONNECT", req[1]))));
    }
    let target = match req[3] {
        1 => {
            let mut b = [0u8; 6];
            client.read_exact(&mut b).await.map_err(io)?;
            let ip = Ipv4Addr::new(b[0], b[1], b[2], b[3]);
            Target::Addr(SocketAddr::new(IpAddr::V4(ip), u16::from_be_bytes([b[4], b[5]])))
        }
        4 => {
            let mut b = [0u8; 18];
            client.read_exact(&mut b).await.map_err(io)?;
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&b[..16]);
            let port = u16::from_be_bytes([b[16], b[17]]);
            Target::Addr(SocketAddr::new(IpAddr::V6(Ipv6Addr::from(octets)), port))
        }
        3 => {
            let len = client.read_u8().await.map_err(io)? as usize;
            let mut name = vec![0u8; len + 2];
            client.read_exact(&mut name).await.map_err(io)?;
            let port = u16::from_be_bytes([name[len], name[len + 1]]);
            name.truncate(len);
            let name = String::from_utf8(name)
                .map_err(|_| (1, Error::Socks("a domain name that is not UTF-8".into())))?;
            Target::Domain(name, port)
        }
        other => return Err((8, Error::Socks(format!("address type {other} is not supported")))),
    };
    Ok(target)
}

/// The connection, the peer's address and our end's (for the reply; none over uTP).
async fn dial(
    target: &Target,
    utp: Option<&Arc<UtpSocketUdp>>,
) -> std::io::Result<(PeerStream, SocketAddr, Option<SocketAddr>)> {
    let stream = match target {
        Target::Addr(addr) => PeerStream::connect(*addr, utp).await?,
        Target::Domain(name, port) => {
            let stream = TcpStream::connect((name.as_str(), *port)).await?;
            stream.set_nodelay(true)?;
            PeerStream::Tcp(stream)
        }
    };
    Ok(match &stream {
        PeerStream::Tcp(tcp) => {
            let (peer, bound) = (tcp.peer_addr()?, tcp.local_addr().ok());
            (stream, peer, bound)
        }
        PeerStream::Utp(utp) => {
            let peer = utp.remote_addr();
            (stream, peer, None)
        }
    })
}

fn reply_bytes(code: u8, bound: Option<SocketAddr>) -> Vec<u8> {
    let mut out = vec![5, code, 0];
    match bound {
        Some(SocketAddr::V6(v6)) => {
            out.push(4);
            out.extend_from_slice(&v6.ip().octets());
            out.extend_from_slice(&v6.port().to_be_bytes());
        }
        Some(SocketAddr::V4(v4)) => {
            out.push(1);
            out.extend_from_slice(&v4.ip().octets());
            out.extend_from_slice(&v4.port().to_be_bytes());
        }
        None => out.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0]),
    }
    out
}
