-- The signed TRON transaction of each settlement we pay, stored before it is broadcast.
-- A settlement whose node answered slowly or not at all is rebroadcast with these same
-- bytes (the node answers DUP_TRANSACTION_ERROR when it has them) and followed until it
-- is in a block or its expiration has passed by the chain's clock; only then may the
-- debt be signed again. So no debt is ever paid by two transactions, across restarts
-- too. Operational data, not money: the settlement's events carry the money.
CREATE TABLE settlement_transactions (
    settlement_id INTEGER PRIMARY KEY REFERENCES settlements (id),
    txid TEXT NOT NULL UNIQUE CHECK (length(txid) = 64 AND txid NOT GLOB '*[^0-9a-f]*'),
    -- The protobuf Transaction (raw data and signature), hex: public bytes, no key.
    signed_hex TEXT NOT NULL CHECK (signed_hex <> '' AND signed_hex NOT GLOB '*[^0-9a-f]*'),
    -- raw_data.expiration, milliseconds since the Unix epoch.
    expiration_ms INTEGER NOT NULL,
    -- What the chain burnt for it (gettransactioninfobyid `fee`), once known.
    fee_sun INTEGER CHECK (fee_sun IS NULL OR fee_sun >= 0)
) STRICT;
