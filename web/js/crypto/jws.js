// @ts-check
// Verification of receipts and statements: JWS compact (RFC 7515), alg "Ed25519" (RFC 9864)
// (DESIGN §4, PROTOCOL §5; Rust: src/protocol/statements/jws.rs, payload.rs, chain.rs).
//
// Contract: verifyStatement accepts only three parts of strict b64u; a header with exactly the
// members alg ("Ed25519"; "EdDSA", "none" and all else are refused), kid (a key of the JWKS) and
// typ ("meldpunt-receipt+jws" or "meldpunt-statement+jws"), string-valued, no duplicates, no
// escapes (Rust borrows them as &str); a valid Ed25519 signature over the transmitted
// "header.payload" text, checked as Rust's verify_strict does (ed25519.js: S < L, neither R nor
// the key of small order); and a payload of exactly the shape its typ allows (statement-shape.js).
// Checks run in the Rust order: structure, alg, header, typ, kid, signature, payload.
// checkChain verifies a case: receipt first, seq 0..n, prev = chainHash(previous JWS), one
// iss/ref, growing log index. Failures throw JwsError with a `code` naming the rule broken.

import { b64uDecode, b64uEncode, fromUtf8, utf8 } from './b64.js';
import { publicKeyProblem, verifyStrict } from './ed25519.js';
import { sha256 } from './primitives.js';
import { checkPayloadShape, parsePayload } from './statement-shape.js';

/** @typedef {import('./statement-shape.js').Payload} Payload */
/** The keys a JWKS trusts, by kid. @typedef {Map<string, { publicKey: Uint8Array, key: CryptoKey }>} TrustedKeys */

export const TYP_RECEIPT = 'meldpunt-receipt+jws';
export const TYP_STATEMENT = 'meldpunt-statement+jws';
export const ALG_ED25519 = 'Ed25519';

/** Why a JWS, JWKS or chain was refused; `code` is stable for callers and tests. */
export class JwsError extends Error {
  /** @param {string} code @param {string} [detail] */
  constructor(code, detail = code) {
    super(`statement refused: ${detail}`);
    this.name = 'JwsError';
    this.code = code;
  }
}

/** RFC 7638 thumbprint of an Ed25519 public key (the JWKS `kid`). @param {Uint8Array} publicKey */
export async function ed25519Kid(publicKey) {
  const jwk = `{"crv":"Ed25519","kty":"OKP","x":"${b64uEncode(publicKey)}"}`;
  return b64uEncode(await sha256(utf8(jwk)));
}

/**
 * A verifier trusting every key of a JWKS ({keys:[…]}): each must be kty OKP, crv and alg
 * Ed25519, use sig, x 32 bytes of b64u, kid its thumbprint, x a curve point. One bad JWK
 * rejects the whole set. A weak (small-order) key is let in, as by Rust's from_jwks, and no
 * signature by it verifies. Returns Map(kid → {publicKey (the 32 bytes), key (CryptoKey)}).
 * @param {unknown} jwks a JWKS from the server, checked here
 * @returns {Promise<TrustedKeys>}
 */
export async function importJwks(jwks) {
  if (typeof jwks !== 'object' || jwks === null || !('keys' in jwks) || !Array.isArray(jwks.keys)) {
    throw new JwsError('invalid_jwk', 'not a JWKS');
  }
  /** @type {TrustedKeys} */
  const keys = new Map();
  for (const jwk of jwks.keys) {
    if (jwk?.kty !== 'OKP' || jwk.crv !== 'Ed25519') throw new JwsError('invalid_jwk', 'not an Ed25519 OKP key');
    if (jwk.alg !== ALG_ED25519 || jwk.use !== 'sig') throw new JwsError('invalid_jwk', 'not an Ed25519 signing key');
    let x;
    try {
      x = b64uDecode(jwk.x, 32);
    } catch {
      throw new JwsError('invalid_jwk', 'x is not 32 bytes b64u');
    }
    if ((await ed25519Kid(x)) !== jwk.kid) throw new JwsError('invalid_jwk', "kid is not the key's thumbprint");
    if (publicKeyProblem(x) === 'invalid') throw new JwsError('invalid_jwk', 'x is not a valid point');
    try {
      const key = await globalThis.crypto.subtle.importKey('raw', x, { name: 'Ed25519' }, false, ['verify']);
      keys.set(jwk.kid, { publicKey: x, key });
    } catch {
      throw new JwsError('invalid_jwk', 'x is not a valid point');
    }
  }
  return keys;
}

/** @param {string} text */
function decodePart(text) {
  try {
    return b64uDecode(text);
  } catch {
    throw new JwsError('malformed', 'part is not b64u');
  }
}

/**
 * The strict header: exactly alg, kid, typ, string-valued, each once. JSON.parse keeps the last
 * of duplicate members silently, so member names are counted in the text itself; with no
 * backslashes and only string values, every `"…":` in valid JSON is a member name.
 * @param {string} text
 * @param {Record<string, unknown>} loose the header as JSON.parse read it
 * @returns {{ alg: string, kid: string, typ: string }}
 */
function parseHeaderStrictly(text, loose) {
  const names = [...text.matchAll(/"([^"]*)"\s*:/g)].map((m) => m[1]);
  const ok =
    !text.includes('\\') &&
    names.length === 3 &&
    ['alg', 'kid', 'typ'].every((n) => names.includes(n) && typeof loose[n] === 'string');
  if (!ok) throw new JwsError('malformed', 'header must be exactly {alg, kid, typ}');
  return /** @type {{ alg: string, kid: string, typ: string }} */ (loose);
}

/**
 * Verifies one compact JWS against `keys` (from importJwks).
 * Returns {typ, kid, payload} with the parsed payload object.
 * @param {unknown} jws a JWS from the server: anything but a string is malformed
 * @param {TrustedKeys} keys
 * @returns {Promise<{ typ: string, kid: string, payload: Payload }>}
 */
export async function verifyStatement(jws, keys) {
  if (typeof jws !== 'string') throw new JwsError('malformed');
  const parts = jws.split('.');
  if (parts.length !== 3) throw new JwsError('malformed', 'not three parts');
  const [headerB64, payloadB64, sigB64] = parts;
  let headerText, loose;
  try {
    headerText = fromUtf8(decodePart(headerB64));
    loose = JSON.parse(headerText);
  } catch (e) {
    throw e instanceof JwsError ? e : new JwsError('malformed', 'header is not JSON');
  }
  // alg first, loosely, so any non-Ed25519 token is reported as such.
  if (loose === null || typeof loose !== 'object' || Array.isArray(loose) || loose.alg !== ALG_ED25519) {
    throw new JwsError('unsupported_alg', 'only Ed25519');
  }
  const header = parseHeaderStrictly(headerText, loose);
  if (header.typ !== TYP_RECEIPT && header.typ !== TYP_STATEMENT) throw new JwsError('unsupported_typ');
  const trusted = keys.get(header.kid);
  if (!trusted) throw new JwsError('unknown_key');
  const signature = decodePart(sigB64);
  if (signature.length !== 64) throw new JwsError('malformed', 'signature is not 64 bytes');
  const payloadBytes = decodePart(payloadB64);
  const signingInput = utf8(`${headerB64}.${payloadB64}`);
  const valid = await verifyStrict(trusted.publicKey, trusted.key, signature, signingInput);
  if (!valid) throw new JwsError('bad_signature');
  const payload = parsePayload(payloadBytes, (why) => new JwsError('bad_payload', why));
  checkPayloadShape(payload, header.typ, (why) => new JwsError('bad_payload', why));
  return { typ: header.typ, kid: header.kid, payload };
}

/** `prev` of the statement after `jws`: b64u(SHA-256(ASCII bytes of the JWS)). @param {string} jws */
export async function chainHash(jws) {
  return b64uEncode(await sha256(utf8(jws)));
}

/**
 * Verifies a case's statements in order; returns their payloads. Throws JwsError.
 * @param {unknown} statements the JWS list from the server
 * @param {TrustedKeys} keys
 * @returns {Promise<Payload[]>}
 */
export async function checkChain(statements, keys) {
  /** @param {number} index @param {string} reason */
  const broken = (index, reason) => new JwsError('broken_chain', `statement ${index}: ${reason}`);
  if (!Array.isArray(statements) || statements.length === 0) throw broken(0, 'no receipt');
  const payloads = [];
  for (const [index, jws] of statements.entries()) {
    const { typ, payload: p } = await verifyStatement(jws, keys);
    if (p.seq !== index) throw broken(index, 'seq out of order');
    if (index === 0) {
      if (typ !== TYP_RECEIPT) throw broken(index, 'first statement is not a receipt');
    } else {
      const receipt = payloads[0];
      if (typ !== TYP_STATEMENT) throw broken(index, 'receipt after the first position');
      if (p.iss !== receipt.iss || p.ref !== receipt.ref) throw broken(index, 'statement from another case');
      if (p.prev !== (await chainHash(statements[index - 1]))) {
        throw broken(index, 'prev is not the hash of the previous statement');
      }
    }
    if (index > 0 && p.log <= payloads[index - 1].log) throw broken(index, 'log index not increasing');
    payloads.push(p);
  }
  return payloads;
}
