// Every example operation gets past the server's request-level checks
// (parsing, validation, the query limits on depth, complexity, aliases …)
// with the largest page size a client may ask for. Each one is sent with
// made-up variables, so most fail in their resolver (NOT_FOUND and the
// like, errors with a `path`); none may fail before execution.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  print,
  typeFromAST,
  type GraphQLFormattedError,
  type GraphQLInputType,
} from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { exampleOperations, schemaPath } from '../support/examples.ts';
import { withTimeout } from '../support/events.ts';
import { startServer, type RunningServer } from '../support/server.ts';

const schema = buildSchema(readFileSync(schemaPath, 'utf8'));
/** The largest `first`/`last` the server accepts. */
const MAX_PAGE = 100;
const NO_SUCH_ID = '000000000000000000000000';

/** A value of `type` that passes GraphQL's own coercion. */
function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [sample(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)
        .map((f) => [f.name, sample(f.type)]),
    );
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'ID':
        return NO_SUCH_ID;
      case 'Int':
        return 1;
      case 'Float':
        return 1.5;
      case 'Boolean':
        return false;
      case 'DateTime':
        return new Date(0).toISOString();
      default:
        return 'x';
    }
  }
  throw new Error(`no sample for ${String(type)}`);
}

/** Root fields that end sessions: run on an account of their own, so they
 * do not sign out the token the other examples use. */
const ENDS_SESSIONS = new Set(['signOut', 'revokeSession', 'signOutEverywhere', 'changePassword', 'deleteAccount']);
const SESSIONS_PASSWORD = 'long enough password';
/** The app's backend's key: the examples under operations/server/ are its
 * operations (sent with `X-Api-Key` instead of a user's token). */
const SERVER_API_KEY = 'limits-test-key-0123456789abcdef0123456789';
const isServerExample = (path: string) => path.split(/[\\/]/).includes('server');

describe('the example operations and the server\'s query limits', () => {
  let server: RunningServer;
  let token: string;
  let ws: Client;

  before(async () => {
    server = await startServer({ SERVER_API_KEYS: `limits:${SERVER_API_KEY}` });
    const res = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($input: SignUpInput!) { signUp(input: $input) { token } }',
        variables: { input: { email: 'limits@example.com', handle: 'limits', name: 'Limits', password: 'long enough password' } },
      }),
    });
    token = ((await res.json()) as { data: { signUp: { token: string } } }).data.signUp.token;
    await signUp('sessions@example.com', 'sessions');
    ws = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
  });

  after(async () => {
    await ws?.dispose();
    await server?.stop();
  });

  /** Signs up (when `email` is given) or in as `handle`; the access token. */
  async function signUp(email: string | null, handle: string): Promise<string> {
    const res = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        email
          ? {
              query: 'mutation($input: SignUpInput!) { signUp(input: $input) { token } }',
              variables: { input: { email, handle, name: handle, password: SESSIONS_PASSWORD } },
            }
          : {
              query: 'mutation($input: SignInInput!) { signIn(input: $input) { token } }',
              variables: { input: { login: handle, password: SESSIONS_PASSWORD } },
            },
      ),
    });
    const body = (await res.json()) as { data: Record<string, { token: string }> };
    return Object.values(body.data)[0].token;
  }

  /** Runs a query or mutation over HTTP; the errors it got. */
  async function overHttp(
    query: string,
    variables: Record<string, unknown>,
    as: string | { apiKey: string } = token,
  ): Promise<readonly GraphQLFormattedError[]> {
    const caller: Record<string, string> =
      typeof as === 'string' ? { authorization: `Bearer ${as}` } : { 'x-api-key': as.apiKey };
    const res = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...caller },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { errors?: GraphQLFormattedError[] };
    return body.errors ?? [];
  }

  /**
   * Starts a subscription; the errors it got by the time a later request on
   * the same socket was answered (the server reads a socket in order).
   */
  async function overSocket(query: string, variables: Record<string, unknown>): Promise<readonly GraphQLFormattedError[]> {
    const errors: GraphQLFormattedError[] = [];
    const stop = ws.subscribe(
      { query, variables },
      {
        next: (r) => errors.push(...(r.errors ?? [])),
        error: (e) => errors.push(...(Array.isArray(e) ? e : [{ message: `socket: ${String((e as { code?: number }).code ?? e)}` }])),
        complete: () => {},
      },
    );
    await withTimeout(
      new Promise<void>((resolve, reject) =>
        ws.subscribe({ query: '{ me { id } }' }, { next: () => {}, error: reject, complete: resolve }),
      ),
      'a round trip after the subscription',
    );
    stop();
    return errors;
  }

  for (const example of exampleOperations()) {
    it(`${example.path} passes parsing, validation and the limits`, async () => {
      const variables: Record<string, unknown> = {};
      for (const v of example.operation.variableDefinitions ?? []) {
        const name = v.variable.name.value;
        const type = typeFromAST(schema, v.type as never) as GraphQLInputType | undefined;
        assert.ok(type, `unknown type of $${name}`);
        if (name === 'first' || name === 'last') variables[name] = MAX_PAGE;
        else if (isNonNullType(type) && !v.defaultValue) variables[name] = sample(type);
      }
      const query = print(example.document);
      const root = example.operation.selectionSet.selections[0];
      const endsSessions = root.kind === 'Field' && ENDS_SESSIONS.has(root.name.value);
      const errors =
        example.operation.operation === 'subscription'
          ? await overSocket(query, variables)
          : isServerExample(example.path)
            ? await overHttp(query, variables, { apiKey: SERVER_API_KEY })
            : await overHttp(query, variables, endsSessions ? await signUp(null, 'sessions') : token);
      // Errors from resolvers carry a path; request-level ones do not.
      const refused = errors.filter((e) => !e.path || e.extensions?.limit);
      assert.deepEqual(refused, [], `variables: ${JSON.stringify(variables)}`);
    });
  }
});
