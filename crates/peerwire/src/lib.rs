//! The BitTorrent peer wire protocol as bytes in, messages out, and back: no sockets, no
//! clock. The gateway frames every stream with it; tests feed it byte fixtures.
//!
//! Covered: the handshake with its reserved bits (BEP 3, 5, 6, 10), every BEP 3 message,
//! the BEP 6 fast messages, BEP 10 extended messages with the extended handshake, `ut_pex`
//! (BEP 11), and `bt_speed` (ours; its payload is opaque here and decoded by the speed
//! layer).
//!
//! The decoder is incremental: hand it whatever arrived, and it returns a message once one
//! is complete. Lengths above a maximum are an error before any allocation, so a peer
//! cannot make us buffer 4 GiB by claiming it will send it.

mod extended;
#[doc(hidden)]
pub mod fuzz;
mod handshake;
mod message;
mod pex;

pub use extended::{decode_bencode, ExtendedHandshake, BT_SPEED, UT_PEX};
pub use handshake::{Handshake, HANDSHAKE_LEN, PROTOCOL};
pub use message::{encode, BlockRef, Decoder, Message};
pub use pex::{compact_peers, Pex};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Ways a peer's bytes can be wrong. Each closes that connection; none affects another.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("not a BitTorrent handshake")]
    NotBitTorrent,
    #[error("message of {len} bytes is over the {max}-byte limit")]
    TooLong { len: u32, max: u32 },
    #[error("message {id} must be {expected} bytes, not {actual}")]
    BadLength { id: u8, expected: u32, actual: u32 },
    #[error("bad bencode in an extended message: {0}")]
    Bencode(String),
    #[error("bad ut_pex address list: {0} bytes is not a whole number of addresses")]
    BadPexList(usize),
}
