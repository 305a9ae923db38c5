import { describe, expect, it } from 'vitest';
import { perPeer } from './ledgerCsv';

describe('perPeer', () => {
  it('sums vouchers per counterparty exactly and skips wallet transfers', () => {
    const csv = [
      'date,torrent,peer,direction,amount_btt,state,txid',
      '2026-01-01T00:00:00Z,ab,TPayee,spend,0.000000000000000001,unsettled,',
      '2026-01-01T00:00:01Z,ab,TPayee,spend,1.5,settled,"tx,1"',
      '2026-01-01T00:00:02Z,cd,TPayer,earn,2,unsettled,',
      '2026-01-01T00:00:03Z,,TOther,deposit,100,confirmed,tx2',
    ].join('\n');
    expect(perPeer(csv)).toEqual([
      { peer: 'TPayer', spent: 0n, earned: 2_000_000_000_000_000_000n, vouchers: 1 },
      { peer: 'TPayee', spent: 1_500_000_000_000_000_001n, earned: 0n, vouchers: 2 },
    ]);
  });

  it('reads an empty export as no peers', () => {
    expect(perPeer('')).toEqual([]);
    expect(perPeer('date,torrent,peer,direction,amount_btt,state,txid\n')).toEqual([]);
  });
});
