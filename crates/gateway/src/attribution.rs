//! Verified-piece attribution: which peers delivered the blocks of a piece that passed
//! its hash check. Paying per verified piece rests on this.
//!
//! The relay reports every block a remote sends (`on_block`). A piece counts as verified
//! when librqbit says so: by sending HAVE for it to some peer, or, since librqbit sends
//! HAVE only to peers that lack the piece, when the core sees the bit appear in
//! librqbit's have-bitfield. Either way [`Attribution::on_verified`] turns the recorded
//! blocks into one [`VerifiedPiece`], once.
//!
//! The relay reports only blocks that answer a request our engine sent on that connection
//! (a block nobody asked for is never credited). When a block arrives twice in answer to
//! requests to two peers (end game), the **first** copy is the one credited: librqbit
//! writes the first and ignores the rest. When our engine requests a block again (its
//! piece failed the hash check), the record of the earlier copy is dropped, so the peer
//! whose copy passed is the one credited. Blocks of pieces never verified stay until the
//! torrent is forgotten; librqbit keeps few pieces in flight, so this stays small.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Mutex, MutexGuard},
};

/// A piece that passed its hash check, with the bytes each peer delivered of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPiece {
    pub info_hash: [u8; 20],
    pub piece: u32,
    /// Real peer addresses and the piece bytes each delivered; sorted by address.
    pub contributions: Vec<(SocketAddr, u64)>,
}

/// A piece's blocks received so far: offset → (who sent it, length).
type Blocks = HashMap<u32, (SocketAddr, u32)>;
/// Info hash → piece → its blocks.
type Pending = HashMap<[u8; 20], HashMap<u32, Blocks>>;

#[derive(Debug, Default)]
pub struct Attribution {
    pending: Mutex<Pending>,
}

impl Attribution {
    /// A block our engine requested arrived from `from`. The first copy is kept.
    pub fn on_block(&self, info_hash: [u8; 20], piece: u32, begin: u32, len: u32, from: SocketAddr) {
        self.lock()
            .entry(info_hash)
            .or_default()
            .entry(piece)
            .or_default()
            .entry(begin)
            .or_insert((from, len));
    }

    /// Our engine requests a block: whatever copy of it came before was discarded (its
    /// piece failed the hash check), so the next copy is the one to credit.
    pub fn on_request(&self, info_hash: [u8; 20], piece: u32, begin: u32) {
        if let Some(blocks) = self.lock().get_mut(&info_hash).and_then(|pieces| pieces.get_mut(&piece)) {
            blocks.remove(&begin);
        }
    }

    /// The piece's contributors, the first time it is reported verified; `None` after
    /// that, or when no block of it came through the gateway (it was on disk already).
    pub fn on_verified(&self, info_hash: [u8; 20], piece: u32) -> Option<VerifiedPiece> {
        let blocks = self.lock().get_mut(&info_hash)?.remove(&piece)?;
        let mut by_peer: HashMap<SocketAddr, u64> = HashMap::new();
        for (from, len) in blocks.into_values() {
            *by_peer.entry(from).or_default() += u64::from(len);
        }
        let mut contributions: Vec<(SocketAddr, u64)> = by_peer.into_iter().collect();
        contributions.sort_unstable();
        Some(VerifiedPiece { info_hash, piece, contributions })
    }

    /// Torrents with blocks waiting for their piece to be verified: the only ones whose
    /// verifications can be attributed.
    pub fn pending_torrents(&self) -> Vec<[u8; 20]> {
        self.lock().iter().filter(|(_, pieces)| !pieces.is_empty()).map(|(hash, _)| *hash).collect()
    }

    /// Drops what is recorded for a torrent (it was removed).
    pub fn forget(&self, info_hash: [u8; 20]) {
        self.lock().remove(&info_hash);
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        // Plain maps: a poisoned lock still holds usable entries.
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: [u8; 20] = [7; 20];

    fn peer(port: u16) -> SocketAddr {
        SocketAddr::from(([192, 0, 2, 1], port))
    }

    #[test]
    fn a_verified_piece_credits_each_peer_with_the_bytes_it_delivered_once() {
        let a = Attribution::default();
        a.on_block(T, 3, 0, 16384, peer(1));
        a.on_block(T, 3, 16384, 16384, peer(2));
        a.on_block(T, 3, 32768, 100, peer(1));
        a.on_block(T, 4, 0, 16384, peer(2));
        let verified = a.on_verified(T, 3).unwrap();
        assert_eq!(verified.contributions, vec![(peer(1), 16484), (peer(2), 16384)]);
        assert_eq!(a.on_verified(T, 3), None, "reported once only");
        assert!(a.on_verified(T, 4).is_some(), "other pieces are untouched");
    }

    #[test]
    fn a_block_fetched_again_after_a_failed_check_credits_only_the_second_sender() {
        let a = Attribution::default();
        a.on_block(T, 0, 0, 16384, peer(66)); // bad data, the piece fails its check
        a.on_request(T, 0, 0); // so the engine asks again
        a.on_block(T, 0, 0, 16384, peer(2));
        assert_eq!(a.on_verified(T, 0).unwrap().contributions, vec![(peer(2), 16384)]);
    }

    /// A seller that answers late (an end-game duplicate) is not credited for the block
    /// librqbit took from someone else.
    #[test]
    fn an_end_game_duplicate_credits_the_first_copy_not_the_late_one() {
        let a = Attribution::default();
        a.on_block(T, 0, 0, 16384, peer(1));
        a.on_block(T, 0, 0, 16384, peer(2)); // late
        assert_eq!(a.on_verified(T, 0).unwrap().contributions, vec![(peer(1), 16384)]);
    }

    #[test]
    fn pieces_of_other_torrents_and_forgotten_torrents_are_not_credited() {
        let a = Attribution::default();
        a.on_block(T, 1, 0, 10, peer(1));
        assert_eq!(a.on_verified([8; 20], 1), None);
        a.forget(T);
        assert_eq!(a.on_verified(T, 1), None);
    }
}
