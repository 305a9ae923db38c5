/**
 * Every string is translated: both languages have the same keys, every key the code
 * names exists, and components hold no literal text a user would read.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAst } from 'rolldown/parseAst';
import { describe, expect, it } from 'vitest';
import { BANDWIDTH_PRIORITIES } from '../lib/torrentControls';
import { TORRENT_NAME_PROBLEMS } from '../lib/torrents';
import { TRACKER_STATUSES, TRACKER_URL_PROBLEMS } from '../lib/trackers';
import de from './de.json';
import en from './en.json';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const srcDir = join(__dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'bindings' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

const enKeys = flatten(en as Tree);
const deKeys = flatten(de as Tree);

describe('translations', () => {
  it('German and English have exactly the same keys', () => {
    expect([...deKeys.keys()].filter((k) => !enKeys.has(k))).toEqual([]);
    expect([...enKeys.keys()].filter((k) => !deKeys.has(k))).toEqual([]);
  });

  it('no translation is empty, and placeholders match across languages', () => {
    for (const [key, text] of enKeys) {
      expect(text, key).not.toBe('');
      const vars = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
      expect(vars(deKeys.get(key) ?? ''), key).toEqual(vars(text));
    }
  });

  it('every key the code names with t("…") exists', () => {
    const missing: string[] = [];
    for (const file of sourceFiles(srcDir)) {
      const code = readFileSync(file, 'utf8');
      for (const m of code.matchAll(/\bt\(\s*'([a-zA-Z_.]+)'/g)) {
        const key = m[1]!;
        if (!enKeys.has(key) && !enKeys.has(`${key}_one`) && !enKeys.has(`${key}_other`)) missing.push(`${file}: ${key}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('keys built from API values exist for every value', () => {
    for (const s of ['resolving', 'checking', 'downloading', 'seeding', 'paused', 'queued', 'moving', 'error']) expect(enKeys.has(`state.${s}`)).toBe(true);
    for (const p of BANDWIDTH_PRIORITIES) expect(enKeys.has(`queue.priorities.${p}`)).toBe(true);
    for (const p of TORRENT_NAME_PROBLEMS) expect(enKeys.has(`rename.problem.${p}`)).toBe(true);
    for (const s of TRACKER_STATUSES) expect(enKeys.has(`trackers.statuses.${s}`), s).toBe(true);
    for (const p of TRACKER_URL_PROBLEMS) expect(enKeys.has(`trackers.problem.${p}`), p).toBe(true);
    for (const k of ['bad_request', 'invalid_magnet', 'invalid_torrent', 'path_not_found', 'already_exists', 'unknown_torrent', 'unreachable', 'unauthorized', 'forbidden', 'io', 'internal', 'too_many_attempts', 'file_in_the_way', 'unknown_label', 'label_exists'])
      expect(enKeys.has(`errors.${k}`)).toBe(true);
    for (const c of ['connecting', 'connected', 'reconnecting', 'no_token', 'unauthorized']) expect(enKeys.has(`connection.${c}`)).toBe(true);
  });

  it('components hold no literal user-visible text', () => {
    const offenders: string[] = [];
    const files = sourceFiles(srcDir).filter((f) => f.endsWith('.tsx'));
    expect(files.length).toBeGreaterThan(5);
    const visibleAttributes = new Set(['aria-label', 'title', 'placeholder', 'alt', 'label']);
    for (const file of files) {
      const ast = parseAst(readFileSync(file, 'utf8'), { lang: 'tsx' });
      walk(ast, (node) => {
        // Text between tags with letters in it, or a visible attribute given as a string.
        if (node.type === 'JSXText' && /\p{L}{2,}/u.test(String(node.value))) offenders.push(`${file}: ${String(node.value).trim()}`);
        if (node.type === 'JSXAttribute') {
          const name = (node.name as { name?: string }).name ?? '';
          const value = node.value as { type?: string; value?: unknown } | null;
          if (visibleAttributes.has(name) && value?.type === 'Literal' && /\p{L}/u.test(String(value.value))) {
            offenders.push(`${file}: ${name}="${String(value.value)}"`);
          }
        }
      });
    }
    expect(offenders).toEqual([]);
  });
});

type Node = { type: string; [key: string]: unknown };

function walk(node: unknown, visit: (n: Node) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  if (typeof (node as Node).type === 'string') visit(node as Node);
  for (const value of Object.values(node)) if (typeof value === 'object') walk(value, visit);
}
