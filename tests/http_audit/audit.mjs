// Runs the graphql-http GraphQL-over-HTTP audit suite against a live server.
//
//   node tests/http_audit/audit.mjs http://127.0.0.1:8000/graphql
//
// Prints one JSON line per audit: {id, name, status, reason} where status is the library's
// ('ok' | 'notice' | 'warn' | 'error') and reason is null for passing audits. Failing audits also
// carry `response` ({status, contentType, body}) when the library kept the response, to make the
// failure diagnosable. Always exits 0 when the audits ran; judging the results is the caller's job
// (tests/test_http_audit.py).
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}

async function describe(response) {
  if (!response || typeof response !== 'object') return undefined;
  const out = {
    status: response.status,
    contentType: response.headers?.get?.('content-type') ?? null,
  };
  try {
    const text = await (response.bodyUsed ? Promise.resolve(null) : response.clone().text());
    out.body = text === null ? null : text.slice(0, 500);
  } catch {
    out.body = null;
  }
  return out;
}

const results = await auditServer({ url, fetchFn: fetch });
const lines = [];
for (const result of results) {
  const line = {
    id: result.id,
    name: result.name,
    status: result.status,
    reason: result.status === 'ok' ? null : result.reason ?? null,
  };
  if (result.status !== 'ok') {
    const response = await describe(result.response);
    if (response) line.response = response;
  }
  lines.push(JSON.stringify(line) + '\n');
}
// One write and a natural exit, so piped output is never cut short by process.exit().
process.stdout.write(lines.join(''));
process.exitCode = 0;
