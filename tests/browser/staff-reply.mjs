// The staff side of the browser flow test: an intake officer answers the reporter through
// meldpunt's own Rust staff client (the `meldpunt staff …` and `meldpunt case reply` commands),
// never through the page under test.
//
// Contract: `inviteStaff(dir)` runs before the server starts (it opens the database) and
// returns the enrolment token of a new intake user for unit `national`. `enrolStaff(server,
// token)` enrols that user over HTTP (password on standard input, the TOTP code computed here
// from the secret the command prints) and signs in with a session file in the server's temp
// folder; enrolled intake users receive every new report. `staffReply(server, staff, ref,
// text)` sends an encrypted staff message to case `ref`.

import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BINARY, cli } from './harness.mjs';

const NAME = 'intake-test';
const PASSWORD = 'een lang wachtwoord voor de test';

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) for the step containing `seconds`. */
export function totp(secret, seconds = Date.now() / 1000) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(seconds / 30)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[19] & 0xf;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

/** Invites the intake user; returns the enrolment token. Run before `serve`. */
export function inviteStaff(dir) {
  const out = cli(dir, ['user', 'invite', '--name', NAME, '--role', 'intake', '--unit', 'national']);
  const token = out.match(/enrolment link[^:]*: \S*#(\S+)/)?.[1];
  if (!token) throw new Error(`no enrolment link in: ${out}`);
  return token;
}

/** Enrols and signs in the invited user; returns {session}. */
export async function enrolStaff(server, token) {
  const child = spawn(BINARY, ['staff', 'enrol', '--link', `${server.url}/staff/enrol#${token}`, '--password-stdin'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.write(`${PASSWORD}\n`);
  let stderr = '';
  let stdout = '';
  let enrolStep = 0;
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    const secret = stderr.match(/secret: (\S+)/)?.[1];
    if (secret && !child.stdin.writableEnded) {
      enrolStep = Date.now() / 1000;
      child.stdin.end(`${totp(secret, enrolStep)}\n`);
      child.secret = secret;
    }
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`staff enrol failed (${code}): ${stderr}${stdout}`);
  const session = join(server.dir, 'staff-session.json');
  // The enrolment used this step's code; a code works once, so sign in with the next step's
  // (the server accepts one step of skew).
  execFileSync(
    BINARY,
    ['--session', session, 'staff', 'login', '--server', server.url, '--name', NAME, '--totp', totp(child.secret, enrolStep + 30), '--password-stdin'],
    { input: `${PASSWORD}\n`, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  return { session };
}

/** Sends `text` to the reporter of case `ref` as the signed-in intake user. */
export function staffReply(server, staff, ref, text) {
  execFileSync(BINARY, ['--session', staff.session, 'case', 'reply', '--ref', ref, '--text', text, '--password-stdin'], {
    input: `${PASSWORD}\n`,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/**
 * Posts, as the signed-in intake user, a staff message whose ciphertext is NOT under the case's
 * thread key (sealed under a random key): what a careless or hostile colleague with access
 * could send. The server signs a statement for it like for any other message.
 */
export async function staffUnreadableMessage(server, staff, ref, caseId) {
  const { sealItem } = await import('../../web/js/crypto/item.js');
  const { b64uDecode } = await import('../../web/js/crypto/b64.js');
  const saved = JSON.parse(readFileSync(staff.session, 'utf8'));
  const randomKey = crypto.getRandomValues(new Uint8Array(32));
  const item = await sealItem(randomKey, b64uDecode(caseId, 16), crypto.getRandomValues(new Uint8Array(16)), 'message', new TextEncoder().encode('{"text":"onleesbaar"}'));
  const response = await fetch(`${server.url}/api/v1/staff/cases/${ref}/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: saved.cookie, 'X-CSRF-Token': saved.csrf_token },
    body: JSON.stringify(item),
  });
  if (response.status !== 201) throw new Error(`staff message: ${response.status} ${await response.text()}`);
}
