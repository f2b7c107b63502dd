// Test helpers: sign statements and notes with WebCrypto Ed25519 the way the server does
// (src/receipts/jws.rs sign_statement, src/log/note.rs NoteSigner), so verifiers can be tested.
import { b64StdEncode, b64uEncode, concat, toHex, utf8 } from '../../web/js/crypto/b64.js';
import { ed25519Kid } from '../../web/js/crypto/jws.js';
import { noteKeyId } from '../../web/js/crypto/note.js';

const subtle = globalThis.crypto.subtle;

export async function ed25519Signer() {
  const pair = await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const x = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  const kid = await ed25519Kid(x);
  return {
    x,
    kid,
    jwk: { kty: 'OKP', crv: 'Ed25519', x: b64uEncode(x), kid, use: 'sig', alg: 'Ed25519' },
    sign: async (bytes) => new Uint8Array(await subtle.sign({ name: 'Ed25519' }, pair.privateKey, bytes)),
  };
}

/** A compact JWS over `payload` with a header given as text (default: the server's). */
export async function signJws(signer, typ, payload, headerText) {
  const header = headerText ?? `{"alg":"Ed25519","kid":"${signer.kid}","typ":"${typ}"}`;
  const input = `${b64uEncode(utf8(header))}.${b64uEncode(utf8(JSON.stringify(payload)))}`;
  return `${input}.${b64uEncode(await signer.sign(utf8(input)))}`;
}

/** A note signer: {verifierKey, sign(text) → note}. */
export async function noteSigner(name) {
  const signer = await ed25519Signer();
  const keyId = await noteKeyId(name, signer.x);
  return {
    verifierKey: `${name}+${toHex(keyId)}+${b64StdEncode(concat(0x01, signer.x))}`,
    sign: async (text) => `${text}\n\u2014 ${name} ${b64StdEncode(concat(keyId, await signer.sign(utf8(text))))}\n`,
  };
}
