// @ts-check
// The directory officers' view (#officers-view, route #/officers; no staff sign-in needed):
// review the recipient-directory change that waits for signatures — who is added, removed
// or changed against the published, verified directory — and sign it in the page.
//
// Contract: the officer's key file (the b64u Ed25519 seed `meldpunt officer keygen` writes)
// is read in the page and imported into WebCrypto as a non-extractable signing key; the seed
// bytes are wiped at once and the key is dropped by "Forget the key", on leaving the view and
// when the page is left. Only the signature is sent (POST /api/v1/directory/proposal/
// signatures, as `meldpunt directory sign`). Before anything can be signed: the key must be
// one of the pinned trust root's officers; the proposal's hash must be SHA-256 of its payload;
// its origin must be the root's and it must follow the published version (seq + 1, prev =
// its hash). The review shows every change; signing needs the officer's explicit tick.

import { ApiError } from '../api.js';
import { b64uDecode, b64uEncode, concat, fromUtf8, utf8, wipe } from '../crypto/b64.js';
import { TYP_DIRECTORY } from '../crypto/directory.js';
import { ed25519Kid } from '../crypto/jws.js';
import { sha256 } from '../crypto/primitives.js';
import { fetchDirectory, fetchTrustRoot } from '../trusted-directory.js';
import { t } from '../i18n.js';
import { byId as $ } from '../pages/common.js';
import { busy, choiceLabel, el, errorText, rolesLabel, say, showError } from './shared.js';

/** @typedef {import('./shared.js').BaseCtx} BaseCtx */
/** @typedef {import('../crypto/trust-root.js').TrustRoot} TrustRoot */
/** @typedef {import('../crypto/directory.js').DirectoryEntry} DirectoryEntry */
/** @typedef {import('../crypto/directory.js').DirectoryPayload} DirectoryPayload */
/** @typedef {{ payload: string, hash: string, signed_by: string[], needed: number }} ProposalView */
/** @typedef {{ kind: 'added' | 'removed' | 'changed', entry: DirectoryEntry, before?: DirectoryEntry }} Change */

/** PKCS #8 header of an Ed25519 private key (RFC 8410): the 32-byte seed follows. */
const PKCS8_ED25519 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

/** @type {BaseCtx | null} */
let ctx = null;
/** @type {TrustRoot | null} */
let root = null;
/** The proposal as checked, ready to sign. @type {{ view: ProposalView, payload: DirectoryPayload } | null} */
let proposal = null;
/** @type {{ key: CryptoKey, kid: string, name: string } | null} */
let officer = null;
let wired = false;

/** Reads an officer key file into a non-extractable signing key. @param {string} text */
async function importOfficerKey(text) {
  const seed = b64uDecode(text.trim(), 32);
  const pkcs8 = concat(PKCS8_ED25519, seed);
  try {
    // Extractable only for this moment, to learn the public key; the key kept is not.
    const temporary = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, true, ['sign']);
    const jwk = await crypto.subtle.exportKey('jwk', temporary);
    if (!jwk.x || !jwk.d) throw new Error('no public key');
    const key = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d }, { name: 'Ed25519' }, false, ['sign']);
    jwk.d = '';
    return { key, publicKey: jwk.x };
  } finally {
    wipe(seed, pkcs8);
  }
}

/** The changes from `before` (null: no directory yet) to `after`. @param {DirectoryPayload | null} before @param {DirectoryPayload} after @returns {Change[]} */
export function directoryChanges(before, after) {
  const old = new Map((before?.entries ?? []).map((e) => [e.kid, e]));
  const now = new Map(after.entries.map((e) => [e.kid, e]));
  /** @type {Change[]} */
  const changes = [];
  for (const entry of after.entries) {
    const was = old.get(entry.kid);
    if (!was) changes.push({ kind: 'added', entry });
    else if (JSON.stringify(was) !== JSON.stringify(entry)) changes.push({ kind: 'changed', entry, before: was });
  }
  for (const entry of before?.entries ?? []) if (!now.has(entry.kid)) changes.push({ kind: 'removed', entry });
  return changes;
}

/** @param {BaseCtx} c @param {Change} change */
function changeRow(c, change) {
  const tr = el('tr');
  tr.dataset.change = change.kind;
  tr.dataset.kid = change.entry.kid;
  const kind = el('th', '', t(`staff.officers.change_${change.kind}`));
  kind.scope = 'row';
  const units = change.entry.units.map((u) => choiceLabel(c.config?.units, u)).join(', ');
  const was = change.before ? t('staff.officers.was', { label: change.before.label, roles: rolesLabel(change.before.roles), units: change.before.units.join(', ') }) : '';
  const labelCell = el('td', '', change.entry.label);
  if (was) labelCell.append(el('span', 'small block', was));
  tr.append(kind, labelCell, el('td', '', rolesLabel(change.entry.roles)), el('td', '', units), el('td', 'mono small', change.entry.kid.slice(0, 12)));
  return tr;
}

/** Fetches and checks the waiting proposal and shows the review. @param {BaseCtx} c */
async function loadProposal(c) {
  proposal = null;
  $('proposal-body').hidden = true;
  showError('officers-error', null);
  const state = $('proposal-state');
  state.className = '';
  state.textContent = t('staff.officers.loading');
  try {
    root ??= await fetchTrustRoot(c.api);
    /** @type {ProposalView} */
    let view;
    try {
      view = /** @type {ProposalView} */ (await c.api.getJson('/api/v1/directory/proposal'));
    } catch (e) {
      if (e instanceof ApiError && e.code === 'no_proposal') {
        state.textContent = t('staff.officers.none');
        state.className = 'verdict ok';
        updateSignForm();
        return;
      }
      throw e;
    }
    const bytes = b64uDecode(view.payload);
    if (b64uEncode(await sha256(bytes)) !== view.hash) throw new Error(t('staff.officers.bad_hash'));
    const payload = /** @type {DirectoryPayload} */ (JSON.parse(fromUtf8(bytes)));
    if (payload.origin !== root.origin) throw new Error(t('staff.officers.bad_origin'));
    let current = null;
    try {
      current = (await fetchDirectory(c.api, root)).directory;
    } catch (e) {
      if (!(e instanceof Error && 'code' in e && e.code === 'no_directory')) throw e;
    }
    const follows = current ? payload.seq === current.payload.seq + 1 && payload.prev === current.hashB64 : payload.seq === 1;
    if (!follows) throw new Error(t('staff.officers.bad_sequence'));
    const changes = directoryChanges(current?.payload ?? null, payload);
    $('proposal-facts').replaceChildren(
      el('li', '', t('staff.officers.fact_version', { seq: payload.seq, prev: current ? current.payload.seq : '—' })),
      el('li', '', t('staff.officers.fact_entries', { n: payload.entries.length, changes: changes.length })),
      el('li', '', t('staff.officers.fact_signed', { signed: view.signed_by.length, needed: view.needed })),
    );
    $('proposal-rows').replaceChildren(...changes.map((ch) => changeRow(c, ch)));
    $('proposal-body').hidden = false;
    state.textContent = t('staff.officers.waiting');
    state.className = 'verdict pending';
    proposal = { view, payload };
  } catch (e) {
    state.textContent = '';
    c.fail('officers-error', e instanceof ApiError ? e : t('staff.officers.refused', { why: e instanceof Error ? e.message : String(e) }));
  }
  updateSignForm();
}

function updateSignForm() {
  const keyState = $('officer-key-state');
  $('officer-key-actions').hidden = !officer;
  if (!officer) {
    keyState.textContent = '';
    $('officer-sign-form').hidden = true;
    return;
  }
  const already = proposal?.view.signed_by.includes(officer.kid) ?? false;
  const key = already ? 'staff.officers.key_signed' : proposal ? 'staff.officers.key_ok' : 'staff.officers.key_nothing';
  keyState.textContent = t(key, { name: officer.name });
  $('officer-sign-form').hidden = !proposal || already;
}

function forgetKey() {
  officer = null;
  const input = $('officer-key-file', HTMLInputElement);
  input.value = '';
  $('officer-confirm', HTMLInputElement).checked = false;
  showError('officer-key-error', null);
  showError('officer-sign-error', null);
  say('officer-sign-status');
  updateSignForm();
}

async function onKeyFile() {
  const input = $('officer-key-file', HTMLInputElement);
  const file = input.files?.[0];
  officer = null;
  showError('officer-key-error', null);
  showError('officer-sign-error', null);
  say('officer-sign-status');
  if (!file) return updateSignForm();
  try {
    root ??= await fetchTrustRoot(/** @type {BaseCtx} */ (ctx).api);
    if (file.size > 1024) throw new Error('size');
    const { key, publicKey } = await importOfficerKey(await file.text());
    const kid = await ed25519Kid(b64uDecode(publicKey, 32));
    const listed = root.officers.find((o) => o.public_key === publicKey);
    if (!listed) {
      showError('officer-key-error', t('staff.officers.key_unknown'));
      input.value = '';
      return updateSignForm();
    }
    officer = { key, kid, name: listed.name };
  } catch (e) {
    input.value = '';
    showError('officer-key-error', e instanceof ApiError ? errorText(e) : t('staff.officers.key_bad'));
  }
  updateSignForm();
}

/** @param {SubmitEvent} event */
async function onSign(event) {
  event.preventDefault();
  const c = ctx;
  if (!c || !officer || !proposal) return;
  showError('officer-sign-error', null);
  if (!$('officer-confirm', HTMLInputElement).checked) {
    showError('officer-sign-error', t('staff.officers.err_confirm'));
    $('officer-confirm').focus();
    return;
  }
  const { view } = proposal;
  const signer = officer;
  await busy($('officer-sign'), async () => {
    say('officer-sign-status', t('staff.officers.signing'));
    try {
      // The header exactly as Rust's sign_as writes it: alg, kid, typ in that order.
      const protectedHeader = b64uEncode(utf8(JSON.stringify({ alg: 'Ed25519', kid: signer.kid, typ: TYP_DIRECTORY })));
      const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, signer.key, utf8(`${protectedHeader}.${view.payload}`)));
      const answer = /** @type {{ signers: number, needed: number, published?: number }} */ (
        await c.api.postJson('/api/v1/directory/proposal/signatures', { hash: view.hash, protected: protectedHeader, signature: b64uEncode(signature) })
      );
      say(
        'officer-sign-status',
        answer.published ? t('staff.officers.published', { seq: answer.published }) : t('staff.officers.counted', { signed: answer.signers, needed: answer.needed }),
      );
      $('officer-confirm', HTMLInputElement).checked = false;
      await loadProposal(c);
    } catch (e) {
      say('officer-sign-status');
      showError('officer-sign-error', e);
    }
  });
}

/** @param {BaseCtx} c */
export async function show(c) {
  ctx = c;
  if (!wired) {
    wired = true;
    $('officer-key-file').addEventListener('change', onKeyFile);
    $('officer-forget').addEventListener('click', forgetKey);
    $('officer-sign-form').addEventListener('submit', onSign);
    $('proposal-reload').addEventListener('click', () => ctx && loadProposal(ctx));
  }
  await loadProposal(c);
}

export function leave() {
  ctx = null;
  proposal = null;
  forgetKey();
  $('proposal-rows').replaceChildren();
  $('proposal-facts').replaceChildren();
}
