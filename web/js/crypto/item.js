// @ts-check
// Encrypted content items (DESIGN §3.4, PROTOCOL §4; Rust: src/protocol/crypto/item.rs).
//
// Contract: ct = AES-256-GCM(key, nonce, pad(pt), aad) with
// aad = "meldpunt item v1" || 0x00 || case_id || id || kind byte (report 1, message 2,
// attachment 3, note 4, identity 5), so an item opens only under its key, in its case, with its
// id and kind. Items travel as JSON {id (b64u 16), kind (name), nonce (b64u 12), ct (b64u)}.
// item bytes = id || kind byte || nonce || ct; item hash = SHA-256(item bytes).
// sealItem draws a random 96-bit nonce (a case key seals far fewer than 2^32 items).

import { b64uDecode, b64uEncode, concat, randomBytes, utf8, wipe } from './b64.js';
import { pad, unpad } from './padding.js';
import { aesGcmOpen, aesGcmSeal, sha256 } from './primitives.js';

export { pad, padmeLen, unpad } from './padding.js';

/** @typedef {import('./b64.js').Bytes} Bytes */
/**
 * An item as it travels: all b64u but `kind`, a name of ITEM_KINDS (checked where it is used,
 * as an item may come from the server).
 * @typedef {{ id: string, kind: string, nonce: string, ct: string }} Item
 */

/** Item kinds and the bytes they put into AAD and item bytes. */
export const ITEM_KINDS = Object.freeze({ report: 1, message: 2, attachment: 3, note: 4, identity: 5 });
/** Shortest item ciphertext: 1 KiB minimum padded length + 16-byte tag. */
export const MIN_ITEM_CT_LEN = 1024 + 16;
const AAD_PREFIX = utf8('meldpunt item v1\u0000');

/** @param {string} kind */
function kindByte(kind) {
  if (!Object.hasOwn(ITEM_KINDS, kind)) throw new TypeError(`unknown item kind ${kind}`);
  return ITEM_KINDS[/** @type {keyof typeof ITEM_KINDS} */ (kind)];
}

/**
 * "meldpunt item v1" || 0x00 || caseId || id || kind byte.
 * @param {Uint8Array} caseId
 * @param {Uint8Array} id
 * @param {string} kind
 */
export function itemAad(caseId, id, kind) {
  if (caseId.length !== 16 || id.length !== 16) throw new TypeError('case id and item id are 16 bytes');
  return concat(AAD_PREFIX, caseId, id, kindByte(kind));
}

/**
 * Pads and encrypts; `nonce` only for test vectors (reusing one under a key breaks GCM).
 * @param {Bytes} key
 * @param {Uint8Array} caseId
 * @param {Uint8Array} id
 * @param {keyof typeof ITEM_KINDS} kind
 * @param {Uint8Array} plaintext
 * @param {Bytes} [nonce]
 * @returns {Promise<Item>}
 */
export async function sealItem(key, caseId, id, kind, plaintext, nonce = randomBytes(12)) {
  if (key.length !== 32) throw new TypeError('an item key is 32 bytes');
  const padded = pad(plaintext);
  const ct = await aesGcmSeal(key, nonce, padded, itemAad(caseId, id, kind));
  wipe(padded);
  return { id: b64uEncode(id), kind, nonce: b64uEncode(nonce), ct: b64uEncode(ct) };
}

/**
 * Decrypts and unpads an item (JSON form); throws on any wrong key, context or byte.
 * @param {Bytes} key
 * @param {Uint8Array} caseId
 * @param {Item} item
 * @returns {Promise<Bytes>}
 */
export async function openItem(key, caseId, item) {
  let id, nonce, ct;
  try {
    id = b64uDecode(item.id, 16);
    nonce = b64uDecode(item.nonce, 12);
    ct = b64uDecode(item.ct);
  } catch {
    throw new Error('decryption failed');
  }
  if (ct.length < MIN_ITEM_CT_LEN) throw new Error('decryption failed');
  const padded = await aesGcmOpen(key, nonce, ct, itemAad(caseId, id, item.kind));
  // Copy out the plaintext so the padded buffer can be wiped as a whole.
  const plaintext = unpad(padded).slice();
  wipe(padded);
  return plaintext;
}

/** Canonical bytes: id || kind byte || nonce || ct. @param {Item} item */
export function itemBytes(item) {
  return concat(b64uDecode(item.id, 16), kindByte(item.kind), b64uDecode(item.nonce, 12), b64uDecode(item.ct));
}

/** SHA-256(item bytes). @param {Item} item */
export function itemHash(item) {
  return sha256(itemBytes(item));
}
