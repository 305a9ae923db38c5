//! Verified-piece attribution, from the core's side.
//!
//! librqbit sends HAVE only to peers that lack a piece, so the gateway cannot see every
//! verification on the wire. Each round ([`PieceWatch::report`], run by the core's one
//! 250 ms round with the speed layer's tick) reads the have-bitfield of each torrent with
//! blocks waiting for verification and tells the gateway about every piece that appeared
//! since the last look; what the gateway then attributes is drained once ([`drain`]) and
//! goes both to the speed layer and, as one `pieces_verified` event per torrent
//! ([`events_of`]), to the UI.

use std::collections::{HashMap, HashSet};

use bidswarm_api::{Event, PeerBytes, TorrentId};
use bidswarm_gateway::{Gateway, VerifiedPiece};
use bidswarm_swarm::{HavePieces, Swarm};
use tokio::sync::broadcast;

/// What the rounds remember of each torrent's have-bitfield.
#[derive(Debug, Default)]
pub(crate) struct PieceWatch {
    seen: HashMap<TorrentId, HavePieces>,
    looked: HashSet<TorrentId>,
}

impl PieceWatch {
    /// Tells the gateway of the pieces verified since the last round.
    pub(crate) fn report(&mut self, swarm: &Swarm, gateway: &Gateway) {
        // Only torrents with blocks waiting for verification can attribute anything.
        let waiting: Vec<TorrentId> =
            gateway.torrents_awaiting_verification().into_iter().map(TorrentId::from).collect();
        let now: HashMap<TorrentId, HavePieces> = swarm.have_pieces_of(&waiting).into_iter().collect();
        for (id, have) in &now {
            let info_hash = id.info_hash();
            // A torrent seen for the first time may have verified pieces since it was
            // added, so all its pieces count as new. Pieces that were on disk are
            // harmless: no block of them came through the gateway, so nothing is
            // attributed.
            let empty = HavePieces { bitfield: Vec::new(), count: 0 };
            // Looked at in the last round too: its new pieces are new now, and
            // announced where librqbit did not. Otherwise they may be older than the
            // peers' bitfields.
            let followed = self.looked.contains(id);
            for piece in newly_verified(self.seen.get(id).unwrap_or(&empty), have) {
                if followed {
                    gateway.piece_verified(info_hash, piece);
                } else {
                    gateway.piece_verified_earlier(info_hash, piece);
                }
            }
        }
        // Paused torrents drop out of `now` but keep their last bitfield.
        self.looked = now.keys().cloned().collect();
        self.seen.retain(|id, _| !now.contains_key(id));
        self.seen.extend(now);
    }
}

/// Everything the gateway attributed since the last call.
pub(crate) fn drain(rx: &mut broadcast::Receiver<VerifiedPiece>) -> Vec<VerifiedPiece> {
    let mut pieces = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(piece) => pieces.push(piece),
            // Lagging loses some reports (those bytes go unpaid and unshown), never
            // blocks the gateway.
            Err(broadcast::error::TryRecvError::Lagged(n)) => {
                tracing::warn!("{n} verified-piece reports were dropped: the reader fell behind");
            }
            Err(_) => return pieces,
        }
    }
}

/// Pieces set in `now` but not in `before`.
fn newly_verified(before: &HavePieces, now: &HavePieces) -> Vec<u32> {
    (0..now.count).filter(|&p| now.has(p) && !before.has(p)).collect()
}

/// One `pieces_verified` event per torrent, with the bytes each peer delivered.
pub(crate) fn events_of(pieces: &[VerifiedPiece]) -> Vec<Event> {
    let mut by_torrent: HashMap<[u8; 20], (u32, HashMap<String, u64>)> = HashMap::new();
    for piece in pieces {
        let (count, peers) = by_torrent.entry(piece.info_hash).or_default();
        *count += 1;
        for (addr, bytes) in &piece.contributions {
            *peers.entry(addr.to_string()).or_default() += bytes;
        }
    }
    by_torrent
        .into_iter()
        .map(|(hash, (pieces, peers))| {
            let mut contributions: Vec<PeerBytes> =
                peers.into_iter().map(|(address, bytes)| PeerBytes { address, bytes }).collect();
            contributions.sort_by(|a, b| a.address.cmp(&b.address));
            Event::PiecesVerified { id: TorrentId::from(hash), pieces, contributions }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pieces_that_appeared_are_new() {
        let before = HavePieces { bitfield: vec![0b1000_0000, 0], count: 10 };
        let now = HavePieces { bitfield: vec![0b1010_0000, 0b0100_0000], count: 10 };
        assert_eq!(newly_verified(&before, &now), vec![2, 9]);
        let spare_bits = HavePieces { bitfield: vec![0, 0b0011_1111], count: 10 };
        assert!(newly_verified(&before, &spare_bits).is_empty(), "bits past the last piece are ignored");
    }

    #[test]
    fn reports_are_summed_per_torrent_and_peer() {
        let (tx, mut rx) = broadcast::channel(16);
        let a: std::net::SocketAddr = "192.0.2.1:1".parse().unwrap();
        let b: std::net::SocketAddr = "192.0.2.2:2".parse().unwrap();
        tx.send(VerifiedPiece { info_hash: [1; 20], piece: 0, contributions: vec![(a, 10), (b, 5)] })
            .unwrap();
        tx.send(VerifiedPiece { info_hash: [1; 20], piece: 1, contributions: vec![(a, 7)] }).unwrap();
        let events = events_of(&drain(&mut rx));
        let [Event::PiecesVerified { id, pieces, contributions }] = &events[..] else { panic!("{events:?}") };
        assert_eq!(id.info_hash(), [1u8; 20]);
        assert_eq!(*pieces, 2);
        assert_eq!(
            contributions,
            &vec![
                PeerBytes { address: a.to_string(), bytes: 17 },
                PeerBytes { address: b.to_string(), bytes: 5 }
            ]
        );
        assert!(drain(&mut rx).is_empty());
    }
}
