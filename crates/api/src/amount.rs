//! [`BaseUnits`]: an amount as requests carry it, checked when the request is read.

use bidswarm_primitives::Amount;
use ts_rs::TS;

/// An amount in a token's smallest unit (BTT: 10^-18 BTT; TRX: sun), as a JSON string of
/// decimal digits: JSON numbers cannot hold 128 bits exactly. Anything else (a sign, a
/// point, a space, more than 2^128 - 1) is refused when the request is read
/// (`bad_request`), so no handler parses an amount again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, TS)]
#[ts(type = "string")]
pub struct BaseUnits(pub u128);

impl BaseUnits {
    /// As BTT, for the speed layer and the ledger.
    pub fn btt(self) -> Amount {
        Amount(self.0)
    }
}

impl std::fmt::Display for BaseUnits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl serde::Serialize for BaseUnits {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for BaseUnits {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Amount::parse_base_units(&text).map(|a| Self(a.0)).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_units_are_a_string_of_digits_and_nothing_else() {
        let max = format!("\"{}\"", u128::MAX);
        assert_eq!(serde_json::from_str::<BaseUnits>(&max).unwrap(), BaseUnits(u128::MAX));
        assert_eq!(serde_json::to_string(&BaseUnits(12)).unwrap(), "\"12\"");
        for bad in [
            "12",
            "\"\"",
            "\"-1\"",
            "\"1.5\"",
            "\" 1\"",
            "\"1e3\"",
            "\"340282366920938463463374607431768211456\"",
        ] {
            let err = serde_json::from_str::<BaseUnits>(bad).unwrap_err();
            assert!(bad == "12" || err.to_string().contains("base units"), "{bad}: {err}");
        }
    }
}
