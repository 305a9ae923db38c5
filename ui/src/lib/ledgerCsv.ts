/**
 * The ledger's CSV export (`date,torrent,peer,direction,amount_btt,state,txid`) read back
 * for the per-peer view: what each counterparty was paid and paid us, summed exactly.
 */
import { BTT_DECIMALS, parseUnits } from './amount';

export interface PeerEconomics {
  peer: string;
  spent: bigint;
  earned: bigint;
  vouchers: number;
}

/** Splits one CSV line; fields may be quoted with `"` and `""` inside. */
function splitLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

export function perPeer(csv: string): PeerEconomics[] {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = splitLine(lines[0] ?? '');
  const col = (name: string) => header.indexOf(name);
  const [peerCol, dirCol, amountCol] = [col('peer'), col('direction'), col('amount_btt')];
  if (peerCol < 0 || dirCol < 0 || amountCol < 0) return [];
  const peers = new Map<string, PeerEconomics>();
  for (const line of lines.slice(1)) {
    const f = splitLine(line);
    const direction = f[dirCol];
    if (direction !== 'spend' && direction !== 'earn') continue;
    const peer = f[peerCol] ?? '';
    const parsed = parseUnits(f[amountCol] ?? '', BTT_DECIMALS);
    if (!parsed.ok) continue;
    const entry = peers.get(peer) ?? { peer, spent: 0n, earned: 0n, vouchers: 0 };
    if (direction === 'spend') entry.spent += BigInt(parsed.units);
    else entry.earned += BigInt(parsed.units);
    entry.vouchers += 1;
    peers.set(peer, entry);
  }
  return [...peers.values()].sort((a, b) => (b.spent + b.earned > a.spent + a.earned ? 1 : -1));
}
