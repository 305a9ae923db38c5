//! What one relay hop costs on this machine, without librqbit and without our framing:
//! the floor under the gateway's own cost in `docs/BENCHMARKS.md`.
//!
//! A source thread writes 16 KiB blocks (as librqbit serves them, one write each) to a
//! sink thread over 127.0.0.1, either directly or through a relay like the gateway's: a
//! one-thread tokio runtime reading into a 256 KiB buffer and writing what it read. Each
//! thread's CPU time comes from `/proc/thread-self/stat`. Run by `make bench`:
//!
//!     cargo bench -p bidswarm-gateway --bench relay_floor

#![allow(clippy::print_stdout)] // a benchmark binary: it prints its table

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    thread,
    time::{Duration, Instant},
};

use bidswarm_gateway::{READ_CHUNK as BUFFER, TOP_UP_BELOW, TOP_UP_WAIT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A piece message carrying one 16 KiB block.
const BLOCK: usize = 16 * 1024 + 13;
const MIB: u64 = 1024 * 1024;
/// librqbit's pace in the loopback transfer benchmark, roughly.
const PACE_MIB_S: f64 = 200.0;

#[derive(Clone, Copy, PartialEq)]
enum Hop {
    Direct,
    Relay { top_up: bool },
}

struct Cpu {
    source: f64,
    relay: f64,
    sink: f64,
    relay_reads: u64,
}

/// This thread's user + system time. `/proc` counts in USER_HZ, 100 per second on Linux.
fn thread_cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("Linux /proc");
    // Fields after the parenthesised name; utime and stime are the 14th and 15th overall.
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields[i].parse::<f64>().expect("a tick count in /proc/thread-self/stat");
    (ticks(11) + ticks(12)) / 100.0
}

fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    (listener, addr)
}

fn sink(listener: TcpListener) -> thread::JoinHandle<(u64, f64)> {
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let start = thread_cpu_s();
        let mut buf = vec![0u8; BUFFER];
        let mut got = 0u64;
        loop {
            match stream.read(&mut buf).expect("sink read") {
                0 => break,
                n => got += n as u64,
            }
        }
        (got, thread_cpu_s() - start)
    })
}

fn relay(listener: TcpListener, target: SocketAddr, top_up: bool) -> thread::JoinHandle<(u64, f64)> {
    thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async move {
            listener.set_nonblocking(true).expect("nonblocking");
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let (mut from, _) = listener.accept().await.expect("accept");
            let mut to = tokio::net::TcpStream::connect(target).await.expect("connect");
            to.set_nodelay(true).expect("nodelay");
            let start = thread_cpu_s();
            let mut buf = vec![0u8; BUFFER];
            let mut reads = 0u64;
            loop {
                let n = from.read(&mut buf).await.expect("relay read");
                if n == 0 {
                    break;
                }
                reads += 1;
                to.write_all(&buf[..n]).await.expect("relay write");
                if top_up && n < TOP_UP_BELOW {
                    tokio::time::sleep(TOP_UP_WAIT).await;
                }
            }
            (reads, thread_cpu_s() - start)
        })
    })
}

/// Sends `total` bytes in blocks, at `pace` MiB/s if given, else as fast as it can.
fn source(target: SocketAddr, total: u64, pace: Option<f64>) -> f64 {
    let mut stream = TcpStream::connect(target).expect("connect");
    let start_cpu = thread_cpu_s();
    let start = Instant::now();
    let block = vec![7u8; BLOCK];
    let mut sent = 0u64;
    while sent < total {
        stream.write_all(&block).expect("source write");
        sent += BLOCK as u64;
        if let Some(rate) = pace {
            let due = Duration::from_secs_f64(sent as f64 / (rate * MIB as f64));
            if let Some(ahead) = due.checked_sub(start.elapsed()) {
                thread::sleep(ahead);
            }
        }
    }
    thread_cpu_s() - start_cpu
}

fn run(hop: Hop, total: u64, pace: Option<f64>) -> Cpu {
    let (sink_listener, sink_addr) = listener();
    let sink = sink(sink_listener);
    let (relay, target) = match hop {
        Hop::Direct => (None, sink_addr),
        Hop::Relay { top_up } => {
            let (relay_listener, relay_addr) = listener();
            (Some(relay(relay_listener, sink_addr, top_up)), relay_addr)
        }
    };
    let source = source(target, total, pace);
    let (relay_reads, relay_cpu) = relay.map_or((0, 0.0), |r| r.join().expect("relay thread"));
    let (got, sink_cpu) = sink.join().expect("sink thread");
    assert!(got >= total, "the sink got {got} of {total} bytes");
    Cpu { source, relay: relay_cpu, sink: sink_cpu, relay_reads }
}

fn main() {
    // `cargo bench` passes `--bench`, which is ignored.
    let total_mib: u64 = std::env::var("RELAY_FLOOR_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(1024);
    let total = total_mib * MIB;
    let gib = total as f64 / (1024 * MIB) as f64;
    println!("One relay hop over 127.0.0.1, {total_mib} MiB in 16 KiB blocks; CPU s per GiB");
    println!();
    println!("| source | hop | relay reads | source | relay | sink | all three |");
    println!("|---|---|--:|--:|--:|--:|--:|");
    let cases = [
        ("as fast as it can", None, Hop::Direct, "direct"),
        ("as fast as it can", None, Hop::Relay { top_up: false }, "relay"),
        ("paced, 200 MiB/s", Some(PACE_MIB_S), Hop::Direct, "direct"),
        ("paced, 200 MiB/s", Some(PACE_MIB_S), Hop::Relay { top_up: false }, "relay, reads as data comes"),
        ("paced, 200 MiB/s", Some(PACE_MIB_S), Hop::Relay { top_up: true }, "relay, 1 ms top-up"),
    ];
    for (what, pace, hop, name) in cases {
        let cpu = run(hop, total, pace);
        let reads = if hop == Hop::Direct { "—".to_string() } else { cpu.relay_reads.to_string() };
        println!(
            "| {what} | {name} | {reads} | {:.2} | {:.2} | {:.2} | {:.2} |",
            cpu.source / gib,
            cpu.relay / gib,
            cpu.sink / gib,
            (cpu.source + cpu.relay + cpu.sink) / gib
        );
    }
}
