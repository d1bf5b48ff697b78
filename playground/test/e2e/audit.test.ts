// The GraphQL-over-HTTP conformance audit of the graphql-http package
// (serverAudits), run against the real server. Every audit must pass, the
// recommendations (SHOULD, MAY) as well as the requirements (MUST): a
// `warn` or `notice` is a regression too, since the server meets them all.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serverAudits, type AuditResult } from 'graphql-http';
import { startServer, type RunningServer } from '../support/server.ts';

describe('the GraphQL-over-HTTP audit', () => {
  let server: RunningServer;

  before(async () => {
    server = await startServer();
  });

  after(async () => {
    await server?.stop();
  });

  it('passes every audit', async () => {
    const audits = serverAudits({ url: () => server.httpUrl });
    // One at a time: the results stay independent of each other's timing.
    const results: AuditResult[] = [];
    for (const audit of audits) results.push(await audit.fn());
    assert.ok(results.length >= 50, `only ${results.length} audits ran`);
    const failed = results.flatMap((r) => (r.status === 'ok' ? [] : [`${r.status} ${r.id} ${r.name}: ${r.reason}`]));
    assert.deepEqual(failed, [], `audits not ok:\n${failed.join('\n')}\n\nserver output:\n${server.output()}`);
  });
});
