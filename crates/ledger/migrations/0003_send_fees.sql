-- The TRX the chain burnt for each transfer the user sent from the wallet page (TRX or
-- BTT), noted when it is signed and filled in from `gettransactioninfobyid` once it is in
-- a block. TRX, not BTT: kept beside the journal, which books BTT only (a BTT send's
-- amount is its `wallet_txs` withdrawal). A transaction that expired without a block
-- burnt nothing: its fee is noted as 0.
CREATE TABLE send_fees (
    txid TEXT PRIMARY KEY CHECK (length(txid) = 64 AND txid NOT GLOB '*[^0-9a-f]*'),
    account BLOB NOT NULL REFERENCES accounts (address),
    counterparty BLOB NOT NULL CHECK (length(counterparty) = 21),
    asset TEXT NOT NULL CHECK (asset IN ('trx', 'btt')),
    -- The chain it was sent on (`mainnet`, `nile`, `shasta`, `devnet:<port>`): its fee is
    -- read from that chain only, whatever network the wallet uses later.
    network TEXT NOT NULL CHECK (network <> ''),
    -- raw_data.expiration, milliseconds since the Unix epoch: after it (by the chain's
    -- clock) a transaction not in a block never will be.
    expiration_ms INTEGER NOT NULL,
    at INTEGER NOT NULL,
    -- gettransactioninfobyid `fee`, once known.
    fee_sun INTEGER CHECK (fee_sun IS NULL OR fee_sun >= 0),
    -- How often the node was asked in vain: the least asked go first, so a send the node
    -- never settles cannot hold up the ones after it.
    checks INTEGER NOT NULL DEFAULT 0 CHECK (checks >= 0)
) STRICT;
