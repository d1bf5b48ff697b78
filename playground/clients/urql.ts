// urql for the chat server: queries and mutations over HTTP (fetchExchange),
// subscriptions over graphql-ws (subscriptionExchange), the same token on both.
//
//   import { createUrqlClient } from './clients/urql';
//   import { MeDocument, UserEventsDocument } from './generated/graphql';
//
//   let token: string | null = null;
//   const { client } = createUrqlClient({
//     httpUrl: 'http://localhost:8080/graphql',
//     wsUrl: 'ws://localhost:8080/graphql',
//     getToken: () => token,
//   });
//   const { data, error } = await client.query(MeDocument, {}).toPromise(); // data?.me is typed
//   client.subscription(UserEventsDocument, {}).subscribe(({ data }) => {
//     console.log(data?.userEvents.kind);
//   });
//
// React apps import the same names from 'urql' and pass the client to
// <Provider value={client}>. See CLIENTS.md.
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';
import { createClient, type Client as WsClient } from 'graphql-ws';

export interface UrqlChatClientOptions {
  /** `http(s)://<host>/graphql` */
  httpUrl: string;
  /** `ws(s)://<host>/graphql` (subprotocol `graphql-transport-ws`) */
  wsUrl: string;
  /**
   * The current token, or null when signed out. Read for every HTTP request
   * and whenever a socket (re)connects.
   */
  getToken: () => string | null | undefined;
  /** A WebSocket class for Node (`import WebSocket from 'ws'`); browsers have one. */
  webSocketImpl?: unknown;
  /** `fetch` to use; defaults to the global one. */
  fetch?: typeof fetch;
  /**
   * How long to wait before reconnecting the socket (graphql-ws `retryWait`);
   * by default a randomised 1.3-4 s, doubling with each failed attempt.
   */
  retryWait?: (retries: number) => Promise<void>;
}

export interface UrqlChatClient {
  client: Client;
  /** The graphql-ws client behind subscriptionExchange. */
  wsClient: WsClient;
  /** Closes the socket. */
  dispose(): Promise<void>;
}

function bearer(token: string | null | undefined): string | undefined {
  return token ? `Bearer ${token}` : undefined;
}

export function createUrqlClient(options: UrqlChatClientOptions): UrqlChatClient {
  const wsClient = createClient({
    url: options.wsUrl,
    webSocketImpl: options.webSocketImpl,
    retryWait: options.retryWait,
    // Sent as the `connection_init` payload; read at every (re)connect.
    connectionParams: () => {
      const authorization = bearer(options.getToken());
      return authorization ? { authorization } : {};
    },
    lazy: true,
    // 4403: token missing, invalid or expired; sign in again instead.
    shouldRetry: (event) => !(isCloseEvent(event) && event.code === 4403),
  });

  const client = new Client({
    url: options.httpUrl,
    fetch: options.fetch,
    // Authorization header on every HTTP request (a function, so it follows
    // sign-in and sign-out).
    fetchOptions: () => {
      const authorization = bearer(options.getToken());
      return authorization ? { headers: { authorization } } : {};
    },
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' };
          return {
            subscribe(sink) {
              const unsubscribe = wsClient.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });

  return {
    client,
    wsClient,
    async dispose() {
      await wsClient.dispose();
    },
  };
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'number';
}
