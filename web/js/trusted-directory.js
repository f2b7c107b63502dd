// @ts-check
// Where the reporter's client gets the trust root and the recipient directory (DESIGN §11):
// the root from /trust-root.json of the page's own origin (in a page: the file inside the web
// bundle, which the published bundle hash covers), the directory from /api/v1/directory,
// checked against that root; and, when the server says the directory changed, the newer one,
// accepted only as a successor of the one already held.
//
// Contract: fetchDirectory returns only a directory that passed checkDirectoryView (officer
// quorum, log inclusion in a witnessed checkpoint), with the unsigned suspension list; a
// server without a directory (404 no_directory) throws TrustError('no_directory').
// refreshDirectory returns the newest directory only if every version from the held one up to
// it verifies against the root and each follows the one before (checkSuccessor), fetching the
// versions in between from /api/v1/directory/versions/{seq} (at most MAX_JUMP of them); an
// older version, or another one with the same seq, throws TrustError('discontinuous'). The
// suspension list is not signed: a server or proxy can hide a suspension (it can only remove
// readers the officers listed, never add one).

import { ApiError } from './api.js';
import { checkDirectoryView, checkSuccessor, verifyDirectory } from './crypto/directory.js';
import { TrustError, parseTrustRoot } from './crypto/trust-root.js';

/** @typedef {import('./api.js').Api} Api */
/** @typedef {import('./crypto/trust-root.js').TrustRoot} TrustRoot */
/** @typedef {import('./crypto/directory.js').DirectoryView} DirectoryView */
/** @typedef {import('./submission.js').TrustedDirectory} TrustedDirectory */

/** Most versions fetched to bridge a jump in seq. */
export const MAX_JUMP = 100;

/** The trust root at `/trust-root.json`, parsed and validated. @param {Api} api */
export async function fetchTrustRoot(api) {
  return parseTrustRoot(await api.getText('/trust-root.json'));
}

/**
 * The newest directory, checked against `root` (see the module contract).
 * @param {Api} api
 * @param {TrustRoot} root
 * @returns {Promise<TrustedDirectory>}
 */
export async function fetchDirectory(api, root) {
  let view;
  try {
    view = /** @type {DirectoryView} */ (await api.getJson('/api/v1/directory'));
  } catch (e) {
    if (e instanceof ApiError && e.code === 'no_directory') throw new TrustError('no_directory', 'no recipient directory was signed yet');
    throw e;
  }
  const { directory, suspended } = await checkDirectoryView(root, view);
  return { directory, suspended };
}

/**
 * The newest directory, as a successor of `held` (see the module contract).
 * @param {Api} api
 * @param {TrustRoot} root
 * @param {TrustedDirectory} held
 * @returns {Promise<TrustedDirectory>}
 */
export async function refreshDirectory(api, root, held) {
  const next = await fetchDirectory(api, root);
  const from = held.directory.payload.seq;
  const to = next.directory.payload.seq;
  if (to === from) {
    if (next.directory.hashB64 !== held.directory.hashB64) throw new TrustError('discontinuous', `two different directories claim version ${to}`);
    return next;
  }
  if (to < from) throw new TrustError('discontinuous', `the server went back from directory ${from} to ${to}`);
  if (to - from - 1 > MAX_JUMP) throw new TrustError('discontinuous', `directory ${to} is too far ahead of ${from}`);
  let previous = held.directory;
  for (let seq = from + 1; seq < to; seq++) {
    const version = /** @type {{ directory: string, seq: number }} */ (await api.getJson(`/api/v1/directory/versions/${seq}`));
    const between = await verifyDirectory(root, version?.directory);
    if (between.payload.seq !== seq || version.seq !== seq) throw new TrustError('seq_mismatch', `asked for directory ${seq}, got ${between.payload.seq}`);
    checkSuccessor(previous, between);
    previous = between;
  }
  checkSuccessor(previous, next.directory);
  return next;
}
