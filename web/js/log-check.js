// @ts-check
// Checks a case's statements against the transparency log (DESIGN §6, PROTOCOL §12): the
// checkpoint in the case view must carry a valid C2SP signed-note signature by the log's note
// key, and every non-null entry of `proofs` must prove that statement's JWS is the leaf at its
// `log` index in that checkpoint's tree. A statement whose `log` index is below the
// checkpoint's size must have a proof: the server may not leave one out.
//
// Contract: verifyCaseLog(view, payloads, noteKeyText) returns {checkpoint, included} where
// `included[i]` is true (proven) or null (newer than the checkpoint, or no checkpoint yet);
// any proof or signature that does not verify throws LogError. The note key text
// (`<name>+<id>+<key>`) should be pinned by the caller when it can be; otherwise it is the
// server's own (trust on first use). Surrounding whitespace is dropped as Rust's str::trim does
// (White_Space, not String.prototype.trim's set), then the key is parsed strictly (note.js).
// With a witness policy ({witnesses: [{name, vkey}], threshold}), the checkpoint must also
// carry valid cosignatures by at least `threshold` distinct pinned witnesses
// (crypto/cosignature.js, PROTOCOL §12.1); without one, none are asked for.

import { b64uDecode } from './crypto/b64.js';
import { verifyCosignatures } from './crypto/cosignature.js';
import { leafHash, verifyInclusion } from './crypto/merkle.js';
import { openSignedCheckpoint, parseNoteVerifierKey } from './crypto/note.js';

/** An inclusion proof as the case view carries it (PROTOCOL §12). @typedef {{ index: number, size: number, leaf_hash: string, path: string[] }} Proof */
/**
 * What the log check reads of a case view: the statements, their proofs, the checkpoint note.
 * @typedef {{ statements: string[], proofs?: (Proof | null)[], checkpoint?: string | null }} LoggedView
 */
/** Pinned witnesses and how many must have cosigned. @typedef {{ witnesses: { name: string, vkey: string }[], threshold: number }} WitnessPolicy */
/** `included[i]`: true when proven, null when no checkpoint covers statement i yet. @typedef {{ checkpoint: import('./crypto/note.js').Checkpoint | null, included: (true | null)[] }} LogCheck */

export class LogError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'LogError';
  }
}

/** `text` without leading and trailing White_Space, as Rust's str::trim. @param {string} text */
const trimWhiteSpace = (text) => text.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, '');

/** @param {Uint8Array} a @param {Uint8Array} b */
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * See the module contract. `noteKeyText` is needed only when the view has a checkpoint.
 * @param {LoggedView} view
 * @param {import('./crypto/statement-shape.js').Payload[]} payloads the checked statements
 * @param {string | null} noteKeyText
 * @param {WitnessPolicy | null} [witnessPolicy]
 * @returns {Promise<LogCheck>}
 */
export async function verifyCaseLog(view, payloads, noteKeyText, witnessPolicy = null) {
  const proofs = view.proofs ?? [];
  /** @type {(true | null)[]} */
  const included = view.statements.map(() => null);
  if (!view.checkpoint) {
    if (proofs.some((p) => p)) throw new LogError('proofs without a checkpoint');
    return { checkpoint: null, included };
  }
  if (noteKeyText === null) throw new LogError('a checkpoint, but no log key to check it with');
  const verifier = await parseNoteVerifierKey(trimWhiteSpace(noteKeyText));
  const checkpoint = await openSignedCheckpoint(view.checkpoint, verifier);
  if (checkpoint.origin !== verifier.name) throw new LogError('checkpoint from another log');
  if (witnessPolicy) {
    const count = await verifyCosignatures(view.checkpoint, witnessPolicy.witnesses);
    if (count < witnessPolicy.threshold) {
      throw new LogError(`checkpoint cosigned by ${count} of the pinned witnesses, ${witnessPolicy.threshold} needed`);
    }
  }
  if (proofs.length > view.statements.length) throw new LogError('more proofs than statements');
  for (const [i, payload] of payloads.entries()) {
    const proof = proofs[i];
    if (!proof) {
      if (payload.log < checkpoint.size) throw new LogError(`statement ${i}: no proof, although the checkpoint covers it`);
      continue;
    }
    const leaf = await leafHash(view.statements[i]);
    if (!equal(leaf, b64uDecode(proof.leaf_hash, 32))) throw new LogError(`statement ${i}: leaf hash differs`);
    if (proof.index !== payload.log) throw new LogError(`statement ${i}: not at its signed log index`);
    if (proof.size !== checkpoint.size) throw new LogError(`statement ${i}: proof is not for the checkpoint`);
    const path = proof.path.map((h) => b64uDecode(h, 32));
    if (!(await verifyInclusion(leaf, proof.index, proof.size, path, checkpoint.root))) {
      throw new LogError(`statement ${i}: inclusion proof does not verify`);
    }
    included[i] = true;
  }
  return { checkpoint, included };
}
