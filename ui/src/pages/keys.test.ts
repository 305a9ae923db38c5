/**
 * Keys the wallet and money pages build from API values (`t(\`network.${…}\`)` and the
 * like) exist in both languages for every value the API can send.
 */
import { describe, expect, it } from 'vitest';
import de from '../i18n/de.json';
import en from '../i18n/en.json';
import type { ChannelDirection, LedgerSummary, TransferDirection, TronNetwork } from '../bindings';
import type { AddressProblem } from '../lib/tronAddress';
import type { ParseError } from '../lib/amount';

type Tree = { [key: string]: string | Tree };

function has(tree: Tree, key: string): boolean {
  let node: string | Tree | undefined = tree;
  for (const part of key.split('.')) {
    if (typeof node !== 'object') return false;
    node = node[part];
  }
  return typeof node === 'string';
}

const networks: TronNetwork['kind'][] = ['mainnet', 'nile', 'shasta', 'custom', 'local'];
const directions: TransferDirection[] = ['in', 'out', 'fee'];
const channels: ChannelDirection[] = ['spend', 'earn'];
const problems: AddressProblem[] = ['empty', 'alphabet', 'length', 'checksum', 'prefix'];
const parseErrors: ParseError[] = ['empty', 'invalid', 'too_precise', 'separator', 'too_large'];
const summary: (keyof LedgerSummary)[] = ['onchain', 'committed', 'spendable', 'spent', 'earned_pending', 'earned_settled', 'fees', 'settlement_fees_sun', 'send_fees_sun'];

const keys = [
  ...networks.flatMap((n) => [`network.${n}`, `network.${n}Hint`]),
  ...directions.map((d) => `wallet.dir.${d}`),
  ...channels.map((c) => `btt.dir_${c}`),
  ...problems.map((p) => `send.address.${p}`),
  ...parseErrors.map((e) => `amount.${e}`),
  ...summary.map((k) => `money.how.${k}`),
  ...['torrents', 'wallet', 'money', 'speed'].map((v) => `nav.${v}`),
  ...['default', 'own', 'off'].flatMap((m) => [`bid.mode_${m}`, `bid.mode_${m}Hint`]),
  ...['keyring', 'file'].flatMap((s) => [`onboard.store_${s}`, `onboard.store_${s}Hint`]),
];

describe('keys built from API values', () => {
  it('exist in English and German', () => {
    expect(keys.filter((k) => !has(en as Tree, k))).toEqual([]);
    expect(keys.filter((k) => !has(de as Tree, k))).toEqual([]);
  });
});
