//! Bid-for-speed flags shared by `download` and `seed`: which key pays or is paid, on
//! which network, and where the ledger goes.

use std::{path::PathBuf, sync::Arc};

use anyhow::{bail, Context};
use bidswarm_api::{BaseUnits, BidStrategy, SpeedSettings};
use bidswarm_core::SpeedIdentity;
use bidswarm_tron::{Client, Network};
use bidswarm_wallet::{Amount, Mnemonic, PrivateKey};
use zeroize::Zeroizing;

#[derive(Debug, Clone, clap::Args)]
pub struct WalletArgs {
    /// A file holding the wallet key bt_speed pays and is paid with: 64 hex digits, or a
    /// BIP-39 recovery phrase (key m/44'/195'/0'/0/0). Keep it private (mode 0600).
    #[arg(long, value_name = "FILE")]
    wallet_file: Option<PathBuf>,
    /// The TRON network: mainnet, nile, shasta, or a node URL. A loopback URL is a local
    /// devnet (`bidswarm-cli devnet`).
    #[arg(long, value_name = "NETWORK", default_value = "mainnet")]
    network: String,
    /// Keep the ledger of payments in this SQLite file.
    #[arg(long, value_name = "FILE")]
    ledger: Option<PathBuf>,
}

/// The wallet key, network and node these flags name.
pub struct Wallet {
    pub identity: Option<SpeedIdentity>,
    pub node: Option<Client>,
    pub ledger: Option<PathBuf>,
}

impl WalletArgs {
    pub fn load(&self) -> anyhow::Result<Wallet> {
        let network = match self.network.as_str() {
            "mainnet" => Network::Mainnet,
            "nile" => Network::Nile,
            "shasta" => Network::Shasta,
            url => {
                let parsed = url::Url::parse(url)
                    .with_context(|| format!("--network {url:?} is not mainnet, nile, shasta or a URL"))?;
                let loopback = parsed
                    .host_str()
                    .is_some_and(|h| h == "localhost" || h.starts_with("127.") || h == "[::1]");
                if loopback {
                    Network::Local(parsed)
                } else {
                    Network::Custom(parsed)
                }
            }
        };
        let Some(path) = &self.wallet_file else {
            return Ok(Wallet { identity: None, node: None, ledger: self.ledger.clone() });
        };
        // The error names the file, never its contents.
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the wallet file {}", path.display()))?,
        );
        let text = text.trim();
        let key = if text.split_whitespace().count() > 1 {
            Mnemonic::parse(text)
                .and_then(|m| m.derive("", 0))
                .with_context(|| format!("{} holds no valid recovery phrase", path.display()))?
        } else {
            PrivateKey::from_hex(text)
                .with_context(|| format!("{} holds no valid private key", path.display()))?
        };
        let Some(token) = network.btt_contract() else {
            bail!("{} has no BTT contract; use mainnet or a devnet", network.name())
        };
        let name = bidswarm_core::speed_network_name(&network);
        let address = key.address();
        let node = Client::new(network).context("cannot set up the TRON node client")?;
        let identity = SpeedIdentity { signer: Arc::new(key), address, network: name, token };
        Ok(Wallet { identity: Some(identity), node: Some(node), ledger: self.ledger.clone() })
    }
}

/// `--bid`/`--auto-bid` and `--budget` for `download`.
#[derive(Debug, Clone, clap::Args)]
pub struct BidArgs {
    /// Bid this many BTT per GiB for priority upload from seeders that sell it.
    #[arg(long, value_name = "BTT", value_parser = parse_btt, conflicts_with = "auto_bid", requires = "budget")]
    bid: Option<Amount>,
    /// Bid automatically: the budget spread over the remaining bytes, at most this many BTT
    /// per GiB.
    #[arg(long, value_name = "MAX_BTT", value_parser = parse_btt, requires = "budget")]
    auto_bid: Option<Amount>,
    /// The most this download may spend, in BTT.
    #[arg(long, value_name = "BTT", value_parser = parse_btt)]
    budget: Option<Amount>,
    /// The most every download recorded in the ledger may spend together, in BTT
    /// (default: 20,000,000, or the budget when that is larger).
    #[arg(long, value_name = "BTT", value_parser = parse_btt, requires = "budget")]
    spending_cap: Option<Amount>,
}

/// `--earn` and `--ask` for `seed`.
#[derive(Debug, Clone, clap::Args)]
pub struct EarnArgs {
    /// Sell paid upload slots to bidders (needs --wallet-file).
    #[arg(long, requires = "wallet_file")]
    earn: bool,
    /// The least BTT per GiB a paid slot sells for.
    #[arg(long, value_name = "BTT", value_parser = parse_btt, default_value = "10000")]
    ask: Amount,
    /// Bytes a paid slot is served beyond its last payment (at least 4 pieces of the
    /// torrent, so a slot is never choked before the piece it serves can verify).
    #[arg(long, value_name = "BYTES", default_value_t = 4 << 20)]
    credit_window: u64,
    /// The most one payer may owe us unsettled before it gets no paid slot, in BTT
    /// (default 20,000,000).
    #[arg(long, value_name = "BTT", value_parser = parse_btt)]
    exposure_cap: Option<Amount>,
    /// The most all payers together may owe us unsettled, in BTT (default 100,000,000).
    #[arg(long, value_name = "BTT", value_parser = parse_btt)]
    total_exposure_cap: Option<Amount>,
    /// Seconds a payer may owe us unsettled before it gets no paid slot until it pays
    /// (default a day).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    settlement_overdue: Option<u64>,
}

impl BidArgs {
    pub fn apply(&self, speed: &mut SpeedSettings) {
        let (Some(budget), Some(price)) = (self.budget, self.bid.or(self.auto_bid)) else { return };
        speed.spending_enabled = true;
        speed.budget_per_torrent = BaseUnits(budget.0);
        let cap = self.spending_cap.map_or(speed.spending_cap.0.max(budget.0), |c| c.0);
        speed.spending_cap = BaseUnits(cap);
        speed.strategy = if self.bid.is_some() { BidStrategy::Fixed } else { BidStrategy::Auto };
        speed.fixed_price_per_gib = BaseUnits(price.0);
        speed.max_price_per_gib = BaseUnits(price.0);
    }
}

impl EarnArgs {
    pub fn apply(&self, speed: &mut SpeedSettings) {
        speed.earning_enabled = self.earn;
        speed.ask_per_gib = BaseUnits(self.ask.0);
        speed.credit_window_bytes = self.credit_window;
        if let Some(cap) = self.exposure_cap {
            speed.exposure_cap = BaseUnits(cap.0);
        }
        if let Some(cap) = self.total_exposure_cap {
            speed.total_exposure_cap = BaseUnits(cap.0);
        }
        if let Some(secs) = self.settlement_overdue {
            speed.settlement_overdue_secs = secs;
        }
    }
}

fn parse_btt(s: &str) -> Result<Amount, String> {
    s.parse::<Amount>().map_err(|e| e.to_string())
}
