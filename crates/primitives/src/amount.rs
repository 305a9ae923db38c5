//! [`Amount`]: BTT in base units (18 decimals), exact. No float ever touches it: text is
//! parsed digit by digit and formatted from the integer.

use std::{fmt, str::FromStr};

/// BTT (TRC-20) has 18 decimals: 1 BTT is 10^18 base units.
pub const BTT_DECIMALS: u32 = 18;
const ONE_BTT: u128 = 10u128.pow(BTT_DECIMALS);

/// An amount of BTT in base units. Arithmetic is checked: overflow and underflow are
/// errors, never a wrap; [`Amount::saturating_sub`] says so in its name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(pub u128);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    #[error("not a BTT amount: {input:?}: {reason}")]
    Invalid { input: String, reason: &'static str },
    #[error("not a whole number of base units: {input:?}: {reason}")]
    InvalidUnits { input: String, reason: &'static str },
    #[error("amount overflow: {left} + {right} BTT does not fit in 128 bits")]
    Overflow { left: Amount, right: Amount },
    #[error("amount underflow: {left} - {right} BTT would be negative")]
    Underflow { left: Amount, right: Amount },
}

impl Amount {
    pub const ZERO: Amount = Amount(0);
    pub const MAX: Amount = Amount(u128::MAX);

    pub const fn from_base_units(units: u128) -> Self {
        Self(units)
    }

    /// Whole BTT (any `u64` of them fits).
    pub const fn from_btt(btt: u64) -> Self {
        Self(btt as u128 * ONE_BTT)
    }

    pub const fn base_units(self) -> u128 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn checked_add(self, other: Amount) -> Result<Amount, AmountError> {
        self.0.checked_add(other.0).map(Amount).ok_or(AmountError::Overflow { left: self, right: other })
    }

    pub fn checked_sub(self, other: Amount) -> Result<Amount, AmountError> {
        self.0.checked_sub(other.0).map(Amount).ok_or(AmountError::Underflow { left: self, right: other })
    }

    /// `self - other`, or zero when `other` is larger.
    pub fn saturating_sub(self, other: Amount) -> Amount {
        Amount(self.0.saturating_sub(other.0))
    }

    /// The sum of all, or [`AmountError::Overflow`].
    pub fn sum<I: IntoIterator<Item = Amount>>(amounts: I) -> Result<Amount, AmountError> {
        amounts.into_iter().try_fold(Amount::ZERO, Amount::checked_add)
    }

    /// Parses BTT as the user writes it: `12`, `12.5`, `0.000000000000000001`. Up to 18
    /// decimals; no sign, exponent, separators or surrounding spaces.
    pub fn parse_btt(s: &str) -> Result<Amount, AmountError> {
        let bad = |reason: &'static str| AmountError::Invalid { input: s.chars().take(80).collect(), reason };
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (s, None),
        };
        if whole.is_empty() && frac.is_none_or(str::is_empty) {
            return Err(bad("it has no digits"));
        }
        let frac = frac.unwrap_or("");
        if !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad("only digits and one decimal point are allowed"));
        }
        if frac.len() > BTT_DECIMALS as usize {
            return Err(bad("BTT has at most 18 decimals"));
        }
        let too_large = || bad("it is larger than the largest amount (2^128 - 1 base units)");
        let mut units: u128 = 0;
        for b in whole.bytes() {
            units = units
                .checked_mul(10)
                .and_then(|u| u.checked_add(u128::from(b - b'0')))
                .ok_or_else(too_large)?;
        }
        units = units.checked_mul(ONE_BTT).ok_or_else(too_large)?;
        let mut frac_units: u128 = 0;
        for b in frac.bytes() {
            frac_units = frac_units * 10 + u128::from(b - b'0');
        }
        // Fewer than 18 digits: scale up ("5" after the point is 5 * 10^17).
        frac_units *= 10u128.pow(BTT_DECIMALS - frac.len() as u32);
        units.checked_add(frac_units).map(Amount).ok_or_else(too_large)
    }

    /// Parses base units as the API and the database carry them: a decimal integer, digits
    /// only.
    pub fn parse_base_units(s: &str) -> Result<Amount, AmountError> {
        let bad =
            |reason: &'static str| AmountError::InvalidUnits { input: s.chars().take(80).collect(), reason };
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("digits only, no sign, point or space"));
        }
        s.parse::<u128>().map(Amount).map_err(|_| bad("it does not fit in 128 bits"))
    }
}

/// Exact BTT text: the integer part, then a point and the fraction without trailing zeros
/// when there is one. `12.5`, `0`, `0.000000000000000001`.
impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.0 / ONE_BTT, self.0 % ONE_BTT);
        if frac == 0 {
            return write!(f, "{whole}");
        }
        let digits = format!("{frac:018}");
        write!(f, "{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// Parses BTT (see [`Amount::parse_btt`]).
impl FromStr for Amount {
    type Err = AmountError;
    fn from_str(s: &str) -> Result<Self, AmountError> {
        Self::parse_btt(s)
    }
}

/// A decimal BTT string, as in the UI: JSON numbers cannot hold 128 bits exactly.
impl serde::Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Amount::parse_btt(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_formats_exactly() {
        let cases = [
            ("0", 0u128),
            ("1", ONE_BTT),
            ("12.5", 12 * ONE_BTT + ONE_BTT / 2),
            ("0.000000000000000001", 1),
            ("340282366920938463463.374607431768211455", u128::MAX),
        ];
        for (text, units) in cases {
            assert_eq!(Amount::parse_btt(text).unwrap(), Amount(units), "{text}");
            assert_eq!(Amount(units).to_string(), text);
        }
        // Forms that parse but format canonically.
        assert_eq!(Amount::parse_btt("12.50").unwrap().to_string(), "12.5");
        assert_eq!(Amount::parse_btt(".5").unwrap().to_string(), "0.5");
        assert_eq!(Amount::parse_btt("7.").unwrap().to_string(), "7");
        assert_eq!(Amount::parse_btt("007").unwrap().to_string(), "7");
        assert_eq!(Amount::from_btt(u64::MAX).0, u128::from(u64::MAX) * ONE_BTT);
    }

    #[test]
    fn rejects_what_is_not_an_exact_amount() {
        for bad in [
            "",
            ".",
            "-1",
            "+1",
            "1e3",
            " 1",
            "1,5",
            "1.2.3",
            "0.0000000000000000001",
            "340282366920938463463.374607431768211456",
            "1000000000000000000000",
        ] {
            let err = Amount::parse_btt(bad).unwrap_err();
            assert!(matches!(err, AmountError::Invalid { .. }), "{bad}: {err}");
        }
        let err = Amount::parse_btt("0.0000000000000000001").unwrap_err();
        assert_eq!(
            err.to_string(),
            "not a BTT amount: \"0.0000000000000000001\": BTT has at most 18 decimals"
        );
    }

    #[test]
    fn base_units_are_digits_that_fit() {
        assert_eq!(Amount::parse_base_units(&u128::MAX.to_string()).unwrap(), Amount::MAX);
        for bad in ["", "1.5", "-1", " 1", "1e3", "340282366920938463463374607431768211456"] {
            assert!(Amount::parse_base_units(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn arithmetic_overflow_and_underflow_are_errors() {
        assert!(matches!(Amount::MAX.checked_add(Amount(1)), Err(AmountError::Overflow { .. })));
        assert!(matches!(Amount(1).checked_sub(Amount(2)), Err(AmountError::Underflow { .. })));
        assert!(matches!(Amount::sum([Amount::MAX, Amount(1)]), Err(AmountError::Overflow { .. })));
        assert_eq!(Amount::sum([Amount(2), Amount(3)]).unwrap(), Amount(5));
        assert_eq!(Amount(1).saturating_sub(Amount(2)), Amount::ZERO);
    }

    #[test]
    fn serde_is_a_decimal_string() {
        let a = Amount::parse_btt("12.5").unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"12.5\"");
        assert_eq!(serde_json::from_str::<Amount>("\"12.5\"").unwrap(), a);
        assert!(serde_json::from_str::<Amount>("12.5").is_err());
    }

    proptest! {
        #[test]
        fn text_round_trips(units in any::<u128>()) {
            let a = Amount(units);
            prop_assert_eq!(Amount::parse_btt(&a.to_string()).unwrap(), a);
            prop_assert_eq!(Amount::parse_base_units(&a.0.to_string()).unwrap(), a);
        }

        #[test]
        fn checked_add_matches_u128(a in any::<u128>(), b in any::<u128>()) {
            let sum = Amount(a).checked_add(Amount(b));
            match a.checked_add(b) {
                Some(s) => prop_assert_eq!(sum.unwrap(), Amount(s)),
                None => prop_assert!(sum.is_err()),
            }
        }
    }
}
