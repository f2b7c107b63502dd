// The staff side of the browser flow test: a recipient answers the reporter.
//
// Contract: `staffReply({server, ref, text})` makes a staff message appear in case `ref`
// through meldpunt's own Rust code (the CLI), never through the page under test. It throws
// an Error whose message starts with "not available yet" while issue 4 (staff API and CLI)
// has not landed a way for a recipient to reply; the flow test then skips only that step.

import { execFileSync } from 'node:child_process';
import { BINARY } from './harness.mjs';

/** Whether the binary has a `case reply` subcommand. */
function hasReplyCommand() {
  try {
    execFileSync(BINARY, ['case', 'reply', '--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function staffReply({ server, ref, text }) {
  if (!hasReplyCommand()) {
    throw new Error(
      'not available yet: needs `meldpunt case reply --server URL --key intake.key --ref REF --text TEXT` ' +
        '(or an equivalent Rust client call) so a recipient can answer a case while the server runs',
    );
  }
  execFileSync(
    BINARY,
    ['case', 'reply', '--server', server.url, '--key', server.keyFile, '--ref', ref, '--text', text],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
}
