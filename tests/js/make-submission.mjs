// Prepares a complete submission with the browser code (web/js/reporter.js prepareSubmission),
// for tests/js_interop.rs to open with the Rust crypto and post to a real server.
// Usage: node make-submission.mjs --unit UNIT --theme THEME [--relation REL] --text TEXT
//          --recipient PUBLIC_KEY_B64U:UNIT [--recipient …] [--pow CHALLENGE:NONCE]
// Prints {code (display form), request (SubmitRequest JSON), thread_key_b64u, cmt}. Without
// --pow the request carries {"challenge":"","nonce":0}, for the caller to replace.
import { parseArgs } from 'node:util';
import { displayAccessCode, generateAccessCode } from '../../web/js/crypto/access-code.js';
import { b64uDecode, b64uEncode } from '../../web/js/crypto/b64.js';
import { x25519Kid } from '../../web/js/crypto/wrap.js';
import { prepareSubmission } from '../../web/js/reporter.js';

const { values } = parseArgs({
  options: {
    unit: { type: 'string' },
    theme: { type: 'string' },
    relation: { type: 'string' },
    text: { type: 'string' },
    recipient: { type: 'string', multiple: true, default: [] },
    pow: { type: 'string' },
  },
});
if (!values.unit || !values.theme || values.text === undefined) {
  console.error('usage: make-submission.mjs --unit UNIT --theme THEME --text TEXT --recipient PK:UNIT…');
  process.exit(2);
}

const recipients = [];
for (const spec of values.recipient) {
  const [publicKey, unit] = spec.split(':');
  recipients.push({ kid: await x25519Kid(b64uDecode(publicKey, 32)), public_key: publicKey, unit });
}
const [challenge = '', nonce = '0'] = (values.pow ?? '').split(':');
const code = generateAccessCode();
const draft = {
  theme: values.theme,
  unit: values.unit,
  relation: values.relation,
  report: { what: values.text, when: 'voorjaar 2026', where: 'bureau', wants: 'investigation' },
};
const prepared = await prepareSubmission({ recipients }, draft, code, { challenge, nonce: Number(nonce) });
console.log(
  JSON.stringify({
    code: displayAccessCode(code),
    request: prepared.request,
    thread_key_b64u: b64uEncode(prepared.threadKey),
    cmt: prepared.cmt,
  }),
);
