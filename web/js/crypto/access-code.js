// @ts-check
// The reporter's access code and the keys derived from it (DESIGN §3.2, PROTOCOL §2; Rust:
// src/protocol/crypto/access_code.rs).
//
// Contract: a code is 16 secret bytes. Its text is 26 Crockford base32 symbols of the 128-bit
// big-endian integer (the first symbol carries 3 bits, so it is ≤ 7) plus a check symbol (the
// integer mod 37 over `0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U`), upper case, in groups of four
// joined by '-'. `parseAccessCode` forgives case, ASCII whitespace, hyphens and reads I/L as 1,
// O as 0; because 32^k is never 0 mod the prime 37, every single-symbol substitution is caught
// and reported as an AccessCodeError whose `reason` is 'length', 'symbol', 'typo' or 'overflow'
// (the same names and the same order of checks as the Rust parser), never accepted.
// Derivation: prk = HKDF-Extract("meldpunt access code v1", code); 32-byte expands "auth",
// "reporter x25519" (the raw X25519 private key, NOT RFC 9180 DeriveKeyPair) and
// "receipt binding"; verifier = SHA-256(authKey), binding = SHA-256(rb).

import { randomBytes, utf8, wipe } from './b64.js';
import { hkdfExpand, hkdfExtract, sha256, x25519PublicKey } from './primitives.js';

/** @typedef {import('./b64.js').Bytes} Bytes */
/**
 * The keys derived from a code; only reporterPublic, verifier and binding are public.
 * @typedef {{ authKey: Bytes, reporterPrivate: Bytes, reporterPublic: Bytes, rb: Bytes, verifier: Bytes, binding: Bytes }} ReporterKeys
 */

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U';
/** Symbols in a code: 26 data symbols and the check symbol. */
export const CODE_SYMBOLS = 27;
const DATA_SYMBOLS = 26;
const HKDF_SALT = utf8('meldpunt access code v1');
const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\f']); // Rust's is_ascii_whitespace

/** Why a typed code was refused; `reason` lets the page say which mistake it was. */
export class AccessCodeError extends Error {
  /** @param {'length' | 'symbol' | 'typo' | 'overflow'} reason */
  constructor(reason) {
    super(`invalid access code: ${reason}`);
    this.name = 'AccessCodeError';
    this.reason = reason;
  }
}

/** A fresh 16-byte code from the CSPRNG. */
export function generateAccessCode() {
  return randomBytes(16);
}

/** @param {Uint8Array} code */
function toBigInt(code) {
  let value = 0n;
  for (const b of code) value = (value << 8n) | BigInt(b);
  return value;
}

/** The code as shown: 27 upper-case symbols in groups of four joined by '-'. @param {Uint8Array} code */
export function displayAccessCode(code) {
  if (code.length !== 16) throw new TypeError('an access code is 16 bytes');
  const value = toBigInt(code);
  let out = '';
  for (let i = 0; i < CODE_SYMBOLS; i++) {
    if (i > 0 && i % 4 === 0) out += '-';
    const index = i < DATA_SYMBOLS ? (value >> BigInt(5 * (DATA_SYMBOLS - 1 - i))) & 31n : value % 37n;
    out += ALPHABET[Number(index)];
  }
  return out;
}

/**
 * Value of one typed symbol with Crockford's aliases, or -1. Only ASCII letters change case,
 * as in Rust's to_ascii_uppercase ('ß'.toUpperCase() would be 'SS').
 * @param {string} ch
 */
function symbolValue(ch) {
  let c = /^[a-z]$/.test(ch) ? ch.toUpperCase() : ch;
  if (c === 'I' || c === 'L') c = '1';
  else if (c === 'O') c = '0';
  return c.length === 1 ? ALPHABET.indexOf(c) : -1;
}

/** Parses typed text into the 16 code bytes; throws AccessCodeError. @param {string} text @returns {Bytes} */
export function parseAccessCode(text) {
  const symbols = [];
  for (const ch of text) {
    if (ch === '-' || WHITESPACE.has(ch)) continue;
    const value = symbolValue(ch);
    if (value < 0) throw new AccessCodeError('symbol');
    if (symbols.length === CODE_SYMBOLS) throw new AccessCodeError('length');
    symbols.push(value);
  }
  if (symbols.length !== CODE_SYMBOLS) throw new AccessCodeError('length');
  if (symbols.slice(0, DATA_SYMBOLS).some((v) => v >= 32)) throw new AccessCodeError('symbol');
  if (symbols[0] > 7) throw new AccessCodeError('overflow');
  let value = 0n;
  for (const v of symbols.slice(0, DATA_SYMBOLS)) value = (value << 5n) | BigInt(v);
  if (value % 37n !== BigInt(symbols[DATA_SYMBOLS])) throw new AccessCodeError('typo');
  const code = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    code[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  symbols.fill(0);
  return code;
}

/**
 * Whether `text` is a well-formed code (for live validation in a form): null, or why not.
 * @param {string} text
 * @returns {AccessCodeError['reason'] | null}
 */
export function checkAccessCode(text) {
  try {
    wipe(parseAccessCode(text));
    return null;
  } catch (e) {
    if (e instanceof AccessCodeError) return e.reason;
    throw e;
  }
}

/**
 * The reporter's keys: {authKey, reporterPrivate, reporterPublic, rb, verifier, binding},
 * all Uint8Array(32). Only reporterPublic, verifier and binding are public; callers wipe the rest.
 * @param {Bytes} code
 * @returns {Promise<ReporterKeys>}
 */
export async function deriveReporterKeys(code) {
  if (code.length !== 16) throw new TypeError('an access code is 16 bytes');
  const prk = await hkdfExtract(HKDF_SALT, code);
  const authKey = await hkdfExpand(prk, utf8('auth'), 32);
  const reporterPrivate = await hkdfExpand(prk, utf8('reporter x25519'), 32);
  const rb = await hkdfExpand(prk, utf8('receipt binding'), 32);
  wipe(prk);
  return {
    authKey,
    reporterPrivate,
    reporterPublic: await x25519PublicKey(reporterPrivate),
    rb,
    verifier: await sha256(authKey),
    binding: await sha256(rb),
  };
}

/** Zeroes the secret members of deriveReporterKeys' result. @param {ReporterKeys} keys */
export function wipeReporterKeys(keys) {
  wipe(keys.authKey, keys.reporterPrivate, keys.rb);
}
