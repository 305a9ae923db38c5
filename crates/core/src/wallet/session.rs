//! The unlocked key as the wallet and bid for speed hold it.

use std::sync::{Arc, RwLock};

use bidswarm_wallet::{Address, PrivateKey, Signature, Signer};

/// The unlocked key, shared with the speed layer as its signer. [`SessionKey::revoke`]
/// drops the key (it zeroizes); from then on every signature request fails.
pub(super) struct SessionKey {
    key: RwLock<Option<PrivateKey>>,
    pub(super) address: Address,
}

impl SessionKey {
    pub(super) fn new(key: PrivateKey) -> Arc<Self> {
        Arc::new(Self { address: key.address(), key: RwLock::new(Some(key)) })
    }

    pub(super) fn revoke(&self) {
        *self.key.write().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// A second holder of the same key, revoked on its own (bid for speed's).
    pub(super) fn duplicate(&self) -> Option<Arc<Self>> {
        let key = self.key.read().unwrap_or_else(|p| p.into_inner()).clone()?;
        Some(Self::new(key))
    }
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionKey").field("address", &self.address).finish_non_exhaustive()
    }
}

impl Signer for SessionKey {
    fn sign_prehash(&self, prehash: &[u8; 32]) -> bidswarm_wallet::Result<Signature> {
        match self.key.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
            Some(key) => key.sign_prehash(prehash),
            None => Err(bidswarm_wallet::Error::Keyring("the wallet is locked; unlock it to sign".into())),
        }
    }

    fn address(&self) -> bidswarm_wallet::Result<Address> {
        Ok(self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revoked_session_key_signs_nothing() {
        let key = SessionKey::new(PrivateKey::from_bytes(&[7u8; 32]).unwrap());
        let digest = [1u8; 32];
        assert_eq!(key.sign_prehash(&digest).unwrap().recover(&digest).unwrap(), key.address);
        key.revoke();
        let err = key.sign_prehash(&digest).unwrap_err();
        assert!(err.to_string().contains("locked"), "{err}");
        assert!(!format!("{key:?}").contains("07070707"));
    }
}
