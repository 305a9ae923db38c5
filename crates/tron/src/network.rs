//! Which TRON network a client talks to, and where that network's BTT lives.

use std::fmt;

use bidswarm_wallet::{tx::BTT_TRC20_MAINNET, Address};
use url::Url;

/// A TRON network: a public one by name, a node of your own, or the local devnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Network {
    /// TRON mainnet through TronGrid (`https://api.trongrid.io`).
    Mainnet,
    /// The Nile testnet (`https://nile.trongrid.io`).
    Nile,
    /// The Shasta testnet (`https://api.shasta.trongrid.io`).
    Shasta,
    /// A mainnet node of your choice (a full node of your own, another provider).
    Custom(Url),
    /// The local devnet (`bidswarm-cli devnet`), e.g. `http://127.0.0.1:8090`.
    Local(Url),
}

impl Network {
    /// The node's base URL; endpoints are joined onto it.
    pub fn base_url(&self) -> Url {
        let preset = |s: &str| Url::parse(s).expect("preset URLs are valid");
        match self {
            Self::Mainnet => preset("https://api.trongrid.io"),
            Self::Nile => preset("https://nile.trongrid.io"),
            Self::Shasta => preset("https://api.shasta.trongrid.io"),
            Self::Custom(url) | Self::Local(url) => url.clone(),
        }
    }

    /// A short stable name: `mainnet`, `nile`, `shasta`, `custom`, `local`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Mainnet => "mainnet",
            Self::Nile => "nile",
            Self::Shasta => "shasta",
            Self::Custom(_) => "custom",
            Self::Local(_) => "local",
        }
    }

    /// The BTT TRC-20 contract on this network. A custom node is taken to be a mainnet
    /// node; the testnets have no official BTT, so they have none here (set one with
    /// [`crate::Client::with_btt_contract`]).
    pub fn btt_contract(&self) -> Option<Address> {
        match self {
            Self::Mainnet | Self::Custom(_) => Some(BTT_TRC20_MAINNET),
            Self::Local(_) => Some(devnet_btt_contract()),
            Self::Nile | Self::Shasta => None,
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Custom(url) | Self::Local(url) => write!(f, "{} ({url})", self.name()),
            _ => f.write_str(self.name()),
        }
    }
}

/// The devnet's BTT TRC-20 contract: 0x41 followed by the 20 ASCII bytes
/// `bidswarm devnet  BTT` (`TJwZUeeB23z4B8XBYkWzmFFBfGkj5EFpc3`), so it is fixed,
/// recognisable in hex, and no key can be expected to own it.
/// Every devnet uses it; `GET /devnet/info` reports it too.
pub fn devnet_btt_contract() -> Address {
    Address::from_evm_bytes(*b"bidswarm devnet  BTT")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_point_at_trongrid() {
        assert_eq!(Network::Mainnet.base_url().as_str(), "https://api.trongrid.io/");
        assert_eq!(Network::Nile.base_url().as_str(), "https://nile.trongrid.io/");
        assert_eq!(Network::Shasta.base_url().as_str(), "https://api.shasta.trongrid.io/");
        assert_eq!(
            Network::Mainnet.btt_contract().unwrap().to_base58(),
            "TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4"
        );
        assert_eq!(Network::Nile.btt_contract(), None);
    }

    #[test]
    fn the_devnet_contract_is_fixed() {
        let local = Network::Local(Url::parse("http://127.0.0.1:9").unwrap());
        assert_eq!(local.btt_contract(), Some(devnet_btt_contract()));
        assert_eq!(devnet_btt_contract().to_hex(), format!("41{}", hex::encode(b"bidswarm devnet  BTT")));
        assert_eq!(devnet_btt_contract().to_base58(), DEVNET_BTT_BASE58);
    }

    /// Pinned so the documentation's copy cannot drift.
    const DEVNET_BTT_BASE58: &str = "TJwZUeeB23z4B8XBYkWzmFFBfGkj5EFpc3";
}
