//! The few basic types every other Bidswarm crate shares, so each exists once: the BTT
//! [`Amount`], the [`InfoHash`], the wall [`Clock`] (which tests can set) and
//! [`write_atomically`]. No I/O here but that one file write.

mod amount;
mod clock;
mod file;
mod info_hash;

pub use amount::{Amount, AmountError, BTT_DECIMALS};
pub use clock::{unix_ms, unix_secs, Clock};
#[cfg(feature = "tokio")]
pub use file::write_atomically;
pub use file::{temp_path, write_atomically_blocking, Access};
pub use info_hash::{InfoHash, InfoHashError};
