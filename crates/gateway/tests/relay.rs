//! The gateway between a stand-in engine and a stand-in remote peer, both real sockets on
//! 127.0.0.1, so each rewrite can be checked byte for byte.

#![allow(clippy::unwrap_used)] // a test: a failure here should panic

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use bidswarm_gateway::{
    Blocklist, ChokerConfig, ConnectionLimits, Encryption, Gateway, GatewayConfig, PeerLink, Policy, Reached,
    RechokeSignal, SpeedHandler, Transport,
};
use bidswarm_peerwire::{
    encode, BlockRef, Decoder, ExtendedHandshake, Handshake, Message, Pex, BT_SPEED, UT_PEX,
};
use bytes::{Bytes, BytesMut};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

const DEADLINE: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Recorder(Mutex<Vec<(SocketAddr, Bytes)>>);

impl SpeedHandler for Recorder {
    fn on_message(&self, link: &Arc<PeerLink>, payload: Bytes) {
        self.0.lock().unwrap().push((link.remote(), payload));
    }
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn handshake_bytes(peer_id: u8) -> BytesMut {
    let mut out = BytesMut::new();
    let mut reserved = [0u8; 8];
    reserved[5] = 0x10;
    Handshake { reserved, info_hash: [7; 20], peer_id: [peer_id; 20] }.encode(&mut out);
    out
}

fn frame(m: Message) -> BytesMut {
    let mut out = BytesMut::new();
    encode(&m, &mut out);
    out
}

/// Reads until one whole message (after any handshake already consumed) has arrived.
async fn next_message(stream: &mut TcpStream, buf: &mut BytesMut) -> Message {
    let decoder = Decoder::default();
    tokio::time::timeout(DEADLINE, async {
        loop {
            if let Some(m) = decoder.decode(buf).unwrap() {
                return m;
            }
            assert!(stream.read_buf(buf).await.unwrap() > 0, "closed while waiting for a message");
        }
    })
    .await
    .expect("a message within the deadline")
}

async fn read_handshake(stream: &mut TcpStream, buf: &mut BytesMut) -> Handshake {
    tokio::time::timeout(DEADLINE, async {
        loop {
            if let Some(h) = Handshake::parse(buf).unwrap() {
                let _ = buf.split_to(68);
                return h;
            }
            assert!(stream.read_buf(buf).await.unwrap() > 0);
        }
    })
    .await
    .unwrap()
}

async fn plain_gateway() -> Arc<Gateway> {
    let config = GatewayConfig::new(loopback(), loopback());
    Gateway::start(config, Policy::free()).await.unwrap()
}

/// The SOCKS endpoint's address and the user name and password in the gateway's proxy URL
/// (`socks5://user:pass@host:port`), as librqbit gets them.
fn socks_endpoint(gateway: &Gateway) -> (SocketAddr, String, String) {
    let url = gateway.socks_url();
    let (userinfo, addr) =
        url.trim_start_matches("socks5://").split_once('@').expect("credentials in the URL");
    let (user, pass) = userinfo.split_once(':').expect("user:pass");
    (addr.parse().unwrap(), user.to_owned(), pass.to_owned())
}

/// Greets the SOCKS endpoint offering `methods`, and when it picks user name and password,
/// sends `user` and `pass` (RFC 1929). Returns the stream, the method picked and the
/// password check's status (`None` when no check was asked for).
async fn socks_greet(
    socks: SocketAddr,
    methods: &[u8],
    user: &str,
    pass: &str,
) -> (TcpStream, u8, Option<u8>) {
    let mut client = TcpStream::connect(socks).await.unwrap();
    let mut hello = vec![5, methods.len() as u8];
    hello.extend_from_slice(methods);
    client.write_all(&hello).await.unwrap();
    let mut reply = [0u8; 2];
    client.read_exact(&mut reply).await.unwrap();
    assert_eq!(reply[0], 5);
    if reply[1] != 2 {
        return (client, reply[1], None);
    }
    let mut auth = vec![1, user.len() as u8];
    auth.extend_from_slice(user.as_bytes());
    auth.push(pass.len() as u8);
    auth.extend_from_slice(pass.as_bytes());
    client.write_all(&auth).await.unwrap();
    let mut status = [0u8; 2];
    client.read_exact(&mut status).await.unwrap();
    (client, 2, Some(status[1]))
}

/// A SOCKS5 CONNECT request for an IPv4 `target`.
fn connect_request(target: SocketAddr) -> Vec<u8> {
    let SocketAddr::V4(v4) = target else { panic!("bound on IPv4") };
    let mut connect = vec![5, 1, 0, 1];
    connect.extend_from_slice(&v4.ip().octets());
    connect.extend_from_slice(&v4.port().to_be_bytes());
    connect
}

/// A SOCKS5 client that has given the engine's user name and password and had them
/// accepted.
async fn socks_client(gateway: &Gateway) -> TcpStream {
    let (socks, user, pass) = socks_endpoint(gateway);
    let (client, method, status) = socks_greet(socks, &[0, 2], &user, &pass).await;
    assert_eq!((method, status), (2, Some(0)), "the engine's credentials are taken");
    client
}

/// The SOCKS endpoint is ours alone: another local program, offering no password, the
/// wrong one, or the right user name with another password, is refused before it can name
/// a target, and nothing is dialed for it.
#[tokio::test]
async fn the_socks_endpoint_refuses_a_client_without_the_engines_password() {
    let target = TcpListener::bind(loopback()).await.unwrap();
    let gateway = plain_gateway().await;
    let (socks, user, pass) = socks_endpoint(&gateway);
    assert!(user.len() >= 32 && pass.len() >= 32, "128 random bits each");
    let (_, method, _) = socks_greet(socks, &[0], "", "").await;
    assert_eq!(method, 0xff, "no acceptable method without a password");
    let wrong_pass = "0".repeat(pass.len());
    let cases = [
        ("a guess", "bidswarm", "bidswarm"),
        ("the user name, another password", user.as_str(), wrong_pass.as_str()),
    ];
    for (what, u, p) in cases {
        let (mut client, method, status) = socks_greet(socks, &[0, 2], u, p).await;
        assert_eq!((method, status), (2, Some(1)), "{what}: refused");
        // Whatever it sends next, the endpoint has closed on it.
        let _ = client.write_all(&connect_request(target.local_addr().unwrap())).await;
        let mut rest = Vec::new();
        let read = tokio::time::timeout(DEADLINE, client.read_to_end(&mut rest)).await;
        assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "{what}: closed, not answered: {rest:?}");
    }
    let dialed = tokio::time::timeout(Duration::from_millis(200), target.accept()).await;
    assert!(dialed.is_err(), "nothing was dialed for a refused client");
    // Another gateway makes another password.
    let other = plain_gateway().await;
    assert_ne!(socks_endpoint(&other).2, pass);
}

#[tokio::test]
async fn an_incoming_peer_is_relayed_with_rewrites_in_both_directions() {
    let engine_listener = TcpListener::bind(loopback()).await.unwrap();
    let speed = Arc::new(Recorder::default());
    let policy = Policy { speed: speed.clone(), ..Policy::free() };
    let gateway = Gateway::start(GatewayConfig::new(loopback(), loopback()), policy).await.unwrap();
    gateway.set_engine(engine_listener.local_addr().unwrap());

    // The remote peer connects and says hello, offering ut_pex and bt_speed.
    // From 127.0.0.2, so its real address differs from the 127.0.0.1 librqbit assumes.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let mut remote = socket.connect(gateway.public_addr()).await.unwrap();
    remote.write_all(&handshake_bytes(1)).await.unwrap();
    let remote_ext = b"d1:md8:bt_speedi9e6:ut_pexi5ee1:v10:Remote 1.0e";
    remote
        .write_all(&frame(Message::Extended { id: 0, payload: Bytes::from_static(remote_ext) }))
        .await
        .unwrap();

    // The engine gets the handshake and the remote's extended handshake untouched.
    let (mut engine, _) = tokio::time::timeout(DEADLINE, engine_listener.accept()).await.unwrap().unwrap();
    let mut engine_buf = BytesMut::new();
    assert_eq!(read_handshake(&mut engine, &mut engine_buf).await.peer_id, [1; 20]);
    let Message::Extended { id: 0, payload } = next_message(&mut engine, &mut engine_buf).await else {
        panic!("the remote's extended handshake comes first")
    };
    assert_eq!(&payload[..], remote_ext);

    // The engine answers like librqbit: its handshake, then an extended handshake that has
    // no bt_speed, no p, and would leak 127.0.0.1 as yourip.
    engine.write_all(&handshake_bytes(2)).await.unwrap();
    let librqbit_ext = b"d1:md11:ut_metadatai1e6:ut_pexi2ee1:v11:rqbit 9.1.06:yourip4:\x7f\x00\x00\x01e";
    engine
        .write_all(&frame(Message::Extended { id: 0, payload: Bytes::from_static(librqbit_ext) }))
        .await
        .unwrap();
    let mut remote_buf = BytesMut::new();
    assert_eq!(read_handshake(&mut remote, &mut remote_buf).await.peer_id, [2; 20]);
    let Message::Extended { id: 0, payload } = next_message(&mut remote, &mut remote_buf).await else {
        panic!("the engine's extended handshake comes first")
    };
    let seen = ExtendedHandshake::parse(&payload).unwrap();
    let ours = seen.extension_id(BT_SPEED).expect("bt_speed is advertised");
    assert!(ours != 1 && ours != 2, "bt_speed must not clash with librqbit's ids");
    assert_eq!(seen.extension_id(UT_PEX), Some(2));
    assert_eq!(seen.listen_port(), Some(gateway.public_addr().port()));
    let text = String::from_utf8_lossy(&payload).into_owned();
    assert!(text.contains("6:yourip4:\x7f\x00\x00\x02"), "yourip is the remote's real address: {text:?}");

    // Choking is the gateway's: librqbit's own unchoke is dropped, a request from the
    // still-choked peer never reaches librqbit, and interest earns the free slot.
    engine.write_all(&frame(Message::Unchoke)).await.unwrap();
    let request = bidswarm_peerwire::BlockRef { index: 0, begin: 0, length: 16384 };
    remote.write_all(&frame(Message::Request(request))).await.unwrap();
    remote.write_all(&frame(Message::Interested)).await.unwrap();
    assert_eq!(
        next_message(&mut engine, &mut engine_buf).await,
        Message::Interested,
        "the request was dropped"
    );
    assert_eq!(next_message(&mut remote, &mut remote_buf).await, Message::Unchoke);

    // librqbit's PEX (sent with the remote's ut_pex id 5) loses its loopback addresses.
    let pex = Pex {
        added: vec!["127.0.0.1:40000".parse().unwrap(), "198.51.100.7:6881".parse().unwrap()],
        added_flags: vec![0, 2],
        dropped: vec!["127.0.0.1:40001".parse().unwrap()],
    };
    engine.write_all(&frame(Message::Extended { id: 5, payload: pex.encode() })).await.unwrap();
    // A PEX message with only loopback addresses is not sent at all.
    let only_loopback =
        Pex { added: vec!["127.0.0.1:1".parse().unwrap()], added_flags: vec![0], dropped: vec![] };
    engine.write_all(&frame(Message::Extended { id: 5, payload: only_loopback.encode() })).await.unwrap();
    // A piece goes up, counted.
    engine
        .write_all(&frame(Message::Piece { index: 0, begin: 0, block: Bytes::from(vec![3u8; 16384]) }))
        .await
        .unwrap();

    let Message::Extended { id: 5, payload } = next_message(&mut remote, &mut remote_buf).await else {
        panic!("PEX arrives")
    };
    let got = Pex::parse(&payload).unwrap();
    assert_eq!(got.added, vec!["198.51.100.7:6881".parse::<SocketAddr>().unwrap()]);
    assert_eq!(got.added_flags, vec![2]);
    assert!(got.dropped.is_empty());
    let Message::Piece { block, .. } = next_message(&mut remote, &mut remote_buf).await else {
        panic!("the loopback-only PEX is dropped, so the piece is next")
    };
    assert_eq!(block.len(), 16384);

    // The remote's bt_speed message goes to the handler, never to the engine.
    remote
        .write_all(&frame(Message::Extended { id: ours, payload: Bytes::from_static(b"d1:t5:helloe") }))
        .await
        .unwrap();
    remote.write_all(&frame(Message::NotInterested)).await.unwrap();
    assert_eq!(next_message(&mut engine, &mut engine_buf).await, Message::NotInterested);
    let recorded = speed.0.lock().unwrap().clone();
    assert_eq!(recorded.len(), 1);
    assert_eq!(&recorded[0].1[..], b"d1:t5:helloe");
    assert_eq!(recorded[0].0, remote.local_addr().unwrap());

    let links = gateway.peers();
    assert_eq!(links.len(), 1);
    let link = links[0].snapshot();
    assert!(link.incoming);
    assert_eq!(link.uploaded_piece_bytes, 16384);
    assert!(link.bt_speed);
    assert_eq!(link.client.as_deref(), Some("Remote 1.0"));
}

/// Garbage is closed and never reaches the engine: at once with encryption disabled; with
/// it allowed, it could be the start of an MSE key, so it is answered with ours and closed
/// at the handshake timeout (or once past where the key exchange would have ended).
#[tokio::test]
async fn garbage_on_the_public_port_is_closed_and_never_reaches_the_engine() {
    for encryption in [Encryption::Disable, Encryption::Prefer] {
        let config = GatewayConfig {
            encryption,
            handshake_timeout: Duration::from_secs(2),
            ..GatewayConfig::new(loopback(), loopback())
        };
        let (gateway, engine_listener) = gateway_with_engine(config).await;
        let mut garbage = TcpStream::connect(gateway.public_addr()).await.unwrap();
        garbage.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(DEADLINE, garbage.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "the gateway closes a non-BitTorrent stream ({encryption:?})");
        if encryption == Encryption::Disable {
            assert!(rest.is_empty());
        }
        let accepted = tokio::time::timeout(Duration::from_millis(300), engine_listener.accept()).await;
        assert!(accepted.is_err(), "the engine never sees it ({encryption:?})");
    }
}

#[tokio::test]
async fn socks_passes_a_non_bittorrent_stream_through_untouched() {
    // A stand-in HTTP tracker that echoes what it gets.
    let tracker = TcpListener::bind(loopback()).await.unwrap();
    let tracker_addr = tracker.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut s, _) = tracker.accept().await.unwrap();
        let mut buf = vec![0u8; 64];
        let n = s.read(&mut buf).await.unwrap();
        s.write_all(&buf[..n]).await.unwrap();
    });
    let gateway = plain_gateway().await;
    let mut client = socks_client(&gateway).await;
    client.write_all(&connect_request(tracker_addr)).await.unwrap();
    let mut answer = [0u8; 10];
    client.read_exact(&mut answer).await.unwrap();
    assert_eq!(answer[1], 0, "CONNECT succeeded");
    client.write_all(b"GET /announce?x HTTP/1.0\r\n\r\n").await.unwrap();
    let mut echoed = vec![0u8; 28];
    tokio::time::timeout(DEADLINE, client.read_exact(&mut echoed)).await.unwrap().unwrap();
    assert_eq!(&echoed, b"GET /announce?x HTTP/1.0\r\n\r\n");
}

#[tokio::test]
async fn socks_refuses_other_commands() {
    let gateway = plain_gateway().await;
    let mut client = socks_client(&gateway).await;
    // BIND (2) is not served.
    client.write_all(&[5, 2, 0, 1, 127, 0, 0, 1, 0, 80]).await.unwrap();
    let mut answer = [0u8; 10];
    client.read_exact(&mut answer).await.unwrap();
    assert_eq!(answer[1], 7, "command not supported");
}

/// A gateway on loopback with a stand-in engine listening behind it.
async fn gateway_with_engine(config: GatewayConfig) -> (Arc<Gateway>, TcpListener) {
    gateway_with_engine_and_speed(config, Arc::new(bidswarm_gateway::IgnoreSpeed)).await
}

async fn gateway_with_engine_and_speed(
    config: GatewayConfig,
    speed: Arc<dyn SpeedHandler>,
) -> (Arc<Gateway>, TcpListener) {
    let engine_listener = TcpListener::bind(loopback()).await.unwrap();
    let gateway = Gateway::start(config, Policy { speed, ..Policy::free() }).await.unwrap();
    gateway.set_engine(engine_listener.local_addr().unwrap());
    (gateway, engine_listener)
}

/// Reads until the gateway closes the connection; fails if it stays open past `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) {
    let mut sink = vec![0u8; 64 * 1024];
    let closed = tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the gateway kept a hostile connection open");
}

#[tokio::test]
async fn a_handshake_trickled_a_byte_at_a_time_is_cut_off_at_the_timeout() {
    let (gateway, _engine) = gateway_with_engine(GatewayConfig {
        handshake_timeout: Duration::from_secs(1),
        ..GatewayConfig::new(loopback(), loopback())
    })
    .await;
    let mut slow = TcpStream::connect(gateway.public_addr()).await.unwrap();
    let handshake = handshake_bytes(3);
    let trickle = async {
        for byte in handshake.iter() {
            if slow.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    // 68 bytes at 5 per second would take 14 s; the gateway gives up after 1 s.
    let _ = tokio::time::timeout(Duration::from_secs(5), trickle).await;
    closed_within(&mut slow, DEADLINE).await;
    assert!(gateway.peers().is_empty());
}

#[tokio::test]
async fn a_4_gib_length_prefix_closes_the_connection_without_buffering() {
    let (gateway, engine_listener) = gateway_with_engine(GatewayConfig {
        handshake_timeout: Duration::from_secs(5),
        ..GatewayConfig::new(loopback(), loopback())
    })
    .await;
    let mut hostile = TcpStream::connect(gateway.public_addr()).await.unwrap();
    hostile.write_all(&handshake_bytes(4)).await.unwrap();
    hostile.write_all(&[0xff, 0xff, 0xff, 0xff, 7, 0, 0]).await.unwrap();
    closed_within(&mut hostile, DEADLINE).await;
    // The engine saw the handshake and nothing after it.
    let (mut engine, _) = tokio::time::timeout(DEADLINE, engine_listener.accept()).await.unwrap().unwrap();
    let mut got = Vec::new();
    tokio::time::timeout(DEADLINE, engine.read_to_end(&mut got)).await.unwrap().unwrap();
    assert_eq!(got.len(), 68, "only the handshake was forwarded");
}

#[tokio::test]
async fn incoming_connections_over_the_per_ip_limit_are_closed_at_once() {
    let (gateway, engine_listener) = gateway_with_engine(GatewayConfig {
        limits: ConnectionLimits { max_per_ip: 2, ..Default::default() },
        ..GatewayConfig::new(loopback(), loopback())
    })
    .await;
    let mut allowed = Vec::new();
    for _ in 0..2 {
        let mut peer = TcpStream::connect(gateway.public_addr()).await.unwrap();
        peer.write_all(&handshake_bytes(5)).await.unwrap();
        let (engine, _) = tokio::time::timeout(DEADLINE, engine_listener.accept()).await.unwrap().unwrap();
        allowed.push((peer, engine));
    }
    let mut third = TcpStream::connect(gateway.public_addr()).await.unwrap();
    let _ = third.write_all(&handshake_bytes(6)).await;
    closed_within(&mut third, DEADLINE).await;
    assert!(
        tokio::time::timeout(Duration::from_millis(300), engine_listener.accept()).await.is_err(),
        "the engine never sees the refused connection"
    );
    // Once one closes, there is room again.
    drop(allowed.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fourth = TcpStream::connect(gateway.public_addr()).await.unwrap();
    fourth.write_all(&handshake_bytes(7)).await.unwrap();
    assert!(tokio::time::timeout(DEADLINE, engine_listener.accept()).await.is_ok(), "a slot was freed");
}

/// The stand-in engine answers a forwarded peer with its own handshake for `info_hash`.
async fn answer_as_engine(engine: &mut TcpStream, info_hash: [u8; 20]) {
    let mut answer = handshake_bytes(2);
    answer[28..48].copy_from_slice(&info_hash);
    engine.write_all(&answer).await.unwrap();
}

/// A peer that connects to the public port from `from` and sends its handshake for
/// `info_hash`; returns the peer and the engine's side of the forwarded connection.
async fn connect_peer(
    gateway: &Gateway,
    engine_listener: &TcpListener,
    from: &str,
    info_hash: [u8; 20],
) -> (TcpStream, TcpStream) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut peer = socket.connect(gateway.public_addr()).await.unwrap();
    let mut handshake = handshake_bytes(9);
    handshake[28..48].copy_from_slice(&info_hash);
    peer.write_all(&handshake).await.unwrap();
    let (engine, _) = tokio::time::timeout(DEADLINE, engine_listener.accept()).await.unwrap().unwrap();
    (peer, engine)
}

#[tokio::test]
async fn connections_over_the_per_torrent_limit_are_closed_after_the_handshake() {
    let (gateway, engine_listener) = gateway_with_engine(GatewayConfig {
        limits: ConnectionLimits { max_per_torrent: 1, ..Default::default() },
        ..GatewayConfig::new(loopback(), loopback())
    })
    .await;
    let (_first, _e1) = connect_peer(&gateway, &engine_listener, "127.0.0.1", [1; 20]).await;
    let (mut second, mut e2) = connect_peer(&gateway, &engine_listener, "127.0.0.1", [1; 20]).await;
    closed_within(&mut second, DEADLINE).await;
    let mut got = Vec::new();
    tokio::time::timeout(DEADLINE, e2.read_to_end(&mut got)).await.unwrap().unwrap();
    assert!(got.is_empty(), "the engine saw nothing of the refused connection: {} bytes", got.len());
    // Another torrent still has room.
    let (mut other, mut e3) = connect_peer(&gateway, &engine_listener, "127.0.0.1", [2; 20]).await;
    let mut buf = BytesMut::new();
    assert_eq!(read_handshake(&mut e3, &mut buf).await.info_hash, [2; 20]);
    e3.write_all(&handshake_bytes(1)).await.unwrap();
    let mut rbuf = BytesMut::new();
    read_handshake(&mut other, &mut rbuf).await;
    assert_eq!(gateway.peers().len(), 2);
}

#[tokio::test]
async fn the_blocklist_refuses_new_peers_and_closes_open_ones_when_reloaded() {
    let (gateway, engine_listener) = gateway_with_engine(GatewayConfig::new(loopback(), loopback())).await;
    let (mut open, _engine) = connect_peer(&gateway, &engine_listener, "127.0.0.3", [1; 20]).await;
    let (list, bad) = Blocklist::parse("# test list\n127.0.0.3\n");
    assert!(bad.is_empty());
    gateway.set_blocklist(list);
    closed_within(&mut open, DEADLINE).await;

    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.3:0".parse().unwrap()).unwrap();
    let mut refused = socket.connect(gateway.public_addr()).await.unwrap();
    let _ = refused.write_all(&handshake_bytes(1)).await;
    closed_within(&mut refused, DEADLINE).await;
    assert!(
        tokio::time::timeout(Duration::from_millis(300), engine_listener.accept()).await.is_err(),
        "a blocked peer never reaches the engine"
    );
    // Other addresses still pass.
    let (_fine, _e) = connect_peer(&gateway, &engine_listener, "127.0.0.4", [1; 20]).await;

    // librqbit cannot dial a blocked address either: SOCKS answers "not allowed".
    let mut client = socks_client(&gateway).await;
    client.write_all(&[5, 1, 0, 1, 127, 0, 0, 3, 0x1a, 0xe1]).await.unwrap();
    let mut answer = [0u8; 10];
    client.read_exact(&mut answer).await.unwrap();
    assert_eq!(answer[1], 2, "connection not allowed by ruleset");
}

#[tokio::test]
async fn a_peer_that_goes_silent_is_closed_at_the_idle_timeout() {
    let (gateway, engine_listener) = gateway_with_engine(GatewayConfig {
        idle_timeout: Duration::from_secs(1),
        ..GatewayConfig::new(loopback(), loopback())
    })
    .await;
    let (mut silent, mut engine) = connect_peer(&gateway, &engine_listener, "127.0.0.1", [1; 20]).await;
    engine.write_all(&handshake_bytes(2)).await.unwrap();
    closed_within(&mut silent, DEADLINE).await;
    assert!(gateway.peers().is_empty());
}

/// Reads what reaches a remote peer until the engine's request for `block` arrives.
async fn wait_for_request(remote: &mut TcpStream, buf: &mut BytesMut, block: BlockRef) {
    while next_message(remote, buf).await != Message::Request(block) {}
}

/// Reads what reaches a remote peer until the engine's cancel of `block` arrives.
async fn wait_for_cancel(remote: &mut TcpStream, buf: &mut BytesMut, block: BlockRef) {
    while next_message(remote, buf).await != Message::Cancel(block) {}
}

#[tokio::test]
async fn a_verified_piece_is_credited_to_the_peers_that_delivered_its_blocks() {
    let (gateway, engine_listener) = gateway_with_engine(GatewayConfig::new(loopback(), loopback())).await;
    let mut verified = gateway.verified_pieces();
    let (mut a, mut ea) = connect_peer(&gateway, &engine_listener, "127.0.0.5", [1; 20]).await;
    let (mut b, mut eb) = connect_peer(&gateway, &engine_listener, "127.0.0.6", [1; 20]).await;
    for engine in [&mut ea, &mut eb] {
        answer_as_engine(engine, [1; 20]).await;
    }
    // The engine asks each peer for one block; the requests reach them.
    let (ra, rb) =
        (BlockRef { index: 4, begin: 0, length: 16384 }, BlockRef { index: 4, begin: 16384, length: 1000 });
    ea.write_all(&frame(Message::Request(ra))).await.unwrap();
    eb.write_all(&frame(Message::Request(rb))).await.unwrap();
    let (mut a_in, mut b_in) = (BytesMut::new(), BytesMut::new());
    read_handshake(&mut a, &mut a_in).await;
    read_handshake(&mut b, &mut b_in).await;
    wait_for_request(&mut a, &mut a_in, ra).await;
    wait_for_request(&mut b, &mut b_in, rb).await;
    let block = |begin: u32, len: usize| {
        frame(Message::Piece { index: 4, begin, block: Bytes::from(vec![1u8; len]) })
    };
    a.write_all(&block(0, 16384)).await.unwrap();
    b.write_all(&block(16384, 1000)).await.unwrap();
    // A block nobody asked for is passed on but never credited; so is one whose request
    // the engine cancelled before it came.
    b.write_all(&block(32768, 500)).await.unwrap();
    let withdrawn = BlockRef { index: 4, begin: 49152, length: 200 };
    ea.write_all(&frame(Message::Request(withdrawn))).await.unwrap();
    ea.write_all(&frame(Message::Cancel(withdrawn))).await.unwrap();
    wait_for_cancel(&mut a, &mut a_in, withdrawn).await;
    a.write_all(&block(49152, 200)).await.unwrap();
    // The blocks reach the engine before it announces the piece.
    let (mut abuf, mut bbuf) = (BytesMut::new(), BytesMut::new());
    read_handshake(&mut ea, &mut abuf).await;
    read_handshake(&mut eb, &mut bbuf).await;
    for _ in 0..2 {
        assert!(matches!(next_message(&mut ea, &mut abuf).await, Message::Piece { .. }));
        assert!(matches!(next_message(&mut eb, &mut bbuf).await, Message::Piece { .. }));
    }
    // librqbit tells one peer it has piece 4 now: the piece passed its check.
    ea.write_all(&frame(Message::Have(4))).await.unwrap();
    let piece = tokio::time::timeout(DEADLINE, verified.recv()).await.unwrap().unwrap();
    assert_eq!(piece.piece, 4);
    assert_eq!(piece.info_hash, [1; 20]);
    let a_addr = a.local_addr().unwrap();
    let b_addr = b.local_addr().unwrap();
    let mut expected = vec![(a_addr, 16384), (b_addr, 1000)];
    expected.sort();
    assert_eq!(piece.contributions, expected);
    // The core's have-bitfield report of the same piece does not credit it twice.
    gateway.piece_verified([1; 20], 4);
    assert!(verified.try_recv().is_err());
}

/// A peer the gateway dials for a torrent reaches the engine as an incoming peer: the
/// engine is greeted for the torrent and its answer goes to the remote, the remote's
/// answer is checked and not passed on, and messages flow both ways. A remote answering
/// for another torrent is dropped. The gateway tries MSE first (encryption preferred):
/// this remote speaks plaintext only and closes that attempt, so it is dialed again in
/// plaintext.
#[tokio::test]
async fn a_dialed_peer_is_handed_to_the_engine_as_an_incoming_one() {
    let (gateway, engine_listener) = gateway_with_engine(GatewayConfig::new(loopback(), loopback())).await;
    for (answers_for, connects) in [([1u8; 20], true), ([2u8; 20], false)] {
        let remote_listener = TcpListener::bind(loopback()).await.unwrap();
        let remote_addr = remote_listener.local_addr().unwrap();
        let dialing = {
            let gateway = gateway.clone();
            tokio::spawn(async move { gateway.dial(remote_addr, [1; 20]).await })
        };
        let (mut mse, _) = tokio::time::timeout(DEADLINE, remote_listener.accept()).await.unwrap().unwrap();
        let mut first = [0u8; 68];
        mse.read_exact(&mut first).await.unwrap();
        assert!(!first.starts_with(b"\x13BitTorrent protocol"), "an MSE key, not a handshake");
        drop(mse);
        // The engine is greeted first, for the torrent, with the extension bit.
        let (mut engine, _) =
            tokio::time::timeout(DEADLINE, engine_listener.accept()).await.unwrap().unwrap();
        let mut ebuf = BytesMut::new();
        let hello = read_handshake(&mut engine, &mut ebuf).await;
        assert_eq!((hello.info_hash, hello.reserved[5] & 0x10), ([1; 20], 0x10));
        assert_eq!(&hello.peer_id[..8], b"-BS0001-");
        answer_as_engine(&mut engine, [1; 20]).await;
        // The remote gets the engine's answer, and answers in turn.
        let (mut remote, _) =
            tokio::time::timeout(DEADLINE, remote_listener.accept()).await.unwrap().unwrap();
        let mut rbuf = BytesMut::new();
        let theirs = read_handshake(&mut remote, &mut rbuf).await;
        assert_eq!((theirs.info_hash, theirs.peer_id), ([1; 20], [2; 20]), "the engine's own handshake");
        let mut answer = handshake_bytes(9);
        answer[28..48].copy_from_slice(&answers_for);
        remote.write_all(&answer).await.unwrap();
        if !connects {
            closed_within(&mut remote, DEADLINE).await;
            let result = tokio::time::timeout(DEADLINE, dialing).await.unwrap().unwrap();
            assert!(matches!(result, Err(bidswarm_gateway::Error::WrongTorrent)), "{result:?}");
            continue;
        }
        // After the handshakes, the engine hears the remote and the remote the engine; no
        // second handshake reaches the engine.
        remote.write_all(&frame(Message::Interested)).await.unwrap();
        assert_eq!(next_message(&mut engine, &mut ebuf).await, Message::Interested);
        assert!(
            gateway.peers().iter().any(|l| l.remote() == remote_addr && !l.snapshot().incoming),
            "listed as ours"
        );
        engine.write_all(&frame(Message::Have(3))).await.unwrap();
        assert_eq!(next_message(&mut remote, &mut rbuf).await, Message::Have(3));
        drop(remote);
        assert!(tokio::time::timeout(DEADLINE, dialing).await.unwrap().unwrap().is_ok());
    }
}

/// A peer that has sent no block our engine asked for is closed at the first block past
/// `MAX_UNREQUESTED_RUN` that nobody asked for; one that has answered a request is left
/// to librqbit however many stray blocks it sends.
#[tokio::test]
async fn a_peer_spraying_blocks_nobody_asked_for_is_closed() {
    use bidswarm_gateway::MAX_UNREQUESTED_RUN;
    let (gateway, engine_listener) = gateway_with_engine(GatewayConfig::new(loopback(), loopback())).await;
    let junk = |n: u32| -> Vec<u8> {
        (0..n)
            .flat_map(|i| {
                frame(Message::Piece { index: 1000 + i, begin: 0, block: Bytes::from_static(&[7; 16]) })
            })
            .collect()
    };
    for (from, answers_first) in [("127.0.0.7", false), ("127.0.0.8", true)] {
        let (mut remote, mut engine) = connect_peer(&gateway, &engine_listener, from, [1; 20]).await;
        answer_as_engine(&mut engine, [1; 20]).await;
        // The engine's side is drained as it goes, so nothing waits on a full socket.
        let (mut engine_rd, mut engine_wr) = engine.into_split();
        tokio::spawn(async move {
            let mut sink = vec![0u8; 64 * 1024];
            while engine_rd.read(&mut sink).await.is_ok_and(|n| n > 0) {}
        });
        let mut rbuf = BytesMut::new();
        read_handshake(&mut remote, &mut rbuf).await;
        let ask = async |engine_wr: &mut tokio::net::tcp::OwnedWriteHalf,
                         remote: &mut TcpStream,
                         rbuf: &mut BytesMut,
                         index| {
            let block = BlockRef { index, begin: 0, length: 16 };
            engine_wr.write_all(&frame(Message::Request(block))).await.unwrap();
            wait_for_request(remote, rbuf, block).await;
        };
        if answers_first {
            ask(&mut engine_wr, &mut remote, &mut rbuf, 1).await;
            remote
                .write_all(&frame(Message::Piece { index: 1, begin: 0, block: Bytes::from_static(&[1; 16]) }))
                .await
                .unwrap();
        }
        // Up to the limit: still open, as a request that reaches it shows.
        remote.write_all(&junk(MAX_UNREQUESTED_RUN)).await.unwrap();
        ask(&mut engine_wr, &mut remote, &mut rbuf, 2).await;
        remote.write_all(&junk(1)).await.unwrap();
        if answers_first {
            ask(&mut engine_wr, &mut remote, &mut rbuf, 3).await;
        } else {
            closed_within(&mut remote, DEADLINE).await;
        }
    }
}

#[tokio::test]
async fn a_paid_peer_is_served_its_credit_then_choked_and_bt_speed_replies_reach_it() {
    // The speed layer's handle on the choker, as core gives it at start.
    let rechoke = RechokeSignal::default();
    let policy = Policy { rechoke: rechoke.clone(), ..Policy::free() };
    let engine_listener = TcpListener::bind(loopback()).await.unwrap();
    let gateway = Gateway::start(GatewayConfig::new(loopback(), loopback()), policy).await.unwrap();
    gateway.set_engine(engine_listener.local_addr().unwrap());
    let (mut remote, mut engine) = connect_peer(&gateway, &engine_listener, "127.0.0.1", [1; 20]).await;
    answer_as_engine(&mut engine, [1; 20]).await;
    // The remote speaks bt_speed as id 9; librqbit's handshake comes first.
    let remote_ext = b"d1:md8:bt_speedi9eee";
    remote
        .write_all(&frame(Message::Extended { id: 0, payload: Bytes::from_static(remote_ext) }))
        .await
        .unwrap();
    engine
        .write_all(&frame(Message::Extended { id: 0, payload: Bytes::from_static(b"d1:md6:ut_pexi2eee") }))
        .await
        .unwrap();
    let mut rbuf = BytesMut::new();
    read_handshake(&mut remote, &mut rbuf).await;
    assert!(matches!(next_message(&mut remote, &mut rbuf).await, Message::Extended { id: 0, .. }));
    remote.write_all(&frame(Message::Interested)).await.unwrap();
    assert_eq!(next_message(&mut remote, &mut rbuf).await, Message::Unchoke);

    let link = gateway.peers().pop().unwrap();
    assert!(link.send_speed(Bytes::from_static(b"d1:t5:helloe")));
    let Message::Extended { id: 9, payload } = next_message(&mut remote, &mut rbuf).await else {
        panic!("sent with the remote's own bt_speed id")
    };
    assert_eq!(&payload[..], b"d1:t5:helloe");

    // Credit for one block and a bit: two blocks go (the second starts within the
    // credit), the third is held back and the peer is choked.
    link.set_credit(Some(20_000));
    let piece = || frame(Message::Piece { index: 0, begin: 0, block: Bytes::from(vec![1u8; 16384]) });
    for _ in 0..3 {
        engine.write_all(&piece()).await.unwrap();
    }
    assert!(matches!(next_message(&mut remote, &mut rbuf).await, Message::Piece { .. }));
    assert!(matches!(next_message(&mut remote, &mut rbuf).await, Message::Piece { .. }));
    assert_eq!(next_message(&mut remote, &mut rbuf).await, Message::Choke);
    assert!(link.out_of_credit());
    assert_eq!(link.credit(), Some(20_000 - 2 * 16384), "overdrawn by less than a block");
    assert_eq!(link.snapshot().uploaded_piece_bytes, 2 * 16384);
    // Paying restores the slot at the next rechoke.
    link.add_credit(1 << 20);
    rechoke.rechoke_soon();
    assert_eq!(next_message(&mut remote, &mut rbuf).await, Message::Unchoke);
    engine.write_all(&piece()).await.unwrap();
    assert!(matches!(next_message(&mut remote, &mut rbuf).await, Message::Piece { .. }));
    assert_eq!(link.credit(), Some(20_000 - 3 * 16384 + (1 << 20)));
}

/// One regular slot and the optimistic one, and a rechoke interval of an hour: a slot
/// that frees between rechokes goes to the peer waiting at once, by the choker's fill.
#[tokio::test]
async fn a_slot_freed_by_a_closed_connection_goes_to_a_waiting_peer_without_a_rechoke() {
    let choker = ChokerConfig { slots: 1, rechoke_interval: Duration::from_secs(3600), ..Default::default() };
    let (gateway, engine_listener) =
        gateway_with_engine(GatewayConfig { choker, ..GatewayConfig::new(loopback(), loopback()) }).await;
    let mut peers = Vec::new();
    for from in ["127.0.0.2", "127.0.0.3", "127.0.0.4"] {
        let (mut remote, mut engine) = connect_peer(&gateway, &engine_listener, from, [1; 20]).await;
        answer_as_engine(&mut engine, [1; 20]).await;
        let mut buf = BytesMut::new();
        read_handshake(&mut remote, &mut buf).await;
        // The engine's first message opens the way for the gateway's own.
        engine.write_all(&frame(Message::Bitfield(Bytes::from(vec![0u8; 2])))).await.unwrap();
        assert!(matches!(next_message(&mut remote, &mut buf).await, Message::Bitfield(_)));
        remote.write_all(&frame(Message::Interested)).await.unwrap();
        peers.push((remote, engine, buf));
    }
    // The first two take the regular and the optimistic slot as they turn interested.
    for (remote, _, buf) in &mut peers[..2] {
        assert_eq!(next_message(remote, buf).await, Message::Unchoke);
    }
    let (third, _, third_buf) = &mut peers[2];
    let early = tokio::time::timeout(Duration::from_millis(500), next_message(third, third_buf)).await;
    assert!(early.is_err(), "no slot was free for the third: {early:?}");
    // The first goes: its slot is the third's, long before any rechoke.
    let (first, first_engine, _) = peers.remove(0);
    drop((first, first_engine));
    let (third, _, third_buf) = &mut peers[1];
    assert_eq!(next_message(third, third_buf).await, Message::Unchoke);
}

#[tokio::test]
async fn a_peer_that_does_not_speak_bt_speed_is_never_sent_it() {
    let (gateway, engine_listener) = gateway_with_engine(GatewayConfig::new(loopback(), loopback())).await;
    let (mut remote, mut engine) = connect_peer(&gateway, &engine_listener, "127.0.0.1", [1; 20]).await;
    answer_as_engine(&mut engine, [1; 20]).await;
    // An ordinary client: ut_pex only.
    remote
        .write_all(&frame(Message::Extended { id: 0, payload: Bytes::from_static(b"d1:md6:ut_pexi3eee") }))
        .await
        .unwrap();
    engine
        .write_all(&frame(Message::Extended { id: 0, payload: Bytes::from_static(b"d1:md6:ut_pexi2eee") }))
        .await
        .unwrap();
    let mut rbuf = BytesMut::new();
    read_handshake(&mut remote, &mut rbuf).await;
    assert!(matches!(next_message(&mut remote, &mut rbuf).await, Message::Extended { id: 0, .. }));
    let mut ebuf = BytesMut::new();
    read_handshake(&mut engine, &mut ebuf).await;
    assert!(matches!(next_message(&mut engine, &mut ebuf).await, Message::Extended { id: 0, .. }));
    let link = gateway.peers().pop().unwrap();
    assert!(!link.send_speed(Bytes::from_static(b"d1:t5:helloe")), "refused: the peer has no bt_speed id");
    // The next thing the peer sees is what the engine sends, nothing of ours.
    engine.write_all(&frame(Message::Have(3))).await.unwrap();
    assert_eq!(next_message(&mut remote, &mut rbuf).await, Message::Have(3));
}

/// librqbit 9.1 drops the HAVEs for a peer whose task fell 128 pieces behind. A piece the
/// core reports verified that the engine never announced on a connection is announced by
/// the gateway once the grace has passed, and counted; one the engine announced is not
/// repeated.
#[tokio::test]
async fn a_have_the_engine_never_sent_is_sent_by_the_gateway_after_the_grace() {
    let waited = owed_have_reaches_the_peer(true, bidswarm_gateway::HAVE_GRACE).await;
    assert!(waited >= bidswarm_gateway::HAVE_GRACE, "the engine had its grace first: {waited:?}");
}

/// librqbit 9.1 sends no HAVE at all to a peer that sent it no bitfield (BEP 3 lets a peer
/// with no pieces skip it), so the gateway sends that peer's without waiting. With a grace
/// of an hour, only that rule can deliver the HAVE within the test's deadline.
#[tokio::test]
async fn a_peer_that_sent_no_bitfield_gets_the_engine_s_haves_from_the_gateway_at_once() {
    owed_have_reaches_the_peer(false, Duration::from_secs(3600)).await;
}

/// A peer, with a bitfield of its own or none, and an engine that announces piece 4 but
/// not 5 after the core reported both: the peer gets HAVE 5 from the gateway, once, and
/// no second HAVE 4. Returns how long after the report it came.
async fn owed_have_reaches_the_peer(peer_sends_bitfield: bool, have_grace: Duration) -> Duration {
    let config = GatewayConfig { have_grace, ..GatewayConfig::new(loopback(), loopback()) };
    let (gateway, engine_listener) = gateway_with_engine(config).await;
    gateway.set_torrents(Arc::new(|| vec![[1; 20]]));
    let (mut peer, mut engine) = connect_peer(&gateway, &engine_listener, "127.0.0.7", [1; 20]).await;
    answer_as_engine(&mut engine, [1; 20]).await;
    let mut buf = BytesMut::new();
    read_handshake(&mut peer, &mut buf).await;
    if peer_sends_bitfield {
        peer.write_all(&frame(Message::Bitfield(Bytes::from(vec![0u8; 2])))).await.unwrap();
        let mut ebuf = BytesMut::new();
        read_handshake(&mut engine, &mut ebuf).await;
        assert!(matches!(next_message(&mut engine, &mut ebuf).await, Message::Bitfield(_)));
    }
    // The engine's first message opens the way for the gateway's own.
    engine.write_all(&frame(Message::Bitfield(Bytes::from(vec![0u8; 2])))).await.unwrap();
    assert!(matches!(next_message(&mut peer, &mut buf).await, Message::Bitfield(_)));
    // Piece 4: announced by the engine, then reported by the core. Piece 5: only reported.
    engine.write_all(&frame(Message::Have(4))).await.unwrap();
    assert_eq!(next_message(&mut peer, &mut buf).await, Message::Have(4));
    let reported = std::time::Instant::now();
    gateway.piece_verified([1; 20], 4);
    gateway.piece_verified([1; 20], 5);
    // The gateway's HAVEs go out in piece order, so a repeated HAVE 4 would come first.
    assert_eq!(next_message(&mut peer, &mut buf).await, Message::Have(5));
    let waited = reported.elapsed();
    // Counted just after it is sent, on the same tick.
    let counted = async {
        while gateway.reached(&[1; 20]).missed_haves != 1 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(DEADLINE, counted).await.expect("one missed HAVE counted");
    waited
}

/// An encrypted peer: its MSE handshake names a torrent we serve, its BitTorrent handshake
/// then reaches the engine through RC4 and the engine's answer comes back; a peer whose
/// BitTorrent handshake names another torrent than its MSE handshake did is closed.
#[tokio::test]
async fn an_encrypted_peer_reaches_the_engine_only_for_the_torrent_its_mse_handshake_named() {
    use bidswarm_gateway::mse::{initiate, Decrypting, Encrypting};
    let (gateway, engine_listener) = gateway_with_engine(GatewayConfig::new(loopback(), loopback())).await;
    gateway.set_torrents(Arc::new(|| vec![[1; 20], [2; 20]]));
    for (names, reaches) in [([1u8; 20], true), ([2u8; 20], false)] {
        let mut stream = TcpStream::connect(gateway.public_addr()).await.unwrap();
        let established = initiate(&mut stream, &[1; 20], true).await.unwrap();
        assert!(established.rc4());
        let (read, write) = stream.into_split();
        let (mut read, mut write) =
            (Decrypting::new(read, established.read), Encrypting::new(write, established.write));
        let mut hello = handshake_bytes(9);
        hello[28..48].copy_from_slice(&names);
        write.write_all(&hello).await.unwrap();
        write.flush().await.unwrap();
        if !reaches {
            let mut rest = Vec::new();
            // Closed (an error or the end), and the engine heard nothing of it.
            assert!(tokio::time::timeout(DEADLINE, read.read_to_end(&mut rest)).await.is_ok(), "closed");
            if let Ok(Ok((mut engine, _))) =
                tokio::time::timeout(Duration::from_millis(300), engine_listener.accept()).await
            {
                let mut heard = Vec::new();
                let _ = tokio::time::timeout(DEADLINE, engine.read_to_end(&mut heard)).await;
                assert!(heard.is_empty(), "the engine got {} bytes", heard.len());
            }
            continue;
        }
        let (mut engine, _) =
            tokio::time::timeout(DEADLINE, engine_listener.accept()).await.unwrap().unwrap();
        let mut ebuf = BytesMut::new();
        assert_eq!(read_handshake(&mut engine, &mut ebuf).await.info_hash, [1; 20], "plain at the engine");
        answer_as_engine(&mut engine, [1; 20]).await;
        let mut answer = vec![0u8; 68];
        tokio::time::timeout(DEADLINE, read.read_exact(&mut answer)).await.unwrap().unwrap();
        assert_eq!(&answer[..20], b"\x13BitTorrent protocol", "the engine's answer, decrypted");
        assert!(gateway.peers().iter().any(|l| l.snapshot().encrypted), "the peers view says encrypted");
    }
    // One connection reached the torrent (the other named another): in, encrypted, and
    // offering RC4 only, so it would have refused plaintext.
    let reached = gateway.reached(&[1; 20]);
    assert_eq!(reached, Reached { incoming: 1, encrypted: 1, refused_plaintext: 1, ..Default::default() });
}

/// A remote that has exchanged extended handshakes with the stand-in engine through the
/// gateway, with `remote_ext` as its own. Returns the remote, its read buffer, the engine
/// and the gateway's link, once the gateway has read the remote's handshake.
async fn extended_peer(
    gateway: &Gateway,
    engine_listener: &TcpListener,
    remote_ext: &'static [u8],
) -> (TcpStream, BytesMut, TcpStream, Arc<PeerLink>, ExtendedHandshake) {
    let (mut remote, mut engine) = connect_peer(gateway, engine_listener, "127.0.0.1", [1; 20]).await;
    answer_as_engine(&mut engine, [1; 20]).await;
    engine
        .write_all(&frame(Message::Extended { id: 0, payload: Bytes::from_static(b"d1:md6:ut_pexi2eee") }))
        .await
        .unwrap();
    remote
        .write_all(&frame(Message::Extended { id: 0, payload: Bytes::from_static(remote_ext) }))
        .await
        .unwrap();
    let mut rbuf = BytesMut::new();
    read_handshake(&mut remote, &mut rbuf).await;
    let Message::Extended { id: 0, payload } = next_message(&mut remote, &mut rbuf).await else {
        panic!("the engine's extended handshake first")
    };
    let ours = ExtendedHandshake::parse(&payload).unwrap();
    // The engine reads the remote's handshake only after the gateway has.
    let mut ebuf = BytesMut::new();
    read_handshake(&mut engine, &mut ebuf).await;
    assert!(matches!(next_message(&mut engine, &mut ebuf).await, Message::Extended { id: 0, .. }));
    let link = gateway.peers().pop().unwrap();
    (remote, rbuf, engine, link, ours)
}

/// librqbit closes a connection once both sides are seeds, which for a buyer is when its
/// last piece arrives, before the vouchers for it are signed. A peer that speaks bt_speed
/// therefore stays connected after our engine closed: our bt_speed messages still reach
/// it and its own still reach the speed layer, its blocks are neither forwarded nor
/// counted, and the connection closes at the linger time.
#[tokio::test]
async fn a_bt_speed_peer_stays_for_the_last_vouchers_after_the_engine_closes() {
    let recorder = Arc::new(Recorder::default());
    let config =
        GatewayConfig { linger: Duration::from_secs(2), ..GatewayConfig::new(loopback(), loopback()) };
    let (gateway, engine_listener) = gateway_with_engine_and_speed(config, recorder.clone()).await;
    let (mut remote, mut rbuf, engine, link, ours) =
        extended_peer(&gateway, &engine_listener, b"d1:md8:bt_speedi9eee").await;
    let our_id = ours.extension_id(BT_SPEED).expect("the gateway adds bt_speed");
    link.mark_paid();

    remote.write_all(&frame(Message::Interested)).await.unwrap();
    tokio::time::timeout(DEADLINE, async {
        while !link.snapshot().peer_interested {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the gateway notes the peer's interest");
    // The engine has all it wants and closes.
    drop(engine);
    tokio::time::timeout(DEADLINE, async {
        while !link.engine_closed() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the gateway sees the engine close");
    assert!(!link.snapshot().peer_interested, "no slot for a peer the engine left");
    // A block in flight from the peer, then its voucher.
    let block = frame(Message::Piece { index: 0, begin: 0, block: Bytes::from(vec![5u8; 16384]) });
    remote.write_all(&block).await.unwrap();
    let voucher = Bytes::from_static(b"d1:t7:vouchere");
    remote.write_all(&frame(Message::Extended { id: our_id, payload: voucher.clone() })).await.unwrap();
    tokio::time::timeout(DEADLINE, async {
        while recorder.0.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the peer's voucher reaches the speed layer after the engine closed");
    assert_eq!(recorder.0.lock().unwrap()[0].1, voucher);
    assert_eq!(link.snapshot().downloaded_piece_bytes, 0, "a block the engine never got is not counted");

    // Ours still goes out, with the peer's own id (after the choker's word on its interest).
    assert!(link.send_speed(Bytes::from_static(b"d1:t4:laste")));
    let payload = loop {
        match next_message(&mut remote, &mut rbuf).await {
            Message::Unchoke | Message::Choke => continue,
            Message::Extended { id: 9, payload } => break payload,
            other => panic!("our last bt_speed message, not {other:?}"),
        }
    };
    assert_eq!(&payload[..], b"d1:t4:laste");
    closed_within(&mut remote, DEADLINE).await;
}

/// A bt_speed peer that stops reading cannot hold a lingering connection open: the
/// linger time bounds a write stuck on it too, though its keep-alives keep coming.
#[tokio::test]
async fn a_lingering_peer_that_stops_reading_is_dropped_at_the_linger_time() {
    let config =
        GatewayConfig { linger: Duration::from_secs(1), ..GatewayConfig::new(loopback(), loopback()) };
    let (gateway, engine_listener) = gateway_with_engine(config).await;
    let (mut remote, _rbuf, mut engine, link, _) =
        extended_peer(&gateway, &engine_listener, b"d1:md8:bt_speedi9eee").await;
    link.mark_paid();
    // The engine sends more than the sockets between can hold; the peer reads none of it.
    let flood = frame(Message::Extended { id: 77, payload: Bytes::from(vec![0u8; 512 * 1024]) });
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            engine.write_all(&flood).await.unwrap();
        }
    })
    .await;
    drop(engine);
    let gone = tokio::time::timeout(DEADLINE, async {
        while !gateway.peers().is_empty() {
            let _ = remote.write_all(&frame(Message::KeepAlive)).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(gone.is_ok(), "the connection outlived its linger time");
}

/// A connection that carries no vouchers has nothing to wait for: when the engine closes,
/// so does the gateway, long before any linger time, whether or not the peer speaks
/// bt_speed (to the peer's engine a lingering connection is a silent one).
#[tokio::test]
async fn a_connection_without_vouchers_is_closed_with_the_engine() {
    let config =
        GatewayConfig { linger: Duration::from_secs(600), ..GatewayConfig::new(loopback(), loopback()) };
    let (gateway, engine_listener) = gateway_with_engine(config).await;
    for remote_ext in [&b"d1:md6:ut_pexi3eee"[..], &b"d1:md8:bt_speedi9eee"[..]] {
        let (mut remote, _rbuf, engine, _link, _) =
            extended_peer(&gateway, &engine_listener, remote_ext).await;
        drop(engine);
        closed_within(&mut remote, DEADLINE).await;
    }
}

/// A uTP socket of our own on loopback, standing in for a peer that speaks uTP.
async fn utp_socket(port: u16) -> Arc<librqbit_utp::UtpSocketUdp> {
    librqbit_utp::UtpSocketUdp::new_udp(SocketAddr::from(([127, 0, 0, 1], port))).await.unwrap()
}

/// uTP (BEP 29) listens on the public port's UDP side: a peer that connects over uTP is
/// relayed to the engine like any other, and listed as reached over uTP.
#[tokio::test]
async fn a_peer_connecting_over_utp_reaches_the_engine() {
    let (gateway, engine_listener) = gateway_with_engine(GatewayConfig::new(loopback(), loopback())).await;
    gateway.set_torrents(Arc::new(|| vec![[1; 20]]));
    let socket = utp_socket(0).await;
    let mut peer =
        tokio::time::timeout(DEADLINE, socket.connect(gateway.public_addr())).await.unwrap().unwrap();
    let mut hello = handshake_bytes(9);
    hello[28..48].copy_from_slice(&[1; 20]);
    peer.write_all(&hello).await.unwrap();
    let (mut engine, _) = tokio::time::timeout(DEADLINE, engine_listener.accept()).await.unwrap().unwrap();
    let mut ebuf = BytesMut::new();
    assert_eq!(read_handshake(&mut engine, &mut ebuf).await.peer_id, [9; 20]);
    answer_as_engine(&mut engine, [1; 20]).await;
    let mut answer = [0u8; 68];
    tokio::time::timeout(DEADLINE, peer.read_exact(&mut answer)).await.unwrap().unwrap();
    assert_eq!(&answer[28..48], &[1; 20], "the engine's answer comes back over uTP");
    let link = gateway.peers().pop().unwrap();
    let link = link.snapshot();
    assert_eq!((link.transport, link.incoming), (Transport::Utp, true));
    assert_eq!(gateway.reached(&[1; 20]), Reached { incoming: 1, utp: 1, ..Default::default() });

    // A handshake naming a torrent the engine does not serve is not counted.
    let mut stranger =
        tokio::time::timeout(DEADLINE, socket.connect(gateway.public_addr())).await.unwrap().unwrap();
    let mut hello = handshake_bytes(8);
    hello[28..48].copy_from_slice(&[9; 20]);
    stranger.write_all(&hello).await.unwrap();
    let (mut engine, _) = tokio::time::timeout(DEADLINE, engine_listener.accept()).await.unwrap().unwrap();
    let mut ebuf = BytesMut::new();
    assert_eq!(
        read_handshake(&mut engine, &mut ebuf).await.info_hash,
        [9; 20],
        "relayed, the engine judges it"
    );
    assert_eq!(gateway.reached(&[9; 20]), Reached::default());
}

/// Dialing a peer whose TCP port refuses us, the gateway tries uTP at the same port.
#[tokio::test]
async fn a_peer_that_refuses_tcp_is_dialed_over_utp() {
    let config =
        GatewayConfig { encryption: Encryption::Disable, ..GatewayConfig::new(loopback(), loopback()) };
    let (gateway, engine_listener) = gateway_with_engine(config).await;
    let remote = utp_socket(0).await;
    let remote_addr = remote.bind_addr();
    let dialing = {
        let gateway = gateway.clone();
        tokio::spawn(async move { gateway.dial(remote_addr, [1; 20]).await })
    };
    let mut peer = tokio::time::timeout(DEADLINE, remote.accept()).await.unwrap().unwrap();
    let (mut engine, _) = tokio::time::timeout(DEADLINE, engine_listener.accept()).await.unwrap().unwrap();
    let mut ebuf = BytesMut::new();
    read_handshake(&mut engine, &mut ebuf).await;
    answer_as_engine(&mut engine, [1; 20]).await;
    let mut theirs = [0u8; 68];
    tokio::time::timeout(DEADLINE, peer.read_exact(&mut theirs)).await.unwrap().unwrap();
    assert_eq!(&theirs[28..48], &[1; 20]);
    let link = gateway.peers().pop().unwrap();
    let link = link.snapshot();
    assert_eq!((link.transport, link.incoming), (Transport::Utp, false));
    drop(peer);
    // The relay ends with the peer (a uTP close may read as a reset).
    let _ = tokio::time::timeout(DEADLINE, dialing).await.unwrap();
}

/// libtorrent with TCP off still accepts a TCP connection, then resets it. The gateway,
/// finding the encryption handshake closed before a word, tries uTP at the same port, and
/// encrypts there.
#[tokio::test]
async fn a_peer_that_resets_tcp_is_reached_over_utp_and_encrypted() {
    use bidswarm_gateway::mse::respond;
    let (gateway, engine_listener) = gateway_with_engine(GatewayConfig::new(loopback(), loopback())).await;
    gateway.set_torrents(Arc::new(|| vec![[1; 20]]));
    let remote = utp_socket(0).await;
    let remote_addr = remote.bind_addr();
    let tcp = TcpListener::bind(remote_addr).await.unwrap();
    let resets = tokio::spawn(async move {
        let (stream, _) = tcp.accept().await.unwrap();
        drop(stream);
    });
    let dialing = {
        let gateway = gateway.clone();
        tokio::spawn(async move { gateway.dial(remote_addr, [1; 20]).await })
    };
    let mut peer = tokio::time::timeout(DEADLINE, remote.accept()).await.unwrap().unwrap();
    resets.await.unwrap();
    let (established, torrent) =
        tokio::time::timeout(DEADLINE, respond(&mut peer, BytesMut::new(), &[[1; 20]], true))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(torrent, [1; 20]);
    assert!(established.rc4(), "RC4 over uTP");
    let (mut engine, _) = tokio::time::timeout(DEADLINE, engine_listener.accept()).await.unwrap().unwrap();
    let mut ebuf = BytesMut::new();
    read_handshake(&mut engine, &mut ebuf).await;
    let link = gateway.peers().pop().unwrap();
    let link = link.snapshot();
    assert_eq!((link.transport, link.encrypted, link.incoming), (Transport::Utp, true, false));
    // The peer's own handshake, through RC4, counts the connection for its torrent.
    let (_read, write) = peer.split();
    let mut write = bidswarm_gateway::mse::Encrypting::new(write, established.write);
    let mut hello = handshake_bytes(9);
    hello[28..48].copy_from_slice(&[1; 20]);
    write.write_all(&hello).await.unwrap();
    write.flush().await.unwrap();
    let counted = tokio::time::timeout(DEADLINE, async {
        while gateway.reached(&[1; 20]) == Reached::default() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(counted.is_ok(), "the connection is counted");
    assert_eq!(
        gateway.reached(&[1; 20]),
        Reached { outgoing: 1, utp: 1, encrypted: 1, ..Default::default() }
    );
    drop((write, engine));
    let _ = tokio::time::timeout(DEADLINE, dialing).await.unwrap();
}
