// @ts-check
// Web Worker glue for the proof-of-work solver (DESIGN §8, PROTOCOL §6): receives
// {challenge (b64u), bits}, posts {type:'progress', hashes} every 2^16 hashes and finally
// {type:'solved', nonce} or {type:'error', message}. The solving itself is pow.js; this file
// only wires it to messages, and does nothing when imported outside a worker (Node tests).

import { b64uDecode } from './b64.js';
import { solvePow } from './pow.js';

/**
 * Handles one request; `post` is the worker's postMessage. Exported for tests.
 * @param {import('./pow.js').Challenge} request
 * @param {(reply: import('./pow.js').WorkerReply) => void} post
 */
export function handleRequest({ challenge, bits }, post) {
  try {
    const nonce = solvePow(b64uDecode(challenge), bits, {
      onProgress: (hashes) => post({ type: 'progress', hashes }),
    });
    post({ type: 'solved', nonce });
  } catch (e) {
    post({ type: 'error', message: String(e instanceof Error ? e.message : e) });
  }
}

// WorkerGlobalScope exists only in workers (and is not in the DOM typings this is checked with).
const scope = /** @type {object} */ (globalThis);
const inWorker =
  'WorkerGlobalScope' in scope && typeof scope.WorkerGlobalScope === 'function' && scope instanceof scope.WorkerGlobalScope;
if (inWorker) {
  globalThis.onmessage = (event) => handleRequest(event.data, (message) => globalThis.postMessage(message));
}
