// @ts-check
// Proof-of-work solver (DESIGN §8, PROTOCOL §6; Rust: src/protocol/pow.rs `solve`).
//
// Contract: solvePow(challenge, bits) returns the smallest nonce (< 2^53) such that
// SHA-256(challenge || u64be(nonce)) has at least `bits` leading zero bits — the same nonce as
// Rust's solve. It is pure and synchronous (runs in a Worker or in Node); `onProgress(hashes)`
// is called every `progressEvery` hashes. solveInWorker runs it off the main thread in the
// browser through pow-worker.js and resolves {challenge (b64u), nonce}.

import { b64uDecode, concat } from './b64.js';
import { INITIAL_STATE, compress, paddedWords } from './sha256.js';

/** A challenge as the server issues it: b64u bytes and the leading zero bits asked for. @typedef {{ challenge: string, bits: number }} Challenge */
/** A solved challenge, as a submission or a message header carries it. @typedef {{ challenge: string, nonce: number }} Solution */
/** Called with the number of hashes tried so far. @typedef {(hashes: number) => void} OnProgress */
/**
 * What pow-worker.js posts back.
 * @typedef {{ type: 'progress', hashes: number } | { type: 'solved', nonce: number } | { type: 'error', message: string }} WorkerReply
 */

const MAX_NONCE = 2 ** 53;

/** Leading zero bits of a hash given as its first state words (big-endian). @param {Uint32Array} state */
function leadingZeroBits(state) {
  let bits = 0;
  for (const word of state) {
    if (word === 0) {
      bits += 32;
      continue;
    }
    return bits + Math.clz32(word);
  }
  return bits;
}

/**
 * The smallest nonce solving `challenge` (raw bytes) at `bits`. The message is padded once;
 * each try rewrites the two nonce words and compresses every block from the initial state.
 * @param {Uint8Array} challenge
 * @param {number} bits
 * @param {{ onProgress?: OnProgress, progressEvery?: number, startNonce?: number }} [options]
 */
export function solvePow(challenge, bits, { onProgress, progressEvery = 1 << 16, startNonce = 0 } = {}) {
  if (!Number.isInteger(bits) || bits < 0 || bits > 255) throw new RangeError('bits out of range');
  const words = paddedWords(concat(challenge, new Uint8Array(8)));
  const nonceByteOffset = challenge.length;
  const state = new Uint32Array(8);
  const nonceBytes = new Uint8Array(8);
  const nonceView = new DataView(nonceBytes.buffer);
  for (let nonce = startNonce, sinceReport = 0; nonce < MAX_NONCE; nonce++) {
    nonceView.setUint32(0, Math.floor(nonce / 2 ** 32));
    nonceView.setUint32(4, nonce >>> 0);
    // The nonce may straddle word boundaries when the challenge length is not a multiple of 4.
    for (let i = 0; i < 8; i++) {
      const at = nonceByteOffset + i;
      const shift = 24 - 8 * (at % 4);
      const w = at >>> 2;
      words[w] = (words[w] & ~(0xff << shift)) | (nonceBytes[i] << shift);
    }
    state.set(INITIAL_STATE);
    for (let offset = 0; offset < words.length; offset += 16) compress(state, words, offset);
    if (leadingZeroBits(state) >= bits) return nonce;
    if (onProgress && ++sinceReport === progressEvery) {
      sinceReport = 0;
      onProgress(nonce + 1 - startNonce);
    }
  }
  throw new Error('no nonce below 2^53 solves this challenge');
}

/**
 * Solves a challenge {challenge (b64u), bits} in a module Web Worker; resolves the solution
 * {challenge, nonce}. `onProgress(hashes)` reports work done. Browser only.
 * @param {Challenge} challenge
 * @param {{ onProgress?: OnProgress }} [options]
 * @returns {Promise<Solution>}
 */
export function solveInWorker(challenge, { onProgress } = {}) {
  b64uDecode(challenge.challenge); // refuse a malformed challenge before starting a worker
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./pow-worker.js', import.meta.url), { type: 'module' });
    /** @param {MessageEvent<WorkerReply>} event */
    worker.onmessage = ({ data }) => {
      if (data.type === 'progress') {
        onProgress?.(data.hashes);
        return;
      }
      worker.terminate();
      if (data.type === 'solved') resolve({ challenge: challenge.challenge, nonce: data.nonce });
      else reject(new Error(data.message || 'proof of work failed'));
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(event.message || 'proof of work worker failed'));
    };
    worker.postMessage({ challenge: challenge.challenge, bits: challenge.bits });
  });
}
