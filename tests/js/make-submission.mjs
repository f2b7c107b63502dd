// Prepares a complete submission with the browser code (web/js/reporter.js prepareSubmission),
// for tests/js_interop.rs to open with the Rust crypto and post to a real server.
// Usage: node make-submission.mjs --unit UNIT --theme THEME [--relation REL] --text TEXT
//          (--server URL | --recipient PUBLIC_KEY_B64U:UNIT [--recipient …])
//          [--national-only] [--pow CHALLENGE:NONCE]
// With --server, the readers come from that server's directory, checked as a page checks it
// (its /trust-root.json, officer quorum, inclusion in a cosigned checkpoint), so the request
// can be posted there. With --recipient, from an unsigned directory made here of those keys
// (intake of their unit): for checking the crypto offline only, a server refuses its hash.
// Prints {code (display form), request (SubmitRequest JSON), thread_key_b64u, cmt (version 2),
// directory (b64u of the directory hash), holders (the wraps' `to`)}. Without --pow the
// request carries {"challenge":"","nonce":0}, for the caller to replace.
import { parseArgs } from 'node:util';
import { displayAccessCode, generateAccessCode } from '../../web/js/crypto/access-code.js';
import { b64uDecode, b64uEncode, utf8 } from '../../web/js/crypto/b64.js';
import { payloadText } from '../../web/js/crypto/directory.js';
import { sha256 } from '../../web/js/crypto/primitives.js';
import { x25519Kid } from '../../web/js/crypto/wrap.js';
import { ReporterClient, prepareSubmission } from '../../web/js/reporter.js';

const { values } = parseArgs({
  options: {
    unit: { type: 'string' },
    theme: { type: 'string' },
    relation: { type: 'string' },
    text: { type: 'string' },
    recipient: { type: 'string', multiple: true, default: [] },
    server: { type: 'string' },
    'national-only': { type: 'boolean', default: false },
    pow: { type: 'string' },
  },
});
if (!values.unit || !values.theme || values.text === undefined) {
  console.error('usage: make-submission.mjs --unit UNIT --theme THEME --text TEXT (--server URL | --recipient PK:UNIT…)');
  process.exit(2);
}

/** An unsigned directory of the --recipient keys, shaped as a verified one. */
async function localDirectory() {
  const entries = [];
  for (const [i, spec] of values.recipient.entries()) {
    const [publicKey, unit] = spec.split(':');
    entries.push({ kid: await x25519Kid(b64uDecode(publicKey, 32)), public_key: publicKey, units: [unit], roles: ['intake'], label: `recipient ${i + 1}` });
  }
  entries.sort((a, b) => (a.kid < b.kid ? -1 : 1));
  const payload = { v: 1, origin: 'http://localhost', seq: 1, hour: 0, entries };
  const hash = await sha256(utf8(payloadText(payload)));
  return { directory: { payload, hash, hashB64: b64uEncode(hash), signers: [], text: '' }, suspended: [] };
}

try {
  const trusted = values.server ? await new ReporterClient(values.server).directory() : await localDirectory();
  const [challenge = '', nonce = '0'] = (values.pow ?? '').split(':');
  const code = generateAccessCode();
  const draft = {
    theme: values.theme,
    unit: values.unit,
    relation: values.relation,
    nationalOnly: values['national-only'],
    report: { what: values.text, when: 'voorjaar 2026', where: 'bureau', wants: 'investigation' },
  };
  const prepared = await prepareSubmission(trusted, draft, code, { challenge, nonce: Number(nonce) });
  console.log(
    JSON.stringify({
      code: displayAccessCode(code),
      request: prepared.request,
      thread_key_b64u: b64uEncode(prepared.threadKey),
      cmt: prepared.cmt,
      directory: prepared.request.directory,
      holders: prepared.request.wraps.map((w) => w.to),
    }),
  );
} catch (e) {
  console.error(`make-submission failed: ${e.name}: ${e.message}`);
  process.exit(1);
}
