// web/js/crypto/qr.js against an independent decoder (jsqr, from npm) for many texts and
// lengths across versions 1..15 and beyond, every mask, UTF-8, a real otpauth URI and a damaged
// symbol; and known answers from ISO 18004: the byte-mode capacities at level M (so the block
// table is the standard's, not merely one jsqr's error correction copes with), sizes, alignment
// positions, format and version information, and the SVG's shape.
import test from 'node:test';
import assert from 'node:assert/strict';
import jsQR from 'jsqr';
import {
  alignmentPositions,
  byteCapacity,
  formatBits,
  qrMatrix,
  qrSvg,
  versionBits,
  versionFor,
} from '../../web/js/crypto/qr.js';

/** RGBA pixels of the matrix with a 4-module quiet zone, `scale` pixels per module. */
function render({ size, modules }, scale = 3, margin = 4) {
  const full = (size + 2 * margin) * scale;
  const data = new Uint8ClampedArray(full * full * 4).fill(255);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!modules[y * size + x]) continue;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const p = (((y + margin) * scale + dy) * full + (x + margin) * scale + dx) * 4;
          data[p] = data[p + 1] = data[p + 2] = 0;
        }
      }
    }
  }
  return { data, width: full, height: full };
}

function decode(matrix, scale = 3) {
  const { data, width, height } = render(matrix, scale);
  const result = jsQR(data, width, height, { inversionAttempts: 'dontInvert' });
  assert.ok(result, `jsqr found no code in version ${matrix.version}`);
  return result;
}

// A deterministic pseudo-random generator, so a failure names a reproducible text.
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s;
  };
}
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&()*+,;=% ';

function text(length, seed) {
  const next = rng(seed);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[next() % ALPHABET.length];
  return out;
}

// ISO 18004 Table 7, byte mode, level M, versions 1..40.
const CAPACITY_M = [
  14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666, 711, 779, 857, 911,
  997, 1059, 1125, 1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331,
];

test('byte capacities at level M are the standard table', () => {
  for (let v = 1; v <= 40; v++) assert.equal(byteCapacity(v), CAPACITY_M[v - 1], `version ${v}`);
});

test('the smallest version that holds the text is chosen, size 4v + 17', () => {
  for (let v = 1; v <= 40; v++) {
    const cap = CAPACITY_M[v - 1];
    assert.equal(versionFor(cap), v);
    if (v < 40) assert.equal(versionFor(cap + 1), v + 1);
  }
  assert.equal(qrMatrix('').version, 1);
  assert.equal(qrMatrix('').size, 21);
  assert.equal(qrMatrix('x'.repeat(14)).size, 21);
  assert.equal(qrMatrix('x'.repeat(15)).size, 25);
  assert.equal(qrMatrix('x'.repeat(287)).version, 12);
  assert.equal(qrMatrix('x'.repeat(300)).version, 13);
  assert.equal(qrMatrix('x'.repeat(300)).size, 69);
  assert.throws(() => qrMatrix('x'.repeat(2332)), RangeError);
});

test('alignment pattern positions (ISO 18004 Annex E)', () => {
  assert.deepEqual(alignmentPositions(1), []);
  assert.deepEqual(alignmentPositions(2), [6, 18]);
  assert.deepEqual(alignmentPositions(7), [6, 22, 38]);
  assert.deepEqual(alignmentPositions(15), [6, 26, 48, 70]);
  assert.deepEqual(alignmentPositions(32), [6, 34, 60, 86, 112, 138]);
  assert.deepEqual(alignmentPositions(36), [6, 24, 50, 76, 102, 128, 154]);
  assert.deepEqual(alignmentPositions(40), [6, 30, 58, 86, 114, 142, 170]);
});

test('format and version information (ISO 18004 Annex C and D)', () => {
  // Level M, masks 0..7, after the 0x5412 mask (Table C.1).
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7].map(formatBits),
    [0x5412, 0x5125, 0x5e7c, 0x5b4b, 0x45f9, 0x40ce, 0x4f97, 0x4aa0],
  );
  // Table D.1.
  assert.equal(versionBits(7), 0x07c94);
  assert.equal(versionBits(15), 0x0f928);
  assert.equal(versionBits(40), 0x28c69);
});

test('the finder, timing and dark module are where the standard puts them', () => {
  const { size, modules } = qrMatrix('hello');
  const at = (x, y) => modules[y * size + x];
  for (const [cx, cy] of [[3, 3], [size - 4, 3], [3, size - 4]]) {
    assert.equal(at(cx, cy), 1);
    assert.equal(at(cx - 2, cy), 0);
    assert.equal(at(cx - 3, cy - 3), 1);
  }
  for (let i = 8; i < size - 8; i++) {
    assert.equal(at(i, 6), i % 2 === 0 ? 1 : 0);
    assert.equal(at(6, i), i % 2 === 0 ? 1 : 0);
  }
  assert.equal(at(8, size - 8), 1);
});

test('a real otpauth URI decodes to itself', () => {
  const uri =
    'otpauth://totp/Meldpunt%20Politie:intake.officer%40politie.nl?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Meldpunt%20Politie&algorithm=SHA1&digits=6&period=30';
  const m = qrMatrix(uri);
  assert.ok(m.version >= 8 && m.version <= 9, `version ${m.version}`);
  const r = decode(m);
  assert.equal(r.data, uri);
  assert.equal(r.version, m.version);
});

test('many lengths across versions 1..15 (and some beyond) decode to their text', () => {
  const lengths = new Set([0, 1, 2, 13, 14, 15]);
  for (let v = 1; v <= 15; v++) {
    const cap = CAPACITY_M[v - 1];
    lengths.add(cap);
    lengths.add(cap - 1);
    lengths.add(Math.max(0, cap - 7));
  }
  for (const n of [450, 666, 1000]) lengths.add(n);
  let seed = 1;
  for (const n of [...lengths].sort((a, b) => a - b)) {
    const t = text(n, seed++);
    const m = qrMatrix(t);
    const r = decode(m, m.size > 100 ? 2 : 3);
    assert.equal(r.data, t, `length ${n}, version ${m.version}, mask ${m.mask}`);
    assert.equal(r.version, m.version);
  }
});

test('every mask is chosen for some text, and each decodes', () => {
  const seen = new Set();
  for (let seed = 1; seed < 400 && seen.size < 8; seed++) {
    const t = text(20 + (seed % 40), seed);
    const m = qrMatrix(t);
    if (seen.has(m.mask)) continue;
    seen.add(m.mask);
    assert.equal(decode(m).data, t, `mask ${m.mask}`);
  }
  assert.equal(seen.size, 8);
});

test('UTF-8 text decodes', () => {
  const t = 'Wachtwoord-Ünïcode € — meldpunt';
  assert.equal(decode(qrMatrix(t)).data, t);
});

test('with some modules damaged, the error correction still recovers the text', () => {
  const t = text(100, 77);
  const m = qrMatrix(t);
  const damaged = { ...m, modules: m.modules.slice() };
  // Flip a few data modules in the lower-right area (away from the finders and the format).
  for (let i = 0; i < 6; i++) damaged.modules[(m.size - 1 - i) * m.size + (m.size - 1)] ^= 1;
  assert.equal(decode(damaged).data, t);
});

test('the SVG has one path, role img, and no style attributes', () => {
  const svg = qrSvg('otpauth://totp/x?secret=ABC', { scale: 5, margin: 4, label: 'Scan "this" & go' });
  assert.equal(svg.match(/<path/g).length, 1);
  assert.match(svg, /role="img"/);
  assert.match(svg, /aria-label="Scan &#34;this&#34; &#38; go"/);
  assert.doesNotMatch(svg, /style/);
  const { size } = qrMatrix('otpauth://totp/x?secret=ABC');
  assert.match(svg, new RegExp(`width="${(size + 8) * 5}"`));
  assert.match(svg, new RegExp(`viewBox="0 0 ${size + 8} ${size + 8}"`));
  assert.throws(() => qrSvg('x', { scale: 0 }), RangeError);
});

test('the SVG path covers exactly the dark modules', () => {
  const t = 'path check';
  const { size, modules } = qrMatrix(t);
  const svg = qrSvg(t, { margin: 2 });
  const d = svg.match(/ d="([^"]*)"/)[1];
  const drawn = new Uint8Array(size * size);
  for (const [, x, y, run] of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    for (let i = 0; i < Number(run); i++) drawn[(Number(y) - 2) * size + Number(x) - 2 + i] = 1;
  }
  assert.deepEqual(drawn, modules);
});
