// Reads a case from a live server with the browser code (web/js/reporter.js readCase): the
// statement chain, the receipt's binding and cmt, log inclusion, decryption.
// Usage: node read-case.mjs BASE_URL CODE [--send TEXT]
// With --send, first sends TEXT as a reporter message (sendMessage), then reads.
// Prints {ref, report, messages, statements (payloads), included, checkpoint_size}; exit 1 on
// any failed check.
import { ReporterClient } from '../../web/js/reporter.js';

const [base, code, flag, text] = process.argv.slice(2);
const client = new ReporterClient(base);
try {
  if (flag === '--send') await client.sendMessage(code, text);
  const opened = await client.readCase(code);
  console.log(
    JSON.stringify({
      ref: opened.view.ref,
      report: opened.report,
      messages: opened.messages,
      statements: opened.statements,
      included: opened.log.included,
      checkpoint_size: opened.log.checkpoint?.size ?? null,
    }),
  );
} catch (e) {
  console.error(`read-case failed: ${e.name}: ${e.message}`);
  process.exit(1);
}
