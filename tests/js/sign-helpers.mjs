// Test helpers: sign statements and notes with WebCrypto Ed25519 the way the server does
// (src/receipts/jws.rs sign_statement, src/log/note.rs NoteSigner), so verifiers can be tested;
// and signatures that a cofactorless verifier accepts but ed25519-dalek's verify_strict refuses
// (a malleable S + L, a small-order R), made with the signer's own secret scalar.
import { b64StdEncode, b64uEncode, concat, toHex, utf8 } from '../../web/js/crypto/b64.js';
import { L } from '../../web/js/crypto/ed25519.js';
import { ed25519Kid } from '../../web/js/crypto/jws.js';
import { noteKeyId } from '../../web/js/crypto/note.js';

const subtle = globalThis.crypto.subtle;

export async function ed25519Signer() {
  const pair = await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const x = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  const kid = await ed25519Kid(x);
  const seed = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey)).slice(-32);
  return {
    x,
    kid,
    seed,
    publicKey: pair.publicKey,
    jwk: { kty: 'OKP', crv: 'Ed25519', x: b64uEncode(x), kid, use: 'sig', alg: 'Ed25519' },
    sign: async (bytes) => new Uint8Array(await subtle.sign({ name: 'Ed25519' }, pair.privateKey, bytes)),
  };
}

const littleEndian = (bytes) => bytes.reduceRight((n, b) => (n << 8n) | BigInt(b), 0n);
const toLittleEndian = (n) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
const sha512 = async (bytes) => new Uint8Array(await subtle.digest('SHA-512', bytes));

/** `signature` with S replaced by S + L: the same signature to a verifier that does not check S < L. */
export function withUnreducedS(signature) {
  return concat(signature.subarray(0, 32), toLittleEndian(littleEndian(signature.subarray(32)) + L));
}

/** The identity point's encoding, of order 1: a small-order R, and the weakest public key. */
export const IDENTITY = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0));

/**
 * A signature over `message` by `signer` with R = the identity and S = k·a mod L (a the
 * signer's secret scalar, k = SHA-512(R || A || M)): [S]B = R + [k]A holds, so a cofactorless
 * verifier accepts it, though R is of small order.
 */
export async function smallOrderRSignature(signer, message) {
  const h = await sha512(signer.seed);
  const a = h.slice(0, 32);
  a[0] &= 248;
  a[31] = (a[31] & 127) | 64;
  const k = littleEndian(await sha512(concat(IDENTITY, signer.x, message))) % L;
  return concat(IDENTITY, toLittleEndian((k * littleEndian(a)) % L));
}

/** A compact JWS over `payload` with a header given as text (default: the server's). */
export async function signJws(signer, typ, payload, headerText) {
  const header = headerText ?? `{"alg":"Ed25519","kid":"${signer.kid}","typ":"${typ}"}`;
  const input = `${b64uEncode(utf8(header))}.${b64uEncode(utf8(JSON.stringify(payload)))}`;
  return `${input}.${b64uEncode(await signer.sign(utf8(input)))}`;
}

/**
 * A note signer: {verifierKey, sign(text) → note}, over `signer` (a fresh ed25519Signer unless
 * given; any object with x and sign(bytes), so a test can make the signatures it wants).
 */
export async function noteSigner(name, signer) {
  const ed = signer ?? (await ed25519Signer());
  const keyId = await noteKeyId(name, ed.x);
  return {
    verifierKey: `${name}+${toHex(keyId)}+${b64StdEncode(concat(0x01, ed.x))}`,
    sign: async (text) => `${text}\n\u2014 ${name} ${b64StdEncode(concat(keyId, await ed.sign(utf8(text))))}\n`,
  };
}
