-- Bidswarm ledger, first schema. The journal is the truth for money; the other tables
-- hold the signed records the journal's events are about. See src/journal.rs.
--
-- Amounts are BTT base units (18 decimals) as TEXT holding the decimal integer: lossless
-- for all of u128, and never summed by SQL (Rust sums them with checked arithmetic).
-- Times are unix seconds (UTC). Addresses are the 21 raw TRON bytes.

-- Our own wallet addresses.
CREATE TABLE accounts (
    address BLOB PRIMARY KEY CHECK (length(address) = 21),
    label TEXT NOT NULL,
    added_at INTEGER NOT NULL
) STRICT;

-- Remote peers we have had a channel with.
CREATE TABLE peers (
    address BLOB PRIMARY KEY CHECK (length(address) = 21),
    public_key BLOB CHECK (public_key IS NULL OR length(public_key) = 65),
    client TEXT,
    first_seen INTEGER NOT NULL
) STRICT;

CREATE TABLE channels (
    id BLOB PRIMARY KEY CHECK (length(id) = 16),
    payer BLOB NOT NULL CHECK (length(payer) = 21),
    payee BLOB NOT NULL CHECK (length(payee) = 21),
    info_hash BLOB NOT NULL CHECK (length(info_hash) = 20),
    price_per_gib TEXT NOT NULL CHECK (price_per_gib NOT GLOB '*[^0-9]*' AND price_per_gib <> ''),
    budget TEXT NOT NULL CHECK (budget NOT GLOB '*[^0-9]*' AND budget <> ''),
    direction TEXT NOT NULL CHECK (direction IN ('spend', 'earn')),
    state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'settled')),
    opened_at INTEGER NOT NULL
) STRICT;

CREATE TABLE vouchers (
    id INTEGER PRIMARY KEY,
    channel BLOB NOT NULL REFERENCES channels (id),
    seq INTEGER NOT NULL CHECK (seq >= 0),
    cumulative TEXT NOT NULL CHECK (cumulative NOT GLOB '*[^0-9]*' AND cumulative <> ''),
    expiry INTEGER NOT NULL CHECK (expiry >= 0),
    signature BLOB NOT NULL CHECK (length(signature) = 65),
    recorded_at INTEGER NOT NULL,
    UNIQUE (channel, seq)
) STRICT;

CREATE TABLE settlements (
    id INTEGER PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('spend', 'earn')),
    counterparty BLOB NOT NULL CHECK (length(counterparty) = 21),
    amount TEXT NOT NULL CHECK (amount NOT GLOB '*[^0-9]*' AND amount <> ''),
    txid TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'failed')),
    attempts INTEGER NOT NULL CHECK (attempts >= 1),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- What one settlement pays per channel: the cumulative range (from, upto].
CREATE TABLE settlement_channels (
    settlement_id INTEGER NOT NULL REFERENCES settlements (id),
    channel BLOB NOT NULL REFERENCES channels (id),
    from_cumulative TEXT NOT NULL CHECK (from_cumulative NOT GLOB '*[^0-9]*' AND from_cumulative <> ''),
    upto_cumulative TEXT NOT NULL CHECK (upto_cumulative NOT GLOB '*[^0-9]*' AND upto_cumulative <> ''),
    PRIMARY KEY (settlement_id, channel)
) STRICT;

-- Transfers in and out of our wallets that are not settlements: deposits, withdrawals,
-- fees.
CREATE TABLE wallet_txs (
    id INTEGER PRIMARY KEY,
    txid TEXT NOT NULL UNIQUE,
    account BLOB NOT NULL REFERENCES accounts (address),
    kind TEXT NOT NULL CHECK (kind IN ('deposit', 'withdrawal', 'fee')),
    counterparty BLOB CHECK (counterparty IS NULL OR length(counterparty) = 21),
    amount TEXT NOT NULL CHECK (amount NOT GLOB '*[^0-9]*' AND amount <> ''),
    at INTEGER NOT NULL
) STRICT;

-- A balance read from the chain; the journal reconciles its wallet account to it.
CREATE TABLE balance_observations (
    id INTEGER PRIMARY KEY,
    account BLOB NOT NULL REFERENCES accounts (address),
    amount TEXT NOT NULL CHECK (amount NOT GLOB '*[^0-9]*' AND amount <> ''),
    at INTEGER NOT NULL
) STRICT;

-- One row per economic event. `record_digest` is sha256 of the canonical bytes of the
-- record it is about (src/journal.rs), so a record edited later no longer matches.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    account BLOB,
    channel BLOB REFERENCES channels (id),
    voucher_id INTEGER REFERENCES vouchers (id),
    settlement_id INTEGER REFERENCES settlements (id),
    wallet_tx_id INTEGER REFERENCES wallet_txs (id),
    observation_id INTEGER REFERENCES balance_observations (id),
    txid TEXT,
    record_digest BLOB NOT NULL CHECK (length(record_digest) = 32)
) STRICT;

-- The double-entry journal: append-only, every event's entries balance (debits equal
-- credits), and each row is chained to the one before by sha256.
CREATE TABLE journal (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id),
    account TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('debit', 'credit')),
    amount TEXT NOT NULL CHECK (amount NOT GLOB '*[^0-9]*' AND amount <> ''),
    prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
    hash BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;

CREATE INDEX journal_event ON journal (event_id);
CREATE INDEX events_at ON events (at);
CREATE INDEX settlement_channels_channel ON settlement_channels (channel);

-- Append-only, enforced where the database can: the ledger never updates or deletes a
-- journal row, event or voucher. (Someone with the file can drop these triggers; verify()
-- catches what they change then.)
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER vouchers_no_update BEFORE UPDATE ON vouchers
BEGIN SELECT RAISE(ABORT, 'vouchers are append-only'); END;
CREATE TRIGGER vouchers_no_delete BEFORE DELETE ON vouchers
BEGIN SELECT RAISE(ABORT, 'vouchers are append-only'); END;
