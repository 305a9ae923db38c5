//! [`Amount`]: BTT in base units (18 decimals), exact. No float touches money.

use std::{fmt, str::FromStr};

/// Base units per BTT.
pub const BTT_DECIMALS: u32 = 18;
const UNIT: u128 = 10u128.pow(BTT_DECIMALS);

/// An amount of BTT in base units (10^-18 BTT). Arithmetic is checked: overflow is an
/// error, never a wrap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(pub u128);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    #[error("the amount is too large")]
    Overflow,
    #[error("the result would be negative")]
    Negative,
    #[error("not an amount of BTT: {0:?} (write it like 12.5, with at most 18 decimals)")]
    Invalid(String),
}

impl Amount {
    pub const ZERO: Self = Self(0);

    pub fn base_units(self) -> u128 {
        self.0
    }

    /// Whole BTT.
    pub fn from_btt(btt: u64) -> Self {
        Self(u128::from(btt) * UNIT)
    }

    pub fn checked_add(self, other: Self) -> Result<Self, AmountError> {
        self.0.checked_add(other.0).map(Self).ok_or(AmountError::Overflow)
    }

    pub fn checked_sub(self, other: Self) -> Result<Self, AmountError> {
        self.0.checked_sub(other.0).map(Self).ok_or(AmountError::Negative)
    }

    pub fn saturating_sub(self, other: Self) -> Self {
        Self(self.0.saturating_sub(other.0))
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

/// Exact decimal BTT: "12.5", "0.000000000000000001", "3". No exponent, no sign.
impl FromStr for Amount {
    type Err = AmountError;
    fn from_str(s: &str) -> Result<Self, AmountError> {
        let invalid = || AmountError::Invalid(s.chars().take(40).collect());
        let (whole, fraction) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
        let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (s.contains('.') && !digits(fraction)) || fraction.len() > BTT_DECIMALS as usize
        {
            return Err(invalid());
        }
        let whole: u128 = whole.parse().map_err(|_| AmountError::Overflow)?;
        let scale = 10u128.pow(BTT_DECIMALS - fraction.len() as u32);
        let fraction: u128 = if fraction.is_empty() { 0 } else { fraction.parse().map_err(|_| invalid())? };
        whole
            .checked_mul(UNIT)
            .and_then(|w| w.checked_add(fraction * scale))
            .map(Self)
            .ok_or(AmountError::Overflow)
    }
}

/// Exact decimal BTT, trailing zeros dropped: 12.5, 3, 0.000000000000000001.
impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, fraction) = (self.0 / UNIT, self.0 % UNIT);
        if fraction == 0 {
            return write!(f, "{whole}");
        }
        let fraction = format!("{fraction:018}");
        write!(f, "{whole}.{}", fraction.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_round_trips_exactly() {
        for text in ["0", "1", "12.5", "0.000000000000000001", "340282366920938463463.374607431768211455"] {
            let amount: Amount = text.parse().unwrap();
            assert_eq!(amount.to_string(), text);
        }
        assert_eq!("12.50".parse::<Amount>().unwrap(), Amount(12_500_000_000_000_000_000));
        assert_eq!(Amount(u128::MAX).to_string(), "340282366920938463463.374607431768211455");
    }

    #[test]
    fn bad_text_and_overflow_are_errors() {
        for bad in ["", ".", "1.", ".5", "-1", "1e3", "1.0000000000000000001", "abc", "1,5"] {
            assert!(matches!(bad.parse::<Amount>(), Err(AmountError::Invalid(_))), "{bad:?}");
        }
        assert_eq!("340282366920938463464".parse::<Amount>(), Err(AmountError::Overflow));
        assert_eq!(Amount(u128::MAX).checked_add(Amount(1)), Err(AmountError::Overflow));
        assert_eq!(Amount(1).checked_sub(Amount(2)), Err(AmountError::Negative));
    }
}
