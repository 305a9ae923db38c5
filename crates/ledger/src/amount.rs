//! [`Amount`]: BTT in base units (18 decimals), exact. No float ever touches it: text is
//! parsed digit by digit and formatted from the integer.

use std::fmt;
use std::str::FromStr;

use crate::{Error, Result};

/// BTT (TRC-20) has 18 decimals: 1 BTT is 10^18 base units.
pub const DECIMALS: u32 = 18;
const ONE_BTT: u128 = 10u128.pow(DECIMALS);

/// An amount of BTT in base units. Arithmetic is checked: overflow and underflow are
/// errors, never a wrap or a saturation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(u128);

impl Amount {
    pub const ZERO: Amount = Amount(0);
    pub const MAX: Amount = Amount(u128::MAX);

    pub const fn from_base_units(units: u128) -> Self {
        Self(units)
    }

    /// Whole BTT; `None` when it would not fit.
    pub const fn from_btt(btt: u128) -> Option<Self> {
        match btt.checked_mul(ONE_BTT) {
            Some(units) => Some(Self(units)),
            None => None,
        }
    }

    pub const fn base_units(self) -> u128 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn checked_add(self, other: Amount) -> Result<Amount> {
        self.0.checked_add(other.0).map(Amount).ok_or(Error::Overflow { left: self, right: other })
    }

    pub fn checked_sub(self, other: Amount) -> Result<Amount> {
        self.0.checked_sub(other.0).map(Amount).ok_or(Error::Underflow { left: self, right: other })
    }

    /// The sum of all, or [`Error::Overflow`].
    pub fn sum<I: IntoIterator<Item = Amount>>(amounts: I) -> Result<Amount> {
        amounts.into_iter().try_fold(Amount::ZERO, Amount::checked_add)
    }

    /// Parses BTT as the user writes it: `12`, `12.5`, `0.000000000000000001`. Up to 18
    /// decimals; no sign, exponent, separators or surrounding spaces.
    pub fn parse_btt(s: &str) -> Result<Amount> {
        let bad = |reason: &'static str| Error::InvalidAmount { input: s.to_owned(), reason };
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (s, None),
        };
        if whole.is_empty() && frac.is_none_or(str::is_empty) {
            return Err(bad("it has no digits"));
        }
        if !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("only digits and one decimal point are allowed"));
        }
        let frac = frac.unwrap_or("");
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("only digits and one decimal point are allowed"));
        }
        if frac.len() > DECIMALS as usize {
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
        frac_units *= 10u128.pow(DECIMALS - frac.len() as u32);
        units.checked_add(frac_units).map(Amount).ok_or_else(too_large)
    }

    /// Exact BTT text: the integer part, then a point and the fraction without trailing
    /// zeros when there is one. `12.5`, `0`, `0.000000000000000001`.
    pub fn to_btt_string(self) -> String {
        let whole = self.0 / ONE_BTT;
        let frac = self.0 % ONE_BTT;
        if frac == 0 {
            return whole.to_string();
        }
        let digits = format!("{frac:018}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }

    /// The base-unit integer as stored in the database.
    pub(crate) fn to_db(self) -> String {
        self.0.to_string()
    }

    /// Reads a stored base-unit integer; `what` names the column for the error.
    pub(crate) fn from_db(text: &str, what: &'static str) -> Result<Amount> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::Corrupt { what, detail: format!("amount {text:?} is not a decimal integer") });
        }
        text.parse::<u128>()
            .map(Amount)
            .map_err(|_| Error::Corrupt { what, detail: format!("amount {text:?} does not fit in 128 bits") })
    }
}

/// Formats as BTT (see [`Amount::to_btt_string`]).
impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_btt_string())
    }
}

/// Parses BTT (see [`Amount::parse_btt`]).
impl FromStr for Amount {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse_btt(s)
    }
}

/// A decimal BTT string, as in the UI: JSON numbers cannot hold 128 bits exactly.
impl serde::Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_btt_string())
    }
}

impl<'de> serde::Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
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
            assert_eq!(Amount(units).to_btt_string(), text);
        }
        // Forms that parse but format canonically.
        assert_eq!(Amount::parse_btt("12.50").unwrap().to_string(), "12.5");
        assert_eq!(Amount::parse_btt(".5").unwrap().to_string(), "0.5");
        assert_eq!(Amount::parse_btt("7.").unwrap().to_string(), "7");
        assert_eq!(Amount::parse_btt("007").unwrap().to_string(), "7");
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
            assert!(matches!(err, Error::InvalidAmount { .. }), "{bad}: {err}");
        }
        let err = Amount::parse_btt("0.0000000000000000001").unwrap_err();
        assert_eq!(
            err.to_string(),
            "not a BTT amount: \"0.0000000000000000001\": BTT has at most 18 decimals"
        );
    }

    #[test]
    fn arithmetic_overflow_and_underflow_are_errors() {
        assert!(matches!(Amount::MAX.checked_add(Amount(1)), Err(Error::Overflow { .. })));
        assert!(matches!(Amount(1).checked_sub(Amount(2)), Err(Error::Underflow { .. })));
        assert!(matches!(Amount::sum([Amount::MAX, Amount(1)]), Err(Error::Overflow { .. })));
        assert_eq!(Amount::sum([Amount(2), Amount(3)]).unwrap(), Amount(5));
        assert_eq!(Amount::from_btt(u128::MAX), None);
    }

    #[test]
    fn serde_is_a_decimal_string() {
        let a = Amount::parse_btt("12.5").unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"12.5\"");
        assert_eq!(serde_json::from_str::<Amount>("\"12.5\"").unwrap(), a);
        assert!(serde_json::from_str::<Amount>("12.5").is_err());
    }

    #[test]
    fn stored_form_is_the_base_unit_integer() {
        assert_eq!(Amount(u128::MAX).to_db(), u128::MAX.to_string());
        assert_eq!(Amount::from_db(&u128::MAX.to_string(), "x").unwrap(), Amount::MAX);
        assert!(Amount::from_db("1.5", "x").is_err());
        assert!(Amount::from_db("340282366920938463463374607431768211456", "x").is_err());
    }

    proptest! {
        #[test]
        fn btt_text_round_trips(units in any::<u128>()) {
            let a = Amount(units);
            prop_assert_eq!(Amount::parse_btt(&a.to_btt_string()).unwrap(), a);
            prop_assert_eq!(Amount::from_db(&a.to_db(), "x").unwrap(), a);
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
