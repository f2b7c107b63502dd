// @ts-check
// A QR code encoder (ISO/IEC 18004:2015) for the staff enrolment page: the TOTP secret's
// `otpauth://` URI is shown as a QR code made in the page, so the secret never goes to a
// third-party service or library.
//
// Contract: qrMatrix(text) encodes the UTF-8 bytes of `text` in byte mode at error correction
// level M, in the smallest version (1..40) that holds them, with the mask of lowest penalty
// under the four rules of ISO 18004 §7.8.3 (ties: the lower mask number). It returns
// {size, modules}: `modules[y * size + x]` is 1 for a dark module, 0 for a light one, row by
// row from the top left; no quiet zone is included. Text longer than version 40 holds
// (2331 bytes) throws RangeError. qrSvg(text, {scale, margin, label}) draws the same matrix as
// an SVG string: a white background <rect> and exactly one <path> for the dark modules, colours
// as fill attributes only (the staff pages' CSP has no 'unsafe-inline' for styles), role="img"
// and an aria-label (default "QR code"). Nothing here is secret-aware: the caller wipes or
// drops the text it encodes.

import { utf8 } from './b64.js';

/**
 * Error correction codewords per block at level M, by version (index 0 unused).
 * ISO 18004 Table 9.
 */
const ECC_PER_BLOCK_M = [
  -1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28,
  28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
];
/** Error correction blocks at level M, by version (index 0 unused). ISO 18004 Table 9. */
const BLOCKS_M = [
  -1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33,
  35, 37, 38, 40, 43, 45, 47, 49,
];
/** Level M's two format bits (ISO 18004 Table 12: L=01, M=00, Q=11, H=10). */
const FORMAT_BITS_M = 0;
export const MIN_VERSION = 1;
export const MAX_VERSION = 40;

// GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D), as log/antilog tables.
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  // Doubled so that EXP[LOG[a] + LOG[b]] needs no reduction mod 255.
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
}

/** @param {number} a @param {number} b */
function gfMul(a, b) {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]];
}

/**
 * The Reed–Solomon generator polynomial of `degree`, ∏ (x − α^i) for i < degree, as its
 * coefficients from x^(degree−1) down to x^0 (the leading 1 left out).
 * @param {number} degree
 */
function rsGenerator(degree) {
  const g = new Uint8Array(degree);
  g[degree - 1] = 1; // the polynomial "1"
  let root = 1;
  for (let i = 0; i < degree; i++) {
    // Multiply by (x − root), i.e. shift left and add root·g.
    for (let j = 0; j < degree; j++) {
      g[j] = gfMul(g[j], root);
      if (j + 1 < degree) g[j] ^= g[j + 1];
    }
    root = gfMul(root, 2);
  }
  return g;
}

/** The ECC codewords of `data`: the remainder of data·x^n divided by the generator. @param {Uint8Array} data @param {Uint8Array} generator */
function rsRemainder(data, generator) {
  const n = generator.length;
  const rem = new Uint8Array(n);
  for (const byte of data) {
    const factor = byte ^ rem[0];
    rem.copyWithin(0, 1);
    rem[n - 1] = 0;
    for (let i = 0; i < n; i++) rem[i] ^= gfMul(generator[i], factor);
  }
  return rem;
}

/** Row/column centres of the alignment patterns of `version` (ISO 18004 Annex E). @param {number} version */
export function alignmentPositions(version) {
  if (version === 1) return [];
  const size = version * 4 + 17;
  const count = Math.floor(version / 7) + 2;
  // Evenly spaced from the last towards 6, with an even step; version 32 is the table's one
  // exception to the formula.
  const step = version === 32 ? 26 : Math.ceil((version * 4 + 4) / (count * 2 - 2)) * 2;
  const positions = [6];
  for (let pos = size - 7; positions.length < count; pos -= step) positions.splice(1, 0, pos);
  return positions;
}

/** Modules left for data and ECC once the function patterns are drawn. @param {number} version */
function rawDataModules(version) {
  let n = (16 * version + 128) * version + 64;
  if (version >= 2) {
    const align = Math.floor(version / 7) + 2;
    n -= (25 * align - 10) * align - 55;
    if (version >= 7) n -= 36; // two version information blocks of 18
  }
  return n;
}

/** Data codewords (bytes) of `version` at level M. @param {number} version */
export function dataCodewords(version) {
  return Math.floor(rawDataModules(version) / 8) - ECC_PER_BLOCK_M[version] * BLOCKS_M[version];
}

/** Most bytes a byte-mode symbol of `version` at level M holds. @param {number} version */
export function byteCapacity(version) {
  const countBits = version <= 9 ? 8 : 16;
  return Math.floor((dataCodewords(version) * 8 - 4 - countBits) / 8);
}

/** The smallest version whose byte-mode capacity at M holds `length` bytes. @param {number} length */
export function versionFor(length) {
  for (let v = MIN_VERSION; v <= MAX_VERSION; v++) if (byteCapacity(v) >= length) return v;
  throw new RangeError(`${length} bytes do not fit in a QR code at level M`);
}

/** The data codewords: mode, count, bytes, terminator, padding. @param {Uint8Array} bytes @param {number} version */
function dataStream(bytes, version) {
  const capacity = dataCodewords(version);
  /** @type {number[]} */
  const bits = [];
  /** @param {number} value @param {number} n */
  const put = (value, n) => {
    for (let i = n - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  put(0b0100, 4); // byte mode
  put(bytes.length, version <= 9 ? 8 : 16);
  for (const b of bytes) put(b, 8);
  put(0, Math.min(4, capacity * 8 - bits.length)); // terminator, cut short when full
  put(0, (8 - (bits.length % 8)) % 8);
  const out = new Uint8Array(capacity);
  for (let i = 0; i < bits.length; i++) out[i >>> 3] |= bits[i] << (7 - (i & 7));
  // Pad codewords 0xEC, 0x11 alternately (ISO 18004 §7.4.10).
  for (let i = bits.length / 8, pad = 0xec; i < capacity; i++, pad ^= 0xec ^ 0x11) out[i] = pad;
  return out;
}

/** Splits into blocks, appends each block's ECC, and interleaves (ISO 18004 §7.6). @param {Uint8Array} data @param {number} version */
function interleave(data, version) {
  const blocks = BLOCKS_M[version];
  const eccLen = ECC_PER_BLOCK_M[version];
  const raw = Math.floor(rawDataModules(version) / 8);
  const shortBlocks = blocks - (raw % blocks);
  const shortDataLen = Math.floor(raw / blocks) - eccLen;
  const generator = rsGenerator(eccLen);
  /** @type {Uint8Array[]} */
  const dataBlocks = [];
  /** @type {Uint8Array[]} */
  const eccBlocks = [];
  for (let i = 0, offset = 0; i < blocks; i++) {
    const len = shortDataLen + (i < shortBlocks ? 0 : 1);
    const block = data.subarray(offset, offset + len);
    offset += len;
    dataBlocks.push(block);
    eccBlocks.push(rsRemainder(block, generator));
  }
  const out = new Uint8Array(raw);
  let o = 0;
  // Data codewords column by column (the long blocks have one more), then the ECC likewise.
  for (let i = 0; i <= shortDataLen; i++) for (const b of dataBlocks) if (i < b.length) out[o++] = b[i];
  for (let i = 0; i < eccLen; i++) for (const b of eccBlocks) out[o++] = b[i];
  return out;
}

/** BCH(15,5) format information of level M with `mask`, XOR-masked (ISO 18004 §7.9). @param {number} mask */
export function formatBits(mask) {
  const data = (FORMAT_BITS_M << 3) | mask;
  let rem = data;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  return ((data << 10) | rem) ^ 0x5412;
}

/** BCH(18,6) version information (ISO 18004 §7.10). @param {number} version */
export function versionBits(version) {
  let rem = version;
  for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
  return (version << 12) | rem;
}

/** @type {((x: number, y: number) => boolean)[]} the eight data masks (x column, y row) */
const MASKS = [
  (x, y) => (x + y) % 2 === 0,
  (_x, y) => y % 2 === 0,
  (x) => x % 3 === 0,
  (x, y) => (x + y) % 3 === 0,
  (x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
  (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
  (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
  (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
];

/** A symbol under construction: modules and which of them belong to function patterns. */
class QrSymbol {
  /** @param {number} version */
  constructor(version) {
    this.version = version;
    this.size = version * 4 + 17;
    this.modules = new Uint8Array(this.size * this.size);
    this.reserved = new Uint8Array(this.size * this.size);
  }

  /** @param {number} x @param {number} y @param {boolean | number} dark */
  fn(x, y, dark) {
    const i = y * this.size + x;
    this.modules[i] = dark ? 1 : 0;
    this.reserved[i] = 1;
  }

  drawFunctionPatterns() {
    const { size } = this;
    for (let i = 0; i < size; i++) {
      this.fn(6, i, i % 2 === 0);
      this.fn(i, 6, i % 2 === 0);
    }
    // Finder patterns with their separators (the ring at distance 4 is light).
    for (const [cx, cy] of [
      [3, 3],
      [size - 4, 3],
      [3, size - 4],
    ]) {
      for (let dy = -4; dy <= 4; dy++) {
        for (let dx = -4; dx <= 4; dx++) {
          const x = cx + dx;
          const y = cy + dy;
          if (x < 0 || y < 0 || x >= size || y >= size) continue;
          const d = Math.max(Math.abs(dx), Math.abs(dy));
          this.fn(x, y, d !== 2 && d !== 4);
        }
      }
    }
    const align = alignmentPositions(this.version);
    const last = align.length - 1;
    for (let i = 0; i <= last; i++) {
      for (let j = 0; j <= last; j++) {
        // The three corners taken by finder patterns get none.
        if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) continue;
        for (let dy = -2; dy <= 2; dy++) {
          for (let dx = -2; dx <= 2; dx++) this.fn(align[i] + dx, align[j] + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
        }
      }
    }
    // Reserve the format areas now (real bits come after masking) and draw the version.
    this.drawFormat(0);
    if (this.version >= 7) {
      const bits = versionBits(this.version);
      for (let i = 0; i < 18; i++) {
        const dark = (bits >>> i) & 1;
        const a = size - 11 + (i % 3);
        const b = Math.floor(i / 3);
        this.fn(a, b, dark);
        this.fn(b, a, dark);
      }
    }
  }

  /** Both copies of the format information, and the dark module. @param {number} mask */
  drawFormat(mask) {
    const { size } = this;
    const bits = formatBits(mask);
    /** @param {number} i */
    const bit = (i) => (bits >>> i) & 1;
    // Around the top-left finder.
    for (let i = 0; i <= 5; i++) this.fn(8, i, bit(i));
    this.fn(8, 7, bit(6));
    this.fn(8, 8, bit(7));
    this.fn(7, 8, bit(8));
    for (let i = 9; i < 15; i++) this.fn(14 - i, 8, bit(i));
    // Split between the other two finders.
    for (let i = 0; i < 8; i++) this.fn(size - 1 - i, 8, bit(i));
    for (let i = 8; i < 15; i++) this.fn(8, size - 15 + i, bit(i));
    this.fn(8, size - 8, 1);
  }

  /** Places the codewords in the two-column zigzag from the bottom right (ISO 18004 §7.7.3). @param {Uint8Array} codewords */
  drawCodewords(codewords) {
    const { size } = this;
    const total = codewords.length * 8;
    let i = 0;
    for (let right = size - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5; // skip the vertical timing pattern's column
      const upward = ((right + 1) & 2) === 0;
      for (let v = 0; v < size; v++) {
        const y = upward ? size - 1 - v : v;
        for (let j = 0; j < 2; j++) {
          const x = right - j;
          const at = y * size + x;
          if (this.reserved[at]) continue;
          // Remainder bits past the codewords stay light (0) before masking.
          if (i < total) this.modules[at] = (codewords[i >>> 3] >>> (7 - (i & 7))) & 1;
          i++;
        }
      }
    }
  }

  /** XORs mask `m` over the data modules (applying it twice undoes it). @param {number} m */
  applyMask(m) {
    const { size } = this;
    const mask = MASKS[m];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const at = y * size + x;
        if (!this.reserved[at] && mask(x, y)) this.modules[at] ^= 1;
      }
    }
  }

  /** The ISO 18004 §7.8.3 penalty of the symbol as it stands. */
  penalty() {
    const { size, modules } = this;
    /** @param {number} x @param {number} y */
    const at = (x, y) => modules[y * size + x];
    let score = 0;
    // Rules 1 and 3 along rows (horizontal) and columns (vertical).
    for (const horizontal of [true, false]) {
      for (let a = 0; a < size; a++) {
        /** @param {number} b */
        const get = (b) => (horizontal ? at(b, a) : at(a, b));
        let run = 1;
        for (let b = 1; b <= size; b++) {
          if (b < size && get(b) === get(b - 1)) {
            run++;
            continue;
          }
          if (run >= 5) score += 3 + (run - 5);
          run = 1;
        }
        // Rule 3: 1:1:3:1:1 dark-light-dark-dark-dark-light-dark with four light modules on
        // one side (each side counted); outside the symbol counts as light (the quiet zone).
        /** @param {number} b */
        const cell = (b) => (b < 0 || b >= size ? 0 : get(b));
        for (let b = 0; b + 6 < size; b++) {
          const core =
            cell(b) === 1 &&
            cell(b + 1) === 0 &&
            cell(b + 2) === 1 &&
            cell(b + 3) === 1 &&
            cell(b + 4) === 1 &&
            cell(b + 5) === 0 &&
            cell(b + 6) === 1;
          if (!core) continue;
          const lightBefore = [1, 2, 3, 4].every((k) => cell(b - k) === 0);
          const lightAfter = [7, 8, 9, 10].every((k) => cell(b + k) === 0);
          if (lightBefore) score += 40;
          if (lightAfter) score += 40;
        }
      }
    }
    // Rule 2: each 2×2 block of one colour.
    for (let y = 0; y + 1 < size; y++) {
      for (let x = 0; x + 1 < size; x++) {
        const c = at(x, y);
        if (c === at(x + 1, y) && c === at(x, y + 1) && c === at(x + 1, y + 1)) score += 3;
      }
    }
    // Rule 4: 10 points per full 5 % the dark share deviates from 50 %.
    let dark = 0;
    for (const m of modules) dark += m;
    const total = size * size;
    // k = floor(|dark/total − 1/2| · 20), in integers to avoid rounding at the boundaries.
    score += Math.floor(Math.abs(dark * 20 - total * 10) / total) * 10;
    return score;
  }
}

/**
 * The QR code of `text` (UTF-8, byte mode, level M; see the module contract).
 * @param {string} text
 * @returns {{ size: number, version: number, mask: number, modules: Uint8Array }}
 */
export function qrMatrix(text) {
  const bytes = utf8(text);
  const version = versionFor(bytes.length);
  const symbol = new QrSymbol(version);
  symbol.drawFunctionPatterns();
  symbol.drawCodewords(interleave(dataStream(bytes, version), version));
  let best = 0;
  let bestScore = Infinity;
  for (let m = 0; m < MASKS.length; m++) {
    symbol.applyMask(m);
    symbol.drawFormat(m);
    const score = symbol.penalty();
    if (score < bestScore) {
      best = m;
      bestScore = score;
    }
    symbol.applyMask(m);
  }
  symbol.applyMask(best);
  symbol.drawFormat(best);
  return { size: symbol.size, version, mask: best, modules: symbol.modules };
}

/** @param {string} text */
function escapeAttribute(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The QR code of `text` as an SVG document string (see the module contract). `scale` is the
 * pixel size of one module, `margin` the quiet zone in modules (4 is the standard's minimum).
 * @param {string} text
 * @param {{ scale?: number, margin?: number, label?: string }} [options]
 */
export function qrSvg(text, { scale = 4, margin = 4, label = 'QR code' } = {}) {
  if (!(Number.isInteger(scale) && scale > 0 && Number.isInteger(margin) && margin >= 0)) {
    throw new RangeError('scale and margin are whole numbers (scale at least 1)');
  }
  const { size, modules } = qrMatrix(text);
  const full = size + 2 * margin;
  let d = '';
  // One sub-path per horizontal run of dark modules keeps the path short.
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; ) {
      if (!modules[y * size + x]) {
        x++;
        continue;
      }
      let run = 1;
      while (x + run < size && modules[y * size + x + run]) run++;
      d += `M${x + margin} ${y + margin}h${run}v1h-${run}z`;
      x += run;
    }
  }
  const px = full * scale;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeAttribute(label)}" ` +
    `width="${px}" height="${px}" viewBox="0 0 ${full} ${full}" shape-rendering="crispEdges">` +
    `<rect width="${full}" height="${full}" fill="#ffffff"/>` +
    `<path d="${d}" fill="#000000"/></svg>`
  );
}
