/**
 * TRON address checks for the send form, so a mistyped recipient is refused before
 * anything is priced or signed. Same rules as the core (`bidswarm_wallet::Address`):
 * base58check of 21 bytes starting with 0x41, or the same as 42 hex digits.
 */
import { sha256 } from '@noble/hashes/sha2.js';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export type AddressProblem = 'empty' | 'alphabet' | 'length' | 'checksum' | 'prefix';

function base58Decode(text: string): Uint8Array | null {
  let value = 0n;
  for (const ch of text) {
    const digit = ALPHABET.indexOf(ch);
    if (digit < 0) return null;
    value = value * 58n + BigInt(digit);
  }
  const bytes: number[] = [];
  while (value > 0n) {
    bytes.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  for (const ch of text) {
    if (ch !== '1') break;
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

/** `null` when `text` is a valid TRON address, else what is wrong with it. */
export function tronAddressProblem(input: string): AddressProblem | null {
  const text = input.trim();
  if (text === '') return 'empty';
  if (/^(0x)?41[0-9a-fA-F]{40}$/.test(text)) return null;
  if (/^(0x)?[0-9a-fA-F]{42}$/.test(text)) return 'prefix';
  const bytes = base58Decode(text);
  if (!bytes) return 'alphabet';
  if (bytes.length !== 25) return 'length';
  const body = bytes.slice(0, 21);
  const check = sha256(sha256(body)).slice(0, 4);
  if (check.some((b, i) => b !== bytes[21 + i])) return 'checksum';
  if (body[0] !== 0x41) return 'prefix';
  return null;
}

/** An address short enough for a table cell, `TJRabP…Gx6c`; the full one belongs in its title. */
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}
