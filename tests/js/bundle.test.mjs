// The web bundle ships only what the pages run: every module under web/js/ is reached from a
// page's <script type="module"> (web/*.html) through static imports, re-exports, dynamic
// import() and `new URL('…', import.meta.url)` (how pow.js starts its Web Worker); every import
// resolves to a file inside web/js/; and the import graph has no cycles. Test-only code lives
// under tests/js/lib/ instead (HPKE's other modes, consistency proofs).
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
const JS = join(WEB, 'js');

// Imports in the module's own graph, and URLs of files started apart (a Worker is a graph of
// its own, so pow.js → pow-worker.js → pow.js is no cycle).
const IMPORTS = [
  /\bimport\s+(?:[\w$*{}\s,]+?\s+from\s+)?['"]([^'"]+)['"]/g, // import … from '…', import '…'
  /\bexport\s+(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s+from\s+['"]([^'"]+)['"]/g, // export … from '…'
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, // import('…')
];
const URLS = [/\bnew\s+URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g];

/** The files a module names through `patterns`, resolved to absolute paths. */
function named(file, patterns) {
  const source = readFileSync(file, 'utf8');
  const found = new Set();
  for (const pattern of patterns) {
    for (const [, specifier] of source.matchAll(pattern)) {
      assert.ok(specifier.startsWith('./') || specifier.startsWith('../'), `${relative(WEB, file)} names ${specifier}: only relative paths are served`);
      found.add(resolve(dirname(file), specifier));
    }
  }
  return [...found];
}

/** The module scripts of every page: /js/… paths from every .html under web/ (the reporter's pages and
 * the staff app's under web/staff/). */
function pageEntries() {
  const entries = [];
  const pages = readdirSync(WEB, { recursive: true }).map(String).filter((f) => f.endsWith('.html'));
  for (const page of pages) {
    const html = readFileSync(join(WEB, page), 'utf8');
    const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"[^>]*>/g)].map((m) => m[1]);
    assert.ok(scripts.length > 0, `${page} loads no script`);
    for (const src of scripts) {
      assert.match(src, /^\/js\/.+\.js$/, `${page}: ${src}`);
      entries.push(join(WEB, ...src.slice(1).split('/')));
    }
  }
  return entries;
}

/** Every file reached from the pages: Map(file → {imports, urls}). */
function graph() {
  const edges = new Map();
  const pending = pageEntries();
  while (pending.length > 0) {
    const file = pending.pop();
    if (edges.has(file)) continue;
    assert.ok(file.startsWith(JS + sep), `${relative(WEB, file)} is outside web/js/`);
    assert.ok(existsSync(file), `${relative(WEB, file)} is imported but does not exist`);
    const imports = named(file, IMPORTS);
    const urls = named(file, URLS);
    edges.set(file, { imports, urls });
    pending.push(...imports, ...urls);
  }
  return edges;
}

test('every module under web/js/ is imported by a page or the worker, and only those', () => {
  const reached = [...graph().keys()].map((f) => relative(WEB, f)).sort();
  const shipped = readdirSync(JS, { recursive: true })
    .filter((f) => f.endsWith('.js'))
    .map((f) => relative(WEB, join(JS, f)))
    .sort();
  assert.ok(reached.includes(join('js', 'crypto', 'pow-worker.js')), 'the Web Worker is reached');
  assert.deepEqual(shipped.filter((f) => !reached.includes(f)), [], 'modules no page imports');
  assert.deepEqual(reached, shipped);
  // Nothing but the app's modules under web/js/: no .mjs helpers, JSON or other files.
  const others = readdirSync(JS, { recursive: true }).filter((f) => !f.endsWith('.js') && !statSync(join(JS, f)).isDirectory());
  assert.deepEqual(others, []);
});

test('the import graph of web/js/ has no cycles', () => {
  const edges = graph();
  const state = new Map(); // file → 'open' while on the path, 'done' after
  const visit = (file, path) => {
    if (state.get(file) === 'done') return;
    assert.notEqual(state.get(file), 'open', `import cycle: ${[...path, file].map((f) => relative(WEB, f)).join(' → ')}`);
    state.set(file, 'open');
    for (const target of edges.get(file).imports) visit(target, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of edges.keys()) visit(file, []);
});
