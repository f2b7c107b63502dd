// The translation files: Dutch and English have exactly the same keys, every key the pages
// name (data-i18n, data-i18n-attr, data-i18n-list, and t('…') calls with a literal key) exists
// in both, and no text is empty. Needs no browser or server.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';

const WEB = join(ROOT, 'web');
const load = (lang) => JSON.parse(readFileSync(join(WEB, 'i18n', `${lang}.json`), 'utf8'));

function flatten(obj, prefix = '', out = new Map()) {
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, `${prefix}${k}.`, out);
    else out.set(`${prefix}${k}`, v);
  }
  return out;
}

function files(dir, ext) {
  return readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith(ext) && !f.startsWith('js/crypto'))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

test('Dutch and English have the same keys, none empty', () => {
  const nl = flatten(load('nl'));
  const en = flatten(load('en'));
  assert.deepEqual([...nl.keys()].sort(), [...en.keys()].sort());
  for (const [lang, map] of [['nl', nl], ['en', en]]) {
    for (const [key, value] of map) {
      const empty = Array.isArray(value) ? value.length === 0 || value.some((v) => !v.trim()) : !String(value).trim();
      assert.ok(!empty, `${lang}: ${key} is empty`);
    }
  }
});

test('every key the pages use exists', () => {
  const nl = flatten(load('nl'));
  const used = new Set();
  for (const html of files(WEB, '.html')) {
    for (const m of html.matchAll(/data-i18n(?:-list)?="([^"]+)"/g)) used.add(m[1]);
    for (const m of html.matchAll(/data-i18n-attr="([^"]+)"/g)) {
      for (const pair of m[1].split(';')) used.add(pair.split(':')[1]);
    }
  }
  for (const js of files(join(WEB, 'js'), '.js')) {
    for (const m of js.matchAll(/\bt\('([a-z_.]+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size > 100, `only ${used.size} keys found`);
  const missing = [...used].filter((k) => !nl.has(k));
  assert.deepEqual(missing, []);
});
