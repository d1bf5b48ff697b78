// Apollo's automatic persisted queries with Apollo Client's own link
// (createPersistedQueryLink), counted from the server's side through
// /metrics: the first request sends the hash alone and misses, the link
// sends the query with its hash, and from then on the hash alone is
// enough, over POST and over GET.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { MeDocument, SignUpDocument } from '../../generated/graphql.ts';
import { startServer, type RunningServer } from '../support/server.ts';

const sha256 = (query: string) => createHash('sha256').update(query).digest('hex');

/** The server's `chat_persisted_queries_total` counts by outcome. */
async function counts(server: RunningServer): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
  const found: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^chat_persisted_queries_total\{outcome="(\w+)"\} (\d+)/.exec(line);
    if (match) found[match[1]!] = Number(match[2]);
  }
  return found;
}

function client(server: RunningServer, token: string | null, useGET: boolean) {
  const http = new HttpLink({
    uri: server.httpUrl,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return new ApolloClient({
    link: createPersistedQueryLink({ sha256, useGETForHashedQueries: useGET }).concat(http),
    cache: new InMemoryCache(),
    defaultOptions: { query: { fetchPolicy: 'no-cache' } },
  });
}

describe('automatic persisted queries with Apollo Client', () => {
  let server: RunningServer;
  let token: string;

  before(async () => {
    server = await startServer();
    const signUp = await client(server, null, false).mutate({
      mutation: SignUpDocument,
      variables: {
        input: { handle: 'apq_user', name: 'APQ User', email: 'apq@example.com', password: 'correct horse battery staple' },
      },
    });
    token = signUp.data!.signUp.token;
  });

  after(async () => {
    await server?.stop();
  });

  for (const useGET of [false, true]) {
    it(`misses once, registers, then sends the hash alone (${useGET ? 'GET' : 'POST'})`, async () => {
      const before = await counts(server);
      const apollo = client(server, token, useGET);
      for (let i = 0; i < 3; i++) {
        const { data } = await apollo.query({ query: MeDocument });
        assert.equal(data?.me.handle, 'apq_user');
      }
      const now = await counts(server);
      const delta = (outcome: string) => (now[outcome] ?? 0) - (before[outcome] ?? 0);
      if (useGET) {
        // The POST run registered this query already: every GET is a hit.
        assert.deepEqual([delta('miss'), delta('registered'), delta('hit')], [0, 0, 3]);
      } else {
        assert.deepEqual([delta('miss'), delta('registered'), delta('hit')], [1, 1, 2]);
      }
    });
  }
});
