//! The `bt_speed` v1 messages (docs/PROTOCOL.md §3): one bencoded dictionary per BEP 10
//! extended message, its type in the key `t`.
//!
//! Every field has one type and a fixed size or a limit. Amounts are 16-byte big-endian
//! unsigned integers (BTT base units), addresses the 21 raw bytes of a TRON address,
//! channel ids 16 bytes, signatures 65 bytes (r‖s‖v). Integers are bencode integers in
//! their stated range. Keys a receiver does not know are ignored, so later versions can
//! add fields; a missing or mistyped field makes the whole message invalid.

use std::collections::HashMap;

use bidswarm_peerwire::decode_bencode;
use bidswarm_wallet::{Address, Amount, ChannelId, Signature, Voucher};
use bytes::Bytes;
use librqbit_bencode::{BencodeValueOwned, ByteBufOwned};

/// The protocol version this crate speaks.
pub const VERSION: i64 = 1;
/// The largest `bt_speed` payload a peer may send; larger ones are refused unread.
pub const MAX_PAYLOAD: usize = 1024;
const MAX_NETWORK_LEN: usize = 32;
/// Nonces stay below 10^18 (18 digits), so every bencode decoder can read them: some,
/// librqbit's among them, overflow on longer numbers.
pub const MAX_NONCE: u64 = 1_000_000_000_000_000_000;
const MAX_ERROR_TEXT: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpeedMessage {
    Hello(Hello),
    Bid(Bid),
    Price(PriceOffer),
    Voucher(SignedVoucher),
    NeedPayment(NeedPayment),
    Error(SpeedError),
}

/// Sent by both sides once each, right after the extended handshakes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    pub version: i64,
    /// Where this peer is paid, and with which key it signs vouchers as a payer.
    pub address: Address,
    /// Which TRON network its wallet is on (`mainnet`, `nile`, `shasta`, `devnet:<id>`).
    pub network: String,
    /// The BTT token contract it is paid in.
    pub token: Address,
    /// The price per GiB below which it sells no paid slot; absent when it does not sell.
    pub ask: Option<Amount>,
}

/// A payer's offer to a payee that sells: this price per GiB, up to this budget in total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bid {
    pub price: Amount,
    pub budget: Amount,
    pub channel: ChannelId,
    /// With the payer's and payee's addresses and the info hash, derives `channel`.
    pub nonce: u64,
}

/// The payee's answer to a bid, and again whenever the clearing price or the slot changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceOffer {
    /// What the payer pays per GiB while it holds the slot.
    pub price: Amount,
    pub slot: bool,
    /// Bytes the payee serves beyond the last voucher before it waits for payment.
    pub credit_window: u64,
}

pub use bidswarm_wallet::SignedVoucher;

/// The payee stopped serving the paid slot until a voucher for `owed` arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedPayment {
    /// The cumulative amount the payee wants on the channel.
    pub owed: Amount,
    /// Bytes served and not yet covered by a voucher.
    pub unpaid_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeedError {
    pub code: ErrorCode,
    pub message: String,
}

/// Why a peer refused something. Unknown codes read as [`ErrorCode::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    BadMessage,
    UnsupportedVersion,
    WrongNetwork,
    BadVoucher,
    BelowAsk,
    OverBudget,
    UnknownChannel,
    ExposureCap,
    NotSelling,
    PriceAboveBid,
    NoCredit,
    VoucherFlood,
    SettlementOverdue,
    Other(i64),
}

impl ErrorCode {
    pub fn number(self) -> i64 {
        match self {
            Self::BadMessage => 1,
            Self::UnsupportedVersion => 2,
            Self::WrongNetwork => 3,
            Self::BadVoucher => 4,
            Self::BelowAsk => 5,
            Self::OverBudget => 6,
            Self::UnknownChannel => 7,
            Self::ExposureCap => 8,
            Self::NotSelling => 9,
            Self::PriceAboveBid => 10,
            Self::NoCredit => 11,
            Self::VoucherFlood => 12,
            Self::SettlementOverdue => 13,
            Self::Other(n) => n,
        }
    }

    fn from_number(n: i64) -> Self {
        match n {
            1 => Self::BadMessage,
            2 => Self::UnsupportedVersion,
            3 => Self::WrongNetwork,
            4 => Self::BadVoucher,
            5 => Self::BelowAsk,
            6 => Self::OverBudget,
            7 => Self::UnknownChannel,
            8 => Self::ExposureCap,
            9 => Self::NotSelling,
            10 => Self::PriceAboveBid,
            11 => Self::NoCredit,
            12 => Self::VoucherFlood,
            13 => Self::SettlementOverdue,
            other => Self::Other(other),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    #[error("a bt_speed message of {0} bytes is over the {MAX_PAYLOAD}-byte limit")]
    TooLong(usize),
    #[error("not bencode: {0}")]
    Bencode(String),
    #[error("a bt_speed message is a dictionary")]
    NotADict,
    #[error("unknown bt_speed message type {0:?}")]
    UnknownType(String),
    #[error("field {field:?}: {problem}")]
    Field { field: &'static str, problem: &'static str },
}

type Dict = HashMap<ByteBufOwned, BencodeValueOwned>;

impl SpeedMessage {
    pub fn decode(payload: &[u8]) -> Result<Self, MessageError> {
        if payload.len() > MAX_PAYLOAD {
            return Err(MessageError::TooLong(payload.len()));
        }
        let BencodeValueOwned::Dict(dict) =
            decode_bencode(payload).map_err(|e| MessageError::Bencode(e.to_string()))?
        else {
            return Err(MessageError::NotADict);
        };
        let d = Fields(&dict);
        let kind = d.bytes("t")?;
        Ok(match &kind[..] {
            b"hello" => Self::Hello(Hello {
                version: d.int("v", 1, i64::MAX)?,
                address: d.address("addr")?,
                network: d.text("network", MAX_NETWORK_LEN)?,
                token: d.address("token")?,
                ask: d.optional("ask", |d| d.amount("ask"))?,
            }),
            b"bid" => Self::Bid(Bid {
                price: d.amount("price")?,
                budget: d.amount("budget")?,
                channel: d.channel("channel")?,
                nonce: d.int("nonce", 0, MAX_NONCE as i64 - 1)? as u64,
            }),
            b"price" => Self::Price(PriceOffer {
                price: d.amount("price")?,
                slot: d.int("slot", 0, 1)? == 1,
                credit_window: d.int("window", 0, i64::MAX)? as u64,
            }),
            b"voucher" => Self::Voucher(SignedVoucher {
                voucher: Voucher {
                    channel: d.channel("channel")?,
                    seq: d.int("seq", 1, i64::MAX)? as u64,
                    cumulative: d.amount("cumulative")?.0,
                    expiry: d.int("expiry", 0, i64::MAX)? as u64,
                },
                signature: Signature::from_slice(&d.fixed::<65>("sig")?)
                    .map_err(|_| MessageError::Field { field: "sig", problem: "not a valid signature" })?,
            }),
            b"need_payment" => Self::NeedPayment(NeedPayment {
                owed: d.amount("owed")?,
                unpaid_bytes: d.int("unpaid", 0, i64::MAX)? as u64,
            }),
            b"error" => Self::Error(SpeedError {
                code: ErrorCode::from_number(d.int("code", i64::MIN, i64::MAX)?),
                message: d.optional("msg", |d| d.text("msg", MAX_ERROR_TEXT))?.unwrap_or_default(),
            }),
            other => {
                return Err(MessageError::UnknownType(
                    String::from_utf8_lossy(other).chars().take(32).collect(),
                ))
            }
        })
    }

    /// Bencoded with sorted keys; the same message always gives the same bytes.
    pub fn encode(&self) -> Bytes {
        let mut d = Dict::new();
        let mut put = |k: &str, v: BencodeValueOwned| {
            d.insert(ByteBufOwned::from(k.as_bytes()), v);
        };
        let bytes = |b: &[u8]| BencodeValueOwned::Bytes(ByteBufOwned::from(b));
        let amount = |a: Amount| BencodeValueOwned::Bytes(ByteBufOwned::from(&a.0.to_be_bytes()[..]));
        let int = |n: u64| BencodeValueOwned::Integer(i64::try_from(n).unwrap_or(i64::MAX));
        match self {
            Self::Hello(h) => {
                put("t", bytes(b"hello"));
                put("v", BencodeValueOwned::Integer(h.version));
                put("addr", bytes(h.address.as_bytes()));
                put("network", bytes(h.network.as_bytes()));
                put("token", bytes(h.token.as_bytes()));
                if let Some(ask) = h.ask {
                    put("ask", amount(ask));
                }
            }
            Self::Bid(b) => {
                put("t", bytes(b"bid"));
                put("price", amount(b.price));
                put("budget", amount(b.budget));
                put("channel", bytes(&b.channel.0));
                put("nonce", int(b.nonce));
            }
            Self::Price(p) => {
                put("t", bytes(b"price"));
                put("price", amount(p.price));
                put("slot", int(u64::from(p.slot)));
                put("window", int(p.credit_window));
            }
            Self::Voucher(v) => {
                put("t", bytes(b"voucher"));
                put("channel", bytes(&v.voucher.channel.0));
                put("seq", int(v.voucher.seq));
                put("cumulative", amount(Amount(v.voucher.cumulative)));
                put("expiry", int(v.voucher.expiry));
                put("sig", bytes(v.signature.as_bytes()));
            }
            Self::NeedPayment(n) => {
                put("t", bytes(b"need_payment"));
                put("owed", amount(n.owed));
                put("unpaid", int(n.unpaid_bytes));
            }
            Self::Error(e) => {
                put("t", bytes(b"error"));
                put("code", BencodeValueOwned::Integer(e.code.number()));
                // As much as the decoder takes, cut at a character boundary.
                let mut end = e.message.len().min(MAX_ERROR_TEXT);
                while !e.message.is_char_boundary(end) {
                    end -= 1;
                }
                put("msg", bytes(&e.message.as_bytes()[..end]));
            }
        }
        let mut out = Vec::new();
        // Serializing an in-memory dictionary into a Vec cannot fail.
        let _ = librqbit_bencode::bencode_serialize_to_writer(&d, &mut out);
        out.into()
    }
}

/// Typed access to a message's fields, each check naming the field.
struct Fields<'a>(&'a Dict);

impl Fields<'_> {
    fn get(&self, field: &'static str) -> Result<&BencodeValueOwned, MessageError> {
        self.0.get(field.as_bytes()).ok_or(MessageError::Field { field, problem: "missing" })
    }

    fn optional<T>(
        &self,
        field: &'static str,
        read: impl FnOnce(&Self) -> Result<T, MessageError>,
    ) -> Result<Option<T>, MessageError> {
        if self.0.contains_key(field.as_bytes()) {
            read(self).map(Some)
        } else {
            Ok(None)
        }
    }

    fn bytes(&self, field: &'static str) -> Result<Bytes, MessageError> {
        match self.get(field)? {
            BencodeValueOwned::Bytes(b) => Ok(b.0.clone()),
            _ => Err(MessageError::Field { field, problem: "not a byte string" }),
        }
    }

    fn fixed<const N: usize>(&self, field: &'static str) -> Result<[u8; N], MessageError> {
        let b = self.bytes(field)?;
        b[..].try_into().map_err(|_| MessageError::Field { field, problem: "wrong length" })
    }

    fn int(&self, field: &'static str, min: i64, max: i64) -> Result<i64, MessageError> {
        match self.get(field)? {
            BencodeValueOwned::Integer(n) if (min..=max).contains(n) => Ok(*n),
            BencodeValueOwned::Integer(_) => Err(MessageError::Field { field, problem: "out of range" }),
            _ => Err(MessageError::Field { field, problem: "not an integer" }),
        }
    }

    fn amount(&self, field: &'static str) -> Result<Amount, MessageError> {
        Ok(Amount(u128::from_be_bytes(self.fixed::<16>(field)?)))
    }

    fn address(&self, field: &'static str) -> Result<Address, MessageError> {
        Address::from_bytes(self.fixed::<21>(field)?)
            .map_err(|_| MessageError::Field { field, problem: "not a TRON address" })
    }

    fn channel(&self, field: &'static str) -> Result<ChannelId, MessageError> {
        Ok(ChannelId(self.fixed::<16>(field)?))
    }

    fn text(&self, field: &'static str, max: usize) -> Result<String, MessageError> {
        let b = self.bytes(field)?;
        if b.len() > max {
            return Err(MessageError::Field { field, problem: "too long" });
        }
        String::from_utf8(b.to_vec()).map_err(|_| MessageError::Field { field, problem: "not UTF-8" })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn address(n: u8) -> Address {
        Address::from_evm_bytes([n; 20])
    }

    /// Inputs that broke a fuzz check, replayed by `fuzz::tests` on every `cargo test`.
    pub(crate) const REGRESSIONS: &[&[u8]] =
        &[b"d4:codei-9e3:msg51:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1:t5:errore"];

    pub(crate) fn samples() -> Vec<SpeedMessage> {
        let channel = ChannelId([7; 16]);
        vec![
            SpeedMessage::Hello(Hello {
                version: 1,
                address: address(1),
                network: "nile".into(),
                token: address(2),
                ask: Some(Amount::from_btt(3)),
            }),
            SpeedMessage::Hello(Hello {
                version: 1,
                address: address(1),
                network: "mainnet".into(),
                token: address(2),
                ask: None,
            }),
            SpeedMessage::Bid(Bid { price: Amount(5), budget: Amount(u128::MAX), channel, nonce: 42 }),
            SpeedMessage::Price(PriceOffer { price: Amount(5), slot: true, credit_window: 4 << 20 }),
            SpeedMessage::Voucher(SignedVoucher {
                voucher: Voucher { channel, seq: 3, cumulative: 1 << 100, expiry: 1_800_000_000 },
                signature: Signature::from_slice(&[1u8; 65]).unwrap_or_else(|_| unreachable!()),
            }),
            SpeedMessage::NeedPayment(NeedPayment { owed: Amount(9), unpaid_bytes: 123 }),
            SpeedMessage::Error(SpeedError {
                code: ErrorCode::BelowAsk,
                message: "bid below the ask".into(),
            }),
        ]
    }

    #[test]
    fn every_message_round_trips() {
        for m in samples() {
            let bytes = m.encode();
            assert!(bytes.len() <= MAX_PAYLOAD, "{m:?} is {} bytes", bytes.len());
            assert_eq!(SpeedMessage::decode(&bytes).unwrap(), m);
        }
    }

    #[test]
    fn a_price_message_has_these_exact_bytes() {
        let m = SpeedMessage::Price(PriceOffer { price: Amount(1), slot: true, credit_window: 4194304 });
        let mut expected = b"d5:price16:".to_vec();
        expected.extend_from_slice(&[0; 15]);
        expected.extend_from_slice(b"\x014:sloti1e1:t5:price6:windowi4194304ee");
        assert_eq!(&m.encode()[..], &expected[..]);
    }

    #[test]
    fn bad_messages_are_refused_with_the_field_named() {
        let cases: &[(&[u8], &str)] = &[
            (b"le", "dictionary"),
            (b"d1:t3:fooe", "unknown bt_speed message type"),
            (b"d1:t5:price5:pricei5e4:sloti1e6:windowi0ee", "\"price\": not a byte string"),
            (b"d1:t12:need_payment4:owed3:abc6:unpaidi0ee", "\"owed\": wrong length"),
            (b"d1:t5:hello1:vi1ee", "\"addr\": missing"),
            (b"d1:t12:need_payment4:owed16:\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x016:unpaidi-1ee", "out of range"),
            (
                b"d1:t5:price5:price16:\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x014:sloti2e6:windowi0ee",
                "\"slot\": out of range",
            ),
            (b"d1:ti99999999999999999999ee", "not bencode"),
        ];
        for (bytes, expected) in cases {
            let err = SpeedMessage::decode(bytes).unwrap_err().to_string();
            assert!(err.contains(expected), "{:?}: {err}", String::from_utf8_lossy(bytes));
        }
        assert_eq!(
            SpeedMessage::decode(&[b'x'; MAX_PAYLOAD + 1]),
            Err(MessageError::TooLong(MAX_PAYLOAD + 1))
        );
    }

    #[test]
    fn unknown_keys_are_ignored_for_later_versions() {
        let mut m = samples()[3].encode().to_vec();
        // Insert "1:z i1e" before the final 'e' (keys stay sorted: z comes last).
        m.pop();
        m.extend_from_slice(b"1:zi1ee");
        assert_eq!(SpeedMessage::decode(&m).unwrap(), samples()[3]);
    }

    #[test]
    fn an_error_text_up_to_the_limit_survives_a_round_trip() {
        // The encoder cut texts at 50 characters while the decoder takes 200 bytes, so a
        // peer's 51-character reason came back shorter (found writing the fuzz round-trip check).
        for text in ["x".repeat(MAX_ERROR_TEXT), "é".repeat(MAX_ERROR_TEXT / 2), "x".repeat(51)] {
            let m = SpeedMessage::Error(SpeedError { code: ErrorCode::Other(-9), message: text });
            assert_eq!(SpeedMessage::decode(&m.encode()).unwrap(), m);
        }
        // Longer ones are cut at a character boundary within the limit, never refused.
        let long = SpeedMessage::Error(SpeedError { code: ErrorCode::BadMessage, message: "é".repeat(150) });
        let SpeedMessage::Error(e) = SpeedMessage::decode(&long.encode()).unwrap() else { unreachable!() };
        assert_eq!(e.message, "é".repeat(MAX_ERROR_TEXT / 2));
    }
}
