// @ts-check
// The auditor's view (#audit-view, route #/audit, auditors only): the audit chain verified in
// the page, the newest transparency-log checkpoint with its witnesses' cosignatures, and
// counts of cases (by status and theme; the full statistics come later).
//
// Contract: the whole chain is read (pages of 1000) and checked here as `meldpunt audit
// verify` does: seq 0, 1, 2… without gaps, each record's prev = b64u(SHA-256(the previous
// record's stored bytes)) — the stored bytes being its JSON {"v":"1", seq, hour, actor,
// action, case_ref?, detail, prev} in that member order — with 32 zero bytes before the first,
// and the server's head the newest record's seq and hash. The checkpoint is checked against
// the pinned trust root (log key, each witness's cosignature, the witness threshold), and its
// `audit <seq> <hash>` line against the chain just verified. Nothing here is case content.

import { ApiError } from '../api.js';
import { b64uEncode, utf8 } from '../crypto/b64.js';
import { verifyCosignatures } from '../crypto/cosignature.js';
import { openSignedCheckpoint, parseNoteVerifierKey } from '../crypto/note.js';
import { sha256 } from '../crypto/primitives.js';
import { fetchTrustRoot } from '../trusted-directory.js';
import { t } from '../i18n.js';
import { byId as $ } from '../pages/common.js';
import { STATUSES, choiceLabel, el, formatShortDay, say, showError, statusLabel } from './shared.js';

/** @typedef {import('./shared.js').Ctx} Ctx */
/** @typedef {import('../staff-client.js').AuditRecord} AuditRecord */
/** @typedef {{ ok: true, hashes: string[] } | { ok: false, at: number, why: 'gap' | 'chain' | 'head', hashes: string[] }} ChainCheck */

const PAGE = 1000;
const SHOWN = 50;
const ZERO = b64uEncode(new Uint8Array(32));
/** @type {Ctx | null} */
let ctx = null;
/** @type {AuditRecord[]} */
let records = [];
let offset = 0;
let wired = false;

/** The bytes a record is stored and hashed as (see the module contract). @param {AuditRecord} r */
export function storedBytes(r) {
  return utf8(
    JSON.stringify({
      v: '1',
      seq: r.seq,
      hour: r.hour,
      actor: r.actor,
      action: r.action,
      ...(r.case_ref === undefined || r.case_ref === null ? {} : { case_ref: r.case_ref }),
      detail: r.detail,
      prev: r.prev,
    }),
  );
}

/**
 * Checks the chain (see the module contract); `hashes[i]` is record i's hash.
 * @param {AuditRecord[]} list
 * @param {{ seq: number, hash: string } | null | undefined} head
 * @returns {Promise<ChainCheck>}
 */
export async function checkChain(list, head) {
  let prev = ZERO;
  /** @type {string[]} */
  const hashes = [];
  for (const [i, r] of list.entries()) {
    if (r.seq !== i) return { ok: false, at: i, why: 'gap', hashes };
    if (r.prev !== prev) return { ok: false, at: i, why: 'chain', hashes };
    prev = b64uEncode(await sha256(storedBytes(r)));
    hashes.push(prev);
  }
  const last = list.length - 1;
  const headOk = list.length === 0 ? !head : head?.seq === last && head.hash === prev;
  return headOk ? { ok: true, hashes } : { ok: false, at: last, why: 'head', hashes };
}

/** @param {Ctx} c */
async function loadChain(c) {
  showError('audit-error', null);
  const state = $('audit-chain-state');
  state.className = 'verdict';
  state.textContent = t('staff.audit.loading');
  /** @type {AuditRecord[]} */
  const all = [];
  let head = null;
  try {
    for (;;) {
      const page = await c.client.audit(all.length, PAGE);
      all.push(...page.records);
      head = page.head;
      if (page.records.length < PAGE) break;
    }
  } catch (e) {
    state.textContent = '';
    c.fail('audit-error', e);
    return null;
  }
  if (ctx !== c) return null;
  const check = await checkChain(all, head);
  records = all;
  offset = 0;
  if (check.ok) {
    state.className = 'verdict ok';
    state.textContent = t('staff.audit.chain_ok', { n: all.length });
  } else {
    state.className = 'verdict bad';
    state.textContent = t(`staff.audit.chain_${check.why}`, { seq: check.at });
  }
  renderRecords();
  return check;
}

function renderRecords() {
  const newestFirst = records.slice().reverse();
  const page = newestFirst.slice(offset, offset + SHOWN);
  $('audit-rows').replaceChildren(
    ...page.map((r) => {
      const tr = el('tr');
      tr.dataset.seq = String(r.seq);
      const seq = el('th', 'mono', String(r.seq));
      seq.scope = 'row';
      const actor = r.actor === 'system' || r.actor === 'cli' ? t(`staff.audit.actor_${r.actor}`) : r.actor.slice(0, 8);
      tr.append(seq, el('td', '', formatShortDay(r.hour)), el('td', 'mono', actor), el('td', 'mono', r.action), el('td', 'mono', r.case_ref ?? ''), el('td', 'detail', r.detail));
      return tr;
    }),
  );
  const from = records.length ? offset + 1 : 0;
  $('audit-page-info').textContent = t('staff.audit.page_info', { from, to: offset + page.length, total: records.length });
  $('audit-newer').setAttribute('aria-disabled', String(offset === 0));
  $('audit-older').setAttribute('aria-disabled', String(offset + SHOWN >= records.length));
}

/** @param {Ctx} c @param {ChainCheck | null} chain */
async function loadCheckpoint(c, chain) {
  showError('checkpoint-error', null);
  const state = $('checkpoint-state');
  state.className = 'verdict';
  state.textContent = t('staff.audit.loading');
  $('checkpoint-facts').replaceChildren();
  $('witness-rows').replaceChildren();
  try {
    const root = await fetchTrustRoot(c.api);
    const note = await c.api.getText('/api/v1/log/checkpoint');
    const checkpoint = await openSignedCheckpoint(note, await parseNoteVerifierKey(root.log_key));
    let cosigned = 0;
    const rows = [];
    for (const w of root.witnesses) {
      const ok = (await verifyCosignatures(note, [w])) === 1;
      if (ok) cosigned++;
      const tr = el('tr');
      const name = el('th', '', w.name);
      name.scope = 'row';
      tr.append(name, el('td', ok ? 'ok-text' : 'bad-text', t(ok ? 'staff.audit.cosigned_yes' : 'staff.audit.cosigned_no')));
      rows.push(tr);
    }
    $('witness-rows').replaceChildren(...rows);
    const enough = cosigned >= root.witness_threshold;
    state.className = `verdict ${enough ? 'ok' : 'bad'}`;
    state.textContent = t(enough ? 'staff.audit.checkpoint_ok' : 'staff.audit.checkpoint_unwitnessed', { n: cosigned, needed: root.witness_threshold });
    const facts = [el('li', '', t('staff.audit.cp_size', { size: checkpoint.size })), el('li', 'mono small', checkpoint.origin)];
    const line = checkpoint.extensions.find((l) => l.startsWith('audit '));
    if (line) {
      const [, seqText, hash] = line.split(' ');
      const seq = Number(seqText);
      const matches = chain ? chain.hashes[seq] === hash : null;
      facts.push(
        el(
          'li',
          matches === null ? '' : matches ? 'ok-text' : 'bad-text',
          t(matches === null ? 'staff.audit.cp_audit' : matches ? 'staff.audit.cp_audit_ok' : 'staff.audit.cp_audit_bad', { seq }),
        ),
      );
    } else {
      facts.push(el('li', '', t('staff.audit.cp_no_audit')));
    }
    $('checkpoint-facts').replaceChildren(...facts);
  } catch (e) {
    state.textContent = '';
    state.className = 'verdict';
    if (e instanceof ApiError) c.fail('checkpoint-error', e);
    else showError('checkpoint-error', t('staff.audit.checkpoint_bad', { why: e instanceof Error ? e.message : String(e) }));
  }
}

/** Counts by status and theme (GET /api/v1/staff/counts, when the server has it). @param {Ctx} c */
async function loadCounts(c) {
  showError('counts-error', null);
  const tables = $('counts-tables');
  tables.replaceChildren();
  $('counts-total').textContent = '';
  try {
    const counts = /** @type {{ total: number | string, by_status: Record<string, number | string>, by_theme: Record<string, number | string> }} */ (
      // The client has no call for it (yet): a GET with the session cookie needs no CSRF token.
      await c.api.request('/api/v1/staff/counts', { credentials: 'same-origin' })
    );
    $('counts-total').textContent = t('staff.audit.total', { n: counts.total });
    /** @param {string} captionKey @param {string} headKey @param {[string, number | string][]} entries */
    const table = (captionKey, headKey, entries) => {
      const tableEl = el('table', 'data-table');
      tableEl.append(el('caption', '', t(captionKey)));
      const head = el('tr');
      for (const key of [headKey, 'staff.audit.col_count']) {
        const th = el('th', '', t(key));
        th.scope = 'col';
        head.append(th);
      }
      tableEl.append(el('thead'));
      /** @type {HTMLElement} */ (tableEl.tHead).append(head);
      const body = el('tbody');
      for (const [name, n] of entries) {
        const th = el('th', '', name);
        th.scope = 'row';
        const tr = el('tr');
        tr.append(th, el('td', 'number', String(n)));
        body.append(tr);
      }
      tableEl.append(body);
      return tableEl;
    };
    const byStatus = STATUSES.filter((s) => s in counts.by_status).map((s) => /** @type {[string, number | string]} */ ([statusLabel(s), counts.by_status[s]]));
    const byTheme = Object.entries(counts.by_theme).map(([id, n]) => /** @type {[string, number | string]} */ ([choiceLabel(c.config?.themes, id), n]));
    tables.append(table('staff.audit.by_status', 'staff.audit.col_status', byStatus), table('staff.audit.by_theme', 'staff.audit.col_theme', byTheme));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) showError('counts-error', t('staff.audit.counts_unavailable'));
    else c.fail('counts-error', e);
  }
}

/** @param {Ctx} c */
export async function show(c) {
  ctx = c;
  if (!wired) {
    wired = true;
    $('audit-newer').addEventListener('click', () => {
      if (offset === 0) return;
      offset = Math.max(0, offset - SHOWN);
      renderRecords();
    });
    $('audit-older').addEventListener('click', () => {
      if (offset + SHOWN >= records.length) return;
      offset += SHOWN;
      renderRecords();
    });
  }
  say('view-announce');
  const countsDone = loadCounts(c);
  const chain = await loadChain(c);
  await Promise.all([countsDone, loadCheckpoint(c, chain)]);
}

export function leave() {
  ctx = null;
  records = [];
  offset = 0;
  $('audit-rows').replaceChildren();
  $('witness-rows').replaceChildren();
  $('counts-tables').replaceChildren();
}
