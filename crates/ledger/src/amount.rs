//! How the ledger stores an [`Amount`]: its base-unit integer as decimal text (SQLite's
//! integers hold 64 bits, an amount 128).

use crate::{Amount, Error, Result};

pub(crate) trait Stored: Sized {
    /// The base-unit integer as stored in the database.
    fn to_db(self) -> String;
    /// Reads a stored base-unit integer; `what` names the column for the error.
    fn from_db(text: &str, what: &'static str) -> Result<Self>;
}

impl Stored for Amount {
    fn to_db(self) -> String {
        self.0.to_string()
    }

    fn from_db(text: &str, what: &'static str) -> Result<Amount> {
        Amount::parse_base_units(text).map_err(|e| Error::Corrupt { what, detail: e.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stored_form_is_the_base_unit_integer() {
        assert_eq!(Amount(u128::MAX).to_db(), u128::MAX.to_string());
        assert_eq!(Amount::from_db(&u128::MAX.to_string(), "x").unwrap(), Amount::MAX);
        assert!(Amount::from_db("1.5", "x").is_err());
        assert!(Amount::from_db("340282366920938463463374607431768211456", "x").is_err());
    }

    proptest! {
        #[test]
        fn stored_text_round_trips(units in any::<u128>()) {
            prop_assert_eq!(Amount::from_db(&Amount(units).to_db(), "x").unwrap(), Amount(units));
        }
    }
}
