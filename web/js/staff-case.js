// @ts-check
// The staff client's case work that needs keys or checks (DESIGN §3.3, §4, §11; PROTOCOL
// §13.6–13.7; Rust: src/clients/staff/casework.rs and pins.rs): reading every item page,
// verifying the statement chain, accepting case keys, decrypting the report, messages and
// notes into one timeline, sealing texts, checking a colleague's key, and the export file.
// staff-client.js drives these with its session; everything here takes what it needs as
// arguments, so the checks can be tested without a server.
//
// Contract:
// - The thread key is accepted only if the signed receipt (statement 0, verified against the
//   JWKS) commits to it: its cmt over the case id, kc of this key and the report item (version
//   2: also the labels and submitted_to). Otherwise ReceiptError, and the key is wiped.
// - The internal key is accepted only if it opens the case's triage note (written by the
//   client that made the key), so a server that wraps a key of its own choosing to us cannot
//   read what we encrypt next.
// - A colleague's key receives a case key only if its kid is the RFC 7638 thumbprint of the
//   public key given, the verified recipient directory lists that kid with that key and does
//   not suspend it, and (pinned per browser profile) the colleague held that kid before.
// - A broken chain past the receipt is reported (chainOk false, per statement `verified`),
//   not thrown: the case is still shown, marked. A message or note that does not open is in
//   `unreadable` (text null), never a reason to refuse the rest.
// - Senders and hours: a message's side and hour come only from its signed statement (item =
//   b64u(SHA-256(item bytes))); a staff author's name comes from the server's `authors` (not
//   signed: it is the server's word, and is dropped when the signed statement says the
//   reporter wrote it). Notes have no statement; their author and hour are the server's.
// - Plaintext and keys are wiped where this code holds them as bytes.

import { b64uDecode, b64uEncode, fromUtf8, randomBytes, utf8, wipe } from './crypto/b64.js';
import { keyCommitment, receiptCommitment } from './crypto/commit.js';
import { itemHash, openItem, sealItem } from './crypto/item.js';
import { TYP_RECEIPT, TYP_STATEMENT, chainHash, checkChain, verifyStatement } from './crypto/jws.js';
import { TrustError } from './crypto/trust-root.js';
import { openCaseKey, x25519Kid } from './crypto/wrap.js';
import { signedCaseFacts } from './case-facts.js';
import { ReceiptError } from './submission.js';

/** @typedef {import('./crypto/b64.js').Bytes} Bytes */
/** @typedef {import('./crypto/item.js').Item} Item */
/** @typedef {import('./crypto/wrap.js').Wrap} Wrap */
/** @typedef {import('./crypto/jws.js').TrustedKeys} TrustedKeys */
/** @typedef {import('./crypto/statement-shape.js').Payload} Payload */
/** @typedef {import('./crypto/statement-shape.js').Status} Status */
/** @typedef {import('./crypto/statement-shape.js').Outcome} Outcome */
/** @typedef {import('./crypto/staff-keys.js').StaffKey} StaffKey */
/** @typedef {import('./submission.js').TrustedDirectory} TrustedDirectory */
/** @typedef {import('./case-facts.js').CaseFacts} CaseFacts */
/** @typedef {'intake' | 'investigator' | 'custodian' | 'auditor' | 'admin'} Role */
/** @typedef {{ acknowledge_by: number, feedback_by?: number | null }} Deadlines */
/** @typedef {{ outcome: Outcome, hour: number, note: string }} Triage */
/**
 * One row of GET /api/v1/staff/cases (`due_soon`, `new`, `unread` from newer servers).
 * @typedef {{ ref: string, theme: string, unit: string, relation: string | null, status: Status, received_hour: number, deadlines: Deadlines, overdue: boolean, due_soon?: boolean, assigned: string[], triage?: Triage, new?: boolean, unread?: number }} CaseRow
 */
/** @typedef {{ cases: CaseRow[], page: number, per_page: number, total: number }} CaseList */
/** A key holding a thread wrap. @typedef {{ kid: string, public_key: string }} Holder */
/** Who wrote a staff item (the server's word, not signed). @typedef {{ item: string, user_id?: string, name: string, roles: Role[], hour: number }} ItemAuthor */
/**
 * GET /api/v1/staff/cases/{ref}: the row plus these (authors and next_statuses from newer servers).
 * @typedef {CaseRow & { case_id: string, wraps: Wrap[], report: Item, statements: string[], holders: Holder[], submitted_to?: string[], authors?: ItemAuthor[], next_statuses?: Status[] }} CaseDetail
 */
/** @typedef {{ items: Item[], next?: string }} ItemPage */
/** @typedef {{ jws: string, payload: Payload | null, verified: boolean, error?: string }} CheckedStatement */
/**
 * One entry of the case's conversation and notes, in the server's item order. `signed`: a
 * message with its own verified statement (notes are never signed). `hour`: unix seconds.
 * @typedef {{ kind: 'message' | 'note', id: string, from: 'reporter' | 'staff', author?: { name: string, roles: Role[] }, hour: number | null, text: string | null, signed: boolean, seq?: number }} TimelineEntry
 */
/**
 * A case as openCase returns it. `facts`: status and deadlines from the signed statements
 * (null when the chain is broken); `missing`: seqs of signed messages whose item the server
 * did not serve; `internal`: whether the caller holds a working internal key (notes).
 * @typedef {{ detail: CaseDetail, report: unknown, timeline: TimelineEntry[], statements: CheckedStatement[], chainOk: boolean, facts: CaseFacts | null, unreadable: string[], missing: number[], internal: boolean }} OpenedCase
 */

/** Most statements a case holds (src/protocol/wire.rs MAX_STATEMENTS_PER_CASE). */
export const MAX_STATEMENTS_PER_CASE = 1000;
/** Most items read for one case: notes carry no statement, so twice the statements. */
export const MAX_ITEMS = 2 * MAX_STATEMENTS_PER_CASE;

/**
 * Every item of a paged items route, page by page with `fetchPage(after)`. A server cannot
 * make us read for ever: more than `maxItems`, or an empty page that promises another, throws.
 * @param {(after: string | undefined) => Promise<ItemPage>} fetchPage
 * @param {number} [maxItems]
 * @returns {Promise<Item[]>}
 */
export async function readAllPages(fetchPage, maxItems = MAX_ITEMS) {
  /** @type {Item[]} */
  const items = [];
  /** @type {string | undefined} */
  let after;
  for (;;) {
    const page = await fetchPage(after);
    if (!page || !Array.isArray(page.items)) throw new ReceiptError('an item page is not a list of items');
    if (page.items.length === 0 && page.next !== undefined && page.next !== null) throw new ReceiptError('an empty page with a next one');
    items.push(...page.items);
    if (items.length > maxItems) throw new ReceiptError('more items than a case can hold');
    if (page.next === undefined || page.next === null) return items;
    after = page.next;
  }
}

/**
 * The case's statements checked against `keys`: with an intact chain every one is verified
 * (checkChain); otherwise each is checked on its own and in its place, to say which broke.
 * @param {unknown} statements
 * @param {TrustedKeys} keys
 * @returns {Promise<{ statements: CheckedStatement[], chainOk: boolean }>}
 */
export async function checkStatements(statements, keys) {
  const list = Array.isArray(statements) ? statements : [];
  try {
    const payloads = await checkChain(list, keys);
    return { statements: payloads.map((payload, i) => ({ jws: list[i], payload, verified: true })), chainOk: true };
  } catch {
    // Fall through to the per-statement diagnosis below.
  }
  /** @type {CheckedStatement[]} */
  const out = [];
  /** @type {Payload | null} */
  let receipt = null;
  /** @type {Payload | null} */
  let previous = null;
  for (const [i, jws] of list.entries()) {
    try {
      const { typ, payload } = await verifyStatement(jws, keys);
      /** @type {string | undefined} */
      let error;
      if (payload.seq !== i) error = 'seq out of order';
      else if (i === 0 && typ !== TYP_RECEIPT) error = 'first statement is not a receipt';
      else if (i > 0 && typ !== TYP_STATEMENT) error = 'receipt after the first position';
      else if (i > 0 && receipt && (payload.iss !== receipt.iss || payload.ref !== receipt.ref)) error = 'statement from another case';
      else if (i > 0 && payload.prev !== (await chainHash(list[i - 1]))) error = 'prev is not the hash of the previous statement';
      else if (previous && payload.log <= previous.log) error = 'log index not increasing';
      if (i === 0 && !error) receipt = payload;
      out.push(error ? { jws, payload, verified: false, error } : { jws, payload, verified: true });
      previous = payload;
    } catch (e) {
      out.push({ jws: typeof jws === 'string' ? jws : '', payload: null, verified: false, error: e instanceof Error ? e.message : String(e) });
      previous = null;
    }
  }
  return { statements: out, chainOk: false };
}

/**
 * Throws ReceiptError unless `receipt` (verified) commits to `threadKey` for this case: its
 * cmt over the case id, kc and the report (and for version 2 the labels and submitted_to), and
 * its ref is the case's.
 * @param {Payload} receipt
 * @param {CaseDetail} detail
 * @param {Bytes} caseId
 * @param {Bytes} threadKey
 */
export async function checkThreadKey(receipt, detail, caseId, threadKey) {
  if (receipt.ref !== detail.ref) throw new ReceiptError('the receipt is for another case');
  const filed = { theme: detail.theme, unit: detail.unit, relation: detail.relation, submitted_to: detail.submitted_to ?? [] };
  const cmt = await receiptCommitment(receipt, caseId, await keyCommitment(threadKey), [detail.report], filed);
  if (cmt !== receipt.cmt) throw new ReceiptError('the thread key or report does not match the signed receipt');
}

/**
 * The caller's wrap of `purpose`, opened with `key`; null when there is none or it does not
 * open. The caller checks the key before using it (checkThreadKey, checkInternalKey).
 * @param {StaffKey} key
 * @param {Bytes} caseId
 * @param {Wrap[]} wraps
 * @param {'thread' | 'internal'} purpose
 * @returns {Promise<Bytes | null>}
 */
export async function openWrap(key, caseId, wraps, purpose) {
  const wrap = (Array.isArray(wraps) ? wraps : []).find((w) => w?.purpose === purpose);
  if (!wrap) return null;
  try {
    return await openCaseKey(key, caseId, wrap);
  } catch {
    return null;
  }
}

/**
 * The thread key, checked against the verified receipt (see the module contract). Throws
 * ReceiptError when there is no wrap, it does not open, or the receipt does not commit to it.
 * @param {StaffKey} key
 * @param {CaseDetail} detail
 * @param {Payload | null} receipt the verified receipt, or null when it did not verify
 */
export async function threadKeyOf(key, detail, receipt) {
  if (!receipt) throw new ReceiptError('the receipt does not verify');
  const caseId = b64uDecode(detail.case_id, 16);
  const threadKey = await openWrap(key, caseId, detail.wraps, 'thread');
  if (!threadKey) throw new ReceiptError('no thread wrap of this case opens with your key');
  try {
    await checkThreadKey(receipt, detail, caseId, threadKey);
  } catch (e) {
    wipe(threadKey);
    throw e;
  }
  return threadKey;
}

/**
 * The internal key if the caller holds one and it opens the case's triage note; else null.
 * @param {StaffKey} key
 * @param {CaseDetail} detail
 * @param {Item[]} items
 */
export async function internalKeyOf(key, detail, items) {
  const caseId = b64uDecode(detail.case_id, 16);
  const internal = await openWrap(key, caseId, detail.wraps, 'internal');
  if (!internal) return null;
  const note = detail.triage ? items.find((i) => i.id === detail.triage?.note && i.kind === 'note') : undefined;
  try {
    if (!note) throw new Error('no triage note');
    wipe(await openItem(internal, caseId, note));
    return internal;
  } catch {
    wipe(internal);
    return null;
  }
}

/**
 * The text of a message or note item ({"text": …}), or null when it does not open or holds no text.
 * @param {Bytes} key
 * @param {Bytes} caseId
 * @param {Item} item
 * @returns {Promise<string | null>}
 */
export async function readText(key, caseId, item) {
  /** @type {Bytes | undefined} */
  let plaintext;
  try {
    plaintext = await openItem(key, caseId, item);
    const content = JSON.parse(fromUtf8(plaintext));
    return typeof content?.text === 'string' ? content.text : null;
  } catch {
    return null;
  } finally {
    wipe(plaintext);
  }
}

/**
 * An item of `kind` holding {"text": text} under `key` (Rust: seal_text).
 * @param {Bytes} key
 * @param {Bytes} caseId
 * @param {'message' | 'note'} kind
 * @param {string} text
 */
export async function sealText(key, caseId, kind, text) {
  if (typeof text !== 'string') throw new TypeError('the text must be a string');
  const plaintext = utf8(JSON.stringify({ text }));
  try {
    return await sealItem(key, caseId, randomBytes(16), kind, plaintext);
  } finally {
    wipe(plaintext);
  }
}

/**
 * Puts the decrypted items in one timeline with sides, authors and hours (see the module
 * contract). Pure: `read` holds per item its hash (b64u) and text (null: unreadable).
 * @param {{ item: Item, hash: string, text: string | null }[]} read in the server's order
 * @param {CheckedStatement[]} statements
 * @param {ItemAuthor[] | undefined} authors
 * @returns {{ timeline: TimelineEntry[], unreadable: string[], missing: number[] }}
 */
export function assembleTimeline(read, statements, authors) {
  /** @type {Map<string, Payload>} */
  const signed = new Map();
  for (const s of statements) {
    const p = s.payload;
    if (s.verified && p && p.kind === 'message' && typeof p.item === 'string' && !signed.has(p.item)) signed.set(p.item, p);
  }
  /** @type {Map<string, ItemAuthor>} */
  const byItem = new Map();
  for (const a of Array.isArray(authors) ? authors : []) {
    if (a && typeof a.item === 'string' && typeof a.name === 'string' && !byItem.has(a.item)) byItem.set(a.item, a);
  }
  /** @type {TimelineEntry[]} */
  const timeline = [];
  /** @type {string[]} */
  const unreadable = [];
  const used = new Set();
  for (const { item, hash, text } of read) {
    if (item.kind !== 'message' && item.kind !== 'note') continue;
    if (text === null) unreadable.push(item.id);
    const author = byItem.get(item.id);
    const authorView = author ? { name: author.name, roles: Array.isArray(author.roles) ? author.roles : [] } : undefined;
    const hour = author && Number.isSafeInteger(author.hour) ? author.hour : null;
    if (item.kind === 'note') {
      timeline.push({ kind: 'note', id: item.id, from: 'staff', ...(authorView ? { author: authorView } : {}), hour, text, signed: false });
      continue;
    }
    const statement = used.has(hash) ? undefined : signed.get(hash);
    if (statement?.from) {
      used.add(hash);
      const fromStaff = statement.from === 'staff';
      timeline.push({
        kind: 'message',
        id: item.id,
        from: statement.from,
        // A name the server attaches to a message the signed statement gives to the reporter is dropped.
        ...(fromStaff && authorView ? { author: authorView } : {}),
        hour: statement.iat,
        text,
        signed: true,
        seq: statement.seq,
      });
    } else {
      // No signed statement of its own: shown, marked unsigned, side as the server implies.
      timeline.push({ kind: 'message', id: item.id, from: author ? 'staff' : 'reporter', ...(authorView ? { author: authorView } : {}), hour, text, signed: false });
    }
  }
  const missing = [];
  for (const [hash, p] of signed) if (!used.has(hash)) missing.push(p.seq);
  missing.sort((a, b) => a - b);
  return { timeline, unreadable, missing };
}

/**
 * Reads and checks one case with the caller's key: `detail` and every later item as the
 * server served them, `keys` the JWKS (importJwks). Returns OpenedCase (see the contract).
 * @param {StaffKey} key
 * @param {CaseDetail} detail
 * @param {Item[]} items
 * @param {TrustedKeys} keys
 * @returns {Promise<OpenedCase>}
 */
export async function openCaseWith(key, detail, items, keys) {
  if (detail?.report?.kind !== 'report' || items.some((i) => i?.kind === 'report')) {
    throw new ReceiptError('the case does not have exactly one report');
  }
  const caseId = b64uDecode(detail.case_id, 16);
  const { statements, chainOk } = await checkStatements(detail.statements, keys);
  const receipt = statements[0]?.verified ? statements[0].payload : null;
  const thread = await threadKeyOf(key, detail, receipt);
  const internal = await internalKeyOf(key, detail, items);
  try {
    const reportBytes = await openItem(thread, caseId, detail.report);
    let report;
    try {
      report = JSON.parse(fromUtf8(reportBytes));
    } finally {
      wipe(reportBytes);
    }
    /** @type {{ item: Item, hash: string, text: string | null }[]} */
    const read = [];
    for (const item of items) {
      if (item.kind === 'message') {
        read.push({ item, hash: b64uEncode(await itemHash(item)), text: await readText(thread, caseId, item) });
      } else if (item.kind === 'note') {
        read.push({ item, hash: '', text: internal ? await readText(internal, caseId, item) : null });
      }
    }
    const { timeline, unreadable, missing } = assembleTimeline(read, statements, detail.authors);
    const payloads = statements.map((s) => /** @type {Payload} */ (s.payload));
    return {
      detail,
      report,
      timeline,
      statements,
      chainOk,
      facts: chainOk ? signedCaseFacts(payloads) : null,
      unreadable,
      missing,
      internal: internal !== null,
    };
  } finally {
    wipe(thread, internal);
  }
}

/**
 * `public_key` (b64u) of the colleague holding `kid`, as 32 bytes, if `kid` is its thumbprint
 * and the trusted directory lists it unchanged and unsuspended (Rust: checked_key and
 * listed_key). Pinning is the caller's (it needs storage).
 * @param {TrustedDirectory} trusted
 * @param {string} who for the error message
 * @param {string} kid
 * @param {string} publicKey b64u
 */
export async function listedColleagueKey(trusted, who, kid, publicKey) {
  let bytes;
  try {
    bytes = b64uDecode(publicKey, 32);
  } catch {
    throw new TrustError('bad_key', `the server gave a malformed key for ${who}`);
  }
  if ((await x25519Kid(bytes)) !== kid) throw new TrustError('bad_key', `the server gave a key that is not ${kid}'s`);
  const entry = trusted.directory.payload.entries.find((e) => e.kid === kid);
  if (!entry || trusted.suspended.includes(kid)) {
    throw new TrustError('not_listed', `the key ${kid} of ${who} is not in the signed recipient directory (or is suspended); no case key is wrapped to it`);
  }
  if (entry.public_key !== publicKey) throw new TrustError('not_listed', `the server gave another key for ${kid} than the signed directory`);
  return bytes;
}

/**
 * A self-contained JSON file of an opened case for reading offline: labels, the decrypted
 * report and timeline, and the statements as JWS with their verification result (so they can
 * be checked again offline, e.g. with `meldpunt verify`). It holds plaintext: the caller
 * decides where it goes.
 * @param {OpenedCase} opened
 * @param {Date} [now]
 */
export function caseExport(opened, now = new Date()) {
  const d = opened.detail;
  return {
    format: 'meldpunt-staff-case-export',
    version: 1,
    exported_at: now.toISOString(),
    ref: d.ref,
    theme: d.theme,
    unit: d.unit,
    relation: d.relation ?? null,
    status: d.status,
    received_hour: d.received_hour,
    deadlines: d.deadlines,
    assigned: d.assigned,
    triage: d.triage ?? null,
    signed_facts: opened.facts,
    chain_ok: opened.chainOk,
    report: opened.report,
    timeline: opened.timeline,
    unreadable: opened.unreadable,
    missing_signed_messages: opened.missing,
    statements: opened.statements.map((s) => ({ jws: s.jws, verified: s.verified, ...(s.error ? { error: s.error } : {}), payload: s.payload })),
  };
}
