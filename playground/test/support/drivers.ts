// The same small interface over the two example clients (clients/apollo.ts,
// clients/urql.ts), so one scenario drives both. Results keep the types of
// the generated documents: `query(MeDocument, {})` resolves to `MeQuery`.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { getOperationAST, parse, print, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import type { Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CombinedGraphQLErrors } from '@apollo/client';
import { CombinedError } from 'urql';
import { createApolloClient } from '../../clients/apollo.ts';
import { createUrqlClient } from '../../clients/urql.ts';
import { EVENT_TIMEOUT_MS, EventQueue, withTimeout } from './events.ts';

// Node 20 has no global WebSocket; @apollo/client's GraphQLWsLink refers to
// it when a subscription fails. The clients themselves get `ws` explicitly.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

export type Library = 'apollo' | 'urql';
type Vars = Record<string, unknown>;

/** A cheap request that needs the database, used to wait for the server. */
const ROUND_TRIP = parse('query RoundTrip { me { id } }') as TypedDocumentNode<unknown, Record<string, never>>;

/** A request that came back with GraphQL errors. */
export class GraphQLFailure extends Error {
  constructor(readonly errors: readonly GraphQLFormattedError[]) {
    super(errors.map((e) => `${e.message} [${String(e.extensions?.code ?? '')}]`).join('; '));
  }
  /** The `extensions.code` of each error. */
  get codes(): string[] {
    return this.errors.map((e) => String(e.extensions?.code ?? ''));
  }
}

export interface Subscription<T> {
  events: EventQueue<T>;
  /**
   * Resolves once the server has taken the subscription: its `subscribe`
   * frame went out on the socket and a later request on the same socket got
   * its answer (the server reads a socket's frames in order). Trigger
   * events only after this, or they may happen before the subscription.
   */
  ready(): Promise<void>;
  unsubscribe(): void;
}

export interface ChatDriver {
  readonly library: Library;
  /** Sent as the Bearer token over HTTP and in connection_init. */
  token: string | null;
  query<TData, TVars extends Vars>(doc: TypedDocumentNode<TData, TVars>, variables: TVars): Promise<TData>;
  mutate<TData, TVars extends Vars>(doc: TypedDocumentNode<TData, TVars>, variables: TVars): Promise<TData>;
  subscribe<TData, TVars extends Vars>(doc: TypedDocumentNode<TData, TVars>, variables: TVars): Subscription<TData>;
  /** A query or mutation over the graphql-ws socket (graphql-ws directly). */
  overSocket<TData, TVars extends Vars>(doc: TypedDocumentNode<TData, TVars>, variables: TVars): Promise<TData>;
  /** Resolves once the socket is open and acknowledged (connection_ack). */
  /**
   * Resolves once a socket is open and acknowledged (connection_ack) and at
   * least `count` connections were made in all.
   */
  connected(what?: string, count?: number, ms?: number): Promise<void>;
  /** Close events of this client's sockets, oldest first. */
  readonly closes: { code: number; reason: string }[];
  /** How many times a socket was acknowledged. */
  readonly connections: number;
  /**
   * Drops the socket (graphql-ws `terminate()`): the client reconnects with
   * the current token and resubscribes its subscriptions.
   */
  restartSocket(): void;
  dispose(): Promise<void>;
}

export interface Endpoints {
  httpUrl: string;
  wsUrl: string;
}

export function createDriver(library: Library, endpoints: Endpoints): ChatDriver {
  return library === 'apollo' ? apolloDriver(endpoints) : urqlDriver(endpoints);
}

/** Reconnect after 50-150 ms (doubling per failed attempt) instead of 1.3-4 s. */
const quickRetry = (retries: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, (50 + Math.random() * 100) * 2 ** retries));

/** A `ws` WebSocket that reports every frame it sends. */
function recordingWebSocket(onSend: (frame: { type?: string; id?: string; payload?: { query?: string } }) => void) {
  return class RecordingWebSocket extends WebSocket {
    override send(data: unknown, ...rest: unknown[]): void {
      try {
        onSend(JSON.parse(String(data)));
      } catch {
        // not JSON: not a graphql-ws frame
      }
      (WebSocket.prototype.send as (...args: unknown[]) => void).call(this, data, ...rest);
    }
  };
}

/** Socket bookkeeping and graphql-ws-level helpers shared by both drivers. */
class SocketWatch {
  isConnected = false;
  connections = 0;
  readonly closes: { code: number; reason: string }[] = [];
  private waiters: (() => void)[] = [];
  /** The query text of every `subscribe` frame sent, in order. */
  private readonly sentQueries = new EventQueue<string>();
  private ws!: WsClient;

  readonly webSocketImpl = recordingWebSocket((frame) => {
    if (frame.type === 'subscribe') this.sentQueries.push(String(frame.payload?.query ?? ''));
  });

  attach(ws: WsClient): void {
    this.ws = ws;
    ws.on('connected', () => {
      this.isConnected = true;
      this.connections += 1;
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('closed', (event) => {
      this.isConnected = false;
      const e = event as { code?: number; reason?: string };
      this.closes.push({ code: e.code ?? 0, reason: e.reason ?? '' });
    });
  }

  /**
   * Waits until a `subscribe` frame for operation `name` went out, then
   * for a round trip on the same socket.
   */
  /**
   * For a subscription to operation `name` about to be made: `ready()`
   * waits until one more `subscribe` frame for it went out than now, then
   * for a round trip on the same socket.
   */
  expectSubscribe(name: string): () => Promise<void> {
    const pattern = new RegExp(`\\bsubscription\\s+${name}\\b`);
    const count = (all: readonly string[]) => all.filter((q) => pattern.test(q)).length;
    const before = count(this.sentQueries.received);
    let ready: Promise<void> | undefined;
    return () =>
      (ready ??= (async () => {
        await this.sentQueries.until(`the subscribe frame of ${name}`, (all) => count(all) > before);
        await this.overSocket(ROUND_TRIP, {});
      })());
  }

  async connected(what = 'the socket to be acknowledged', count = 1, ms?: number): Promise<void> {
    const deadline = Date.now() + (ms ?? EVENT_TIMEOUT_MS);
    while (!(this.isConnected && this.connections >= count)) {
      await withTimeout(new Promise<void>((resolve) => this.waiters.push(resolve)), what, Math.max(1, deadline - Date.now()));
    }
  }

  async overSocket<TData, TVars extends Vars>(doc: TypedDocumentNode<TData, TVars>, variables: TVars): Promise<TData> {
    const result = await withTimeout(
      new Promise<{ data?: TData | null; errors?: readonly GraphQLFormattedError[] }>((resolve, reject) => {
        let last: { data?: TData | null; errors?: readonly GraphQLFormattedError[] } = {};
        this.ws.subscribe<TData>(
          { query: print(doc), variables },
          {
            next: (value) => (last = value),
            error: (err) => {
              if (Array.isArray(err)) resolve({ errors: err });
              else reject(err instanceof Error ? err : new Error(`socket error: ${JSON.stringify(err)}`));
            },
            complete: () => resolve(last),
          },
        );
      }),
      'a result over the socket',
    );
    if (result.errors?.length) throw new GraphQLFailure(result.errors);
    if (result.data == null) throw new Error('no data over the socket');
    return result.data;
  }
}

function apolloDriver(endpoints: Endpoints): ChatDriver {
  const state = { token: null as string | null };
  const watch = new SocketWatch();
  const { client, wsClient, dispose } = createApolloClient({
    ...endpoints,
    getToken: () => state.token,
    webSocketImpl: watch.webSocketImpl,
    retryWait: quickRetry,
  });
  watch.attach(wsClient);
  const rethrow = (err: unknown): never => {
    if (CombinedGraphQLErrors.is(err)) throw new GraphQLFailure(err.errors);
    throw err;
  };
  return {
    library: 'apollo',
    get token() {
      return state.token;
    },
    set token(t) {
      state.token = t;
    },
    async query<TData, TVars extends Vars>(doc: TypedDocumentNode<TData, TVars>, variables: TVars) {
      const { data } = await client
        .query<TData, TVars>({ query: doc, variables, fetchPolicy: 'network-only' })
        .catch(rethrow);
      if (data == null) throw new Error('no data');
      return data;
    },
    async mutate<TData, TVars extends Vars>(doc: TypedDocumentNode<TData, TVars>, variables: TVars) {
      const { data } = await client.mutate<TData, TVars>({ mutation: doc, variables }).catch(rethrow);
      if (data == null) throw new Error('no data');
      return data;
    },
    subscribe<TData, TVars extends Vars>(doc: TypedDocumentNode<TData, TVars>, variables: TVars) {
      const ready = watch.expectSubscribe(operationName(doc));
      const events = new EventQueue<TData>();
      const sub = client.subscribe<TData, TVars>({ query: doc, variables }).subscribe({
        next: (result) => {
          if (result.error) events.fail(CombinedGraphQLErrors.is(result.error) ? new GraphQLFailure(result.error.errors) : result.error);
          else if (result.data != null) events.push(result.data);
        },
        error: (err) => events.fail(err),
        complete: () => events.complete(),
      });
      return { events, ready, unsubscribe: () => sub.unsubscribe() };
    },
    overSocket: (doc, variables) => watch.overSocket(doc, variables),
    connected: (what, count, ms) => watch.connected(what, count, ms),
    closes: watch.closes,
    get connections() {
      return watch.connections;
    },
    restartSocket: () => wsClient.terminate(),
    dispose,
  };
}

function urqlDriver(endpoints: Endpoints): ChatDriver {
  const state = { token: null as string | null };
  const watch = new SocketWatch();
  const { client, wsClient, dispose } = createUrqlClient({
    ...endpoints,
    getToken: () => state.token,
    webSocketImpl: watch.webSocketImpl,
    retryWait: quickRetry,
  });
  watch.attach(wsClient);
  const unwrap = <T>(result: { data?: T; error?: CombinedError }): T => {
    if (result.error) {
      if (result.error.graphQLErrors.length > 0) throw new GraphQLFailure(result.error.graphQLErrors);
      throw result.error.networkError ?? result.error;
    }
    if (result.data == null) throw new Error('no data');
    return result.data;
  };
  return {
    library: 'urql',
    get token() {
      return state.token;
    },
    set token(t) {
      state.token = t;
    },
    async query<TData, TVars extends Vars>(doc: TypedDocumentNode<TData, TVars>, variables: TVars) {
      return unwrap(await client.query<TData, TVars>(doc, variables, { requestPolicy: 'network-only' }).toPromise());
    },
    async mutate<TData, TVars extends Vars>(doc: TypedDocumentNode<TData, TVars>, variables: TVars) {
      return unwrap(await client.mutation<TData, TVars>(doc, variables).toPromise());
    },
    subscribe<TData, TVars extends Vars>(doc: TypedDocumentNode<TData, TVars>, variables: TVars) {
      const ready = watch.expectSubscribe(operationName(doc));
      const events = new EventQueue<TData>();
      const sub = client.subscription<TData, TVars>(doc, variables).subscribe((result) => {
        if (result.error) {
          const e = result.error;
          events.fail(e.graphQLErrors.length > 0 ? new GraphQLFailure(e.graphQLErrors) : (e.networkError ?? e));
        } else if (result.data != null) {
          events.push(result.data);
        }
      });
      return { events, ready, unsubscribe: () => sub.unsubscribe() };
    },
    overSocket: (doc, variables) => watch.overSocket(doc, variables),
    connected: (what, count, ms) => watch.connected(what, count, ms),
    closes: watch.closes,
    get connections() {
      return watch.connections;
    },
    restartSocket: () => wsClient.terminate(),
    dispose,
  };
}

function operationName(doc: DocumentNode): string {
  const name = getOperationAST(doc)?.name?.value;
  if (!name) throw new Error('subscriptions in the scenario must be named operations');
  return name;
}
