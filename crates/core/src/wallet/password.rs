//! One password check at a time, and a growing wait after wrong ones.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use bidswarm_api::{ApiError, ApiErrorKind};
use tracing::warn;

use super::{lock, ApiResult};
use crate::error::{api_error, join_error, wallet_error};

/// Wrong passwords in a row that cost nothing but their own key derivation: a typo, caps
/// lock, the other keyboard layout.
const FREE_WRONG_PASSWORDS: u32 = 3;
/// The wait after the first wrong password beyond the free ones; each further one doubles it.
const FIRST_PASSWORD_DELAY: Duration = Duration::from_secs(1);
/// The longest wait, so that someone else's guesses never shut the owner out for longer.
const MAX_PASSWORD_DELAY: Duration = Duration::from_secs(60);
/// Password checks that may wait behind the running one; more are refused at once.
const MAX_QUEUED_PASSWORD_CHECKS: usize = 8;

/// Slows down password guessing. The attacker: an API caller holding the token (a
/// script, a page that got the token) guessing the wallet password. Unchecked, each guess
/// costs us a 64 MiB Argon2id run and a core, and any number can run at once.
///
/// - **One at a time.** A check waits for its turn (tokio's mutex is fair: in the order
///   the requests came) and holds it until its key derivation ends. At most
///   [`MAX_QUEUED_PASSWORD_CHECKS`] wait; one more is refused at once.
/// - **A growing wait.** The first [`FREE_WRONG_PASSWORDS`] wrong passwords in a row cost
///   nothing more; the next one starts a wait of 1 s, and each further one doubles it, up
///   to 60 s (1, 2, 4, 8, 16, 32, 60, 60 … s). So a guesser gets 10 tries in the first
///   minute or so and then one a minute, about 1,440 a day, each an Argon2id run; the owner
///   who mistyped is never held up, and the cap means a guesser can keep the owner out for
///   a minute at most, never for good (a permanent lock would hand anyone with the token a
///   way to lock the owner out). Phones and password managers lock out in the same way.
/// - **Refused, not queued, during the wait.** A password request during the wait, right
///   or wrong, is answered at once with `TooManyAttempts` saying how many seconds are
///   left, without running Argon2id; checks already waiting for their turn are refused
///   when it comes. Refusals do not count as wrong passwords, and do not lengthen the
///   wait. A right password resets the count.
/// - **In memory, per wallet.** A restart forgets the count. The API caller cannot restart
///   Bidswarm; whoever can (the desktop user, a shell on the machine) can also copy the
///   sealed wallet and guess offline, where no count applies, so keeping the count on disk
///   would stop no one and only let a guesser keep the owner out across restarts.
pub(super) struct PasswordGate {
    /// Held through one check's key derivation (moved into the blocking task, so a
    /// dropped request does not free it while its Argon2id run goes on).
    turn: Arc<tokio::sync::Mutex<()>>,
    /// Checks waiting for `turn`.
    queued: AtomicUsize,
    wrong: Mutex<WrongPasswords>,
}

#[derive(Debug, Default)]
struct WrongPasswords {
    /// Wrong passwords since the last right one.
    in_a_row: u32,
    /// Until then every check is refused unchecked.
    refuse_until: Option<tokio::time::Instant>,
}

/// The wait after `in_a_row` wrong passwords: none for the free ones, then
/// [`FIRST_PASSWORD_DELAY`] doubling up to [`MAX_PASSWORD_DELAY`].
fn password_delay(in_a_row: u32) -> Option<Duration> {
    let beyond_free = in_a_row.checked_sub(FREE_WRONG_PASSWORDS + 1)?;
    Some(FIRST_PASSWORD_DELAY.saturating_mul(1 << beyond_free.min(16)).min(MAX_PASSWORD_DELAY))
}

/// One check's turn at the [`PasswordGate`].
pub(super) struct PasswordTurn {
    _turn: tokio::sync::OwnedMutexGuard<()>,
    gate: Arc<PasswordGate>,
}

/// Takes a check out of [`PasswordGate::queued`] when it gets its turn or its request is
/// dropped.
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn too_many_attempts(message: String) -> ApiError {
    api_error(
        ApiErrorKind::TooManyAttempts,
        format!("{message}; this try was not checked and nothing was changed"),
    )
}

impl PasswordGate {
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Self {
            turn: Arc::new(tokio::sync::Mutex::new(())),
            queued: AtomicUsize::new(0),
            wrong: Mutex::new(WrongPasswords::default()),
        })
    }

    /// Waits for a check's turn. Refused at once during a wait, or when too many checks
    /// are waiting already; refused when the turn comes if a wait began meanwhile.
    pub(super) async fn turn(self: &Arc<Self>) -> ApiResult<PasswordTurn> {
        self.refuse_while_waiting()?;
        let ahead = self.queued.fetch_add(1, Ordering::SeqCst);
        let queued = Queued(&self.queued);
        if ahead >= MAX_QUEUED_PASSWORD_CHECKS {
            return Err(too_many_attempts(format!(
                "{MAX_QUEUED_PASSWORD_CHECKS} password checks are already waiting for this wallet; \
                 try again in a few seconds"
            )));
        }
        let turn = self.turn.clone().lock_owned().await;
        drop(queued);
        self.refuse_while_waiting()?;
        Ok(PasswordTurn { _turn: turn, gate: self.clone() })
    }

    pub(super) fn refuse_while_waiting(&self) -> ApiResult<()> {
        let wrong = lock(&self.wrong);
        let left =
            wrong.refuse_until.map(|until| until.saturating_duration_since(tokio::time::Instant::now()));
        match left {
            Some(left) if !left.is_zero() => Err(too_many_attempts(format!(
                "{} wrong passwords in a row; wait {} s before the next try",
                wrong.in_a_row,
                left.as_millis().div_ceil(1000)
            ))),
            _ => Ok(()),
        }
    }

    /// Counts a check's verdict: a right password resets the count, a wrong one may
    /// start a wait. Anything else (a disk error while resealing) is no verdict.
    fn count<T>(&self, result: &bidswarm_wallet::Result<T>) {
        let mut wrong = lock(&self.wrong);
        match result {
            Ok(_) => *wrong = WrongPasswords::default(),
            Err(bidswarm_wallet::Error::WrongPassword) => {
                wrong.in_a_row = wrong.in_a_row.saturating_add(1);
                let delay = password_delay(wrong.in_a_row);
                wrong.refuse_until = delay.map(|d| tokio::time::Instant::now() + d);
                if let Some(delay) = delay {
                    warn!(
                        in_a_row = wrong.in_a_row,
                        wait_secs = delay.as_secs(),
                        "wrong wallet password; password checks are refused for a while"
                    );
                }
            }
            Err(_) => {}
        }
    }
}

impl PasswordTurn {
    /// Runs `check`, the key derivation that checks the password, on `spawn_blocking`
    /// and counts its verdict. The turn ends, and the verdict is counted, when the
    /// derivation does, also if the request was dropped meanwhile: so no guess goes
    /// uncounted and no second Argon2id run starts beside it.
    pub(super) async fn derive<T: Send + 'static>(
        self,
        check: impl FnOnce() -> bidswarm_wallet::Result<T> + Send + 'static,
    ) -> ApiResult<T> {
        tokio::task::spawn_blocking(move || {
            let result = check();
            self.gate.count(&result);
            result
        })
        .await
        .map_err(join_error)?
        .map_err(wallet_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bidswarm_api::{Response, WalletState};

    use crate::wallet::tests::{kind, locked_wallet, PASSWORD};

    #[test]
    fn password_waits_grow_from_a_second_to_a_minute() {
        let waits: Vec<_> = (1..=11).map(|n| password_delay(n).map(|d| d.as_secs())).collect();
        let expected =
            [None, None, None, Some(1), Some(2), Some(4), Some(8), Some(16), Some(32), Some(60), Some(60)];
        assert_eq!(waits, expected);
        assert_eq!(password_delay(u32::MAX), Some(MAX_PASSWORD_DELAY));
    }

    /// The guesser with the API token: after the free wrong passwords even the right one
    /// is refused (so it was never checked) until the wait is over, by every request that
    /// takes a password. A right password starts the count again.
    #[tokio::test(start_paused = true)]
    async fn after_the_free_wrong_passwords_even_the_right_one_waits() {
        use tokio::time::advance;
        use ApiErrorKind::{TooManyAttempts, WrongPassword};
        let dir = tempfile::tempdir().unwrap();
        let wallet = locked_wallet(dir.path()).await;
        for _ in 0..4 {
            assert_eq!(kind(wallet.unlock("wrong".into()).await), Some(WrongPassword));
        }
        let err = wallet.unlock(PASSWORD.into()).await.unwrap_err();
        assert_eq!(err.kind, TooManyAttempts);
        assert_eq!(
            err.message,
            "4 wrong passwords in a row; wait 1 s before the next try; \
             this try was not checked and nothing was changed"
        );
        assert_eq!(wallet.inner.status().state, WalletState::Locked);
        assert_eq!(kind(wallet.reveal_mnemonic(PASSWORD.into()).await), Some(TooManyAttempts));
        let change = wallet.change_password(PASSWORD.into(), "new".into()).await;
        assert_eq!(kind(change), Some(TooManyAttempts));
        advance(Duration::from_millis(999)).await;
        assert_eq!(kind(wallet.unlock(PASSWORD.into()).await), Some(TooManyAttempts));
        advance(Duration::from_millis(1)).await;
        wallet.unlock(PASSWORD.into()).await.unwrap();
        assert_eq!(wallet.inner.status().state, WalletState::Unlocked);

        // Counted afresh: three free again, then 1 s, then 2 s.
        for _ in 0..4 {
            assert_eq!(kind(wallet.reveal_mnemonic("wrong".into()).await), Some(WrongPassword));
        }
        assert_eq!(kind(wallet.reveal_mnemonic(PASSWORD.into()).await), Some(TooManyAttempts));
        advance(Duration::from_secs(1)).await;
        assert_eq!(kind(wallet.reveal_mnemonic("wrong".into()).await), Some(WrongPassword));
        let err = wallet.reveal_mnemonic(PASSWORD.into()).await.unwrap_err();
        assert!(err.message.starts_with("5 wrong passwords in a row; wait 2 s"), "{}", err.message);
        advance(Duration::from_millis(1999)).await;
        assert_eq!(kind(wallet.reveal_mnemonic(PASSWORD.into()).await), Some(TooManyAttempts));
        advance(Duration::from_millis(1)).await;
        assert!(matches!(wallet.reveal_mnemonic(PASSWORD.into()).await, Ok(Response::Mnemonic { .. })));
    }

    /// A burst of wrong passwords at once, through all three requests: checked one at a
    /// time in the order they came (run side by side, all seven would be checked), and
    /// those still waiting when the wait begins are refused unchecked.
    #[tokio::test(start_paused = true)]
    async fn wrong_passwords_sent_at_once_are_checked_in_turn() {
        use ApiErrorKind::{TooManyAttempts, WrongPassword};
        let dir = tempfile::tempdir().unwrap();
        let wallet = locked_wallet(dir.path()).await;
        let tries: Vec<_> = (0..7)
            .map(|i| {
                let wallet = wallet.clone();
                tokio::spawn(async move {
                    match i % 3 {
                        0 => wallet.unlock("wrong".into()).await,
                        1 => wallet.reveal_mnemonic("wrong".into()).await,
                        _ => wallet.change_password("wrong".into(), "new".into()).await,
                    }
                })
            })
            .collect();
        let mut kinds = Vec::new();
        for try_ in tries {
            kinds.push(kind(try_.await.unwrap()));
        }
        let expected = [
            WrongPassword,
            WrongPassword,
            WrongPassword,
            WrongPassword,
            TooManyAttempts,
            TooManyAttempts,
            TooManyAttempts,
        ];
        assert_eq!(kinds, expected.map(Some));
    }

    /// Checks beyond the queue's bound are refused at once, the right password too, so a
    /// flood of requests holds no more than that many passwords in memory.
    #[tokio::test(start_paused = true)]
    async fn no_more_password_checks_wait_than_the_queue_holds() {
        let dir = tempfile::tempdir().unwrap();
        let wallet = locked_wallet(dir.path()).await;
        // A check in progress holds the turn while the flood arrives (taken here, so how
        // fast the first check runs cannot change what queues).
        let gate = wallet.inner.passwords.clone();
        let running = gate.turn.clone().lock_owned().await;
        let tries: Vec<_> = (0..MAX_QUEUED_PASSWORD_CHECKS + 3)
            .map(|_| {
                let wallet = wallet.clone();
                tokio::spawn(async move { wallet.reveal_mnemonic(PASSWORD.into()).await })
            })
            .collect();
        for _ in 0..100 {
            if gate.queued.load(Ordering::SeqCst) == MAX_QUEUED_PASSWORD_CHECKS
                && tries.iter().filter(|t| t.is_finished()).count() == 3
            {
                break;
            }
            tokio::task::yield_now().await;
        }
        drop(running);
        let mut results = Vec::new();
        for try_ in tries {
            results.push(try_.await.unwrap());
        }
        let (checked, refused): (Vec<_>, Vec<_>) = results.iter().partition(|r| r.is_ok());
        assert_eq!(checked.len(), MAX_QUEUED_PASSWORD_CHECKS, "the queue's worth is checked");
        assert!(checked.iter().all(|r| matches!(r, Ok(Response::Mnemonic { .. }))));
        assert_eq!(refused.len(), 3, "the rest is refused at once");
        for r in refused {
            let err = r.as_ref().unwrap_err();
            assert_eq!(err.kind, ApiErrorKind::TooManyAttempts);
            assert!(err.message.contains("already waiting"), "{}", err.message);
        }
    }
}
