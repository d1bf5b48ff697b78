// Apollo Client (v4) for the chat server: queries and mutations over HTTP,
// subscriptions over graphql-ws, the same token on both.
//
//   import { createApolloClient } from './clients/apollo';
//   import { MeDocument, UserEventsDocument } from './generated/graphql';
//
//   let token: string | null = null;
//   const { client } = createApolloClient({
//     httpUrl: 'http://localhost:8080/graphql',
//     wsUrl: 'ws://localhost:8080/graphql',
//     getToken: () => token,
//   });
//   const { data } = await client.query({ query: MeDocument }); // data?.me is typed
//   client.subscribe({ query: UserEventsDocument }).subscribe({
//     next: ({ data }) => console.log(data?.userEvents.kind),
//   });
//
// See CLIENTS.md.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { Kind, OperationTypeNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';

export interface ApolloChatClientOptions {
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

export interface ApolloChatClient {
  client: ApolloClient;
  /** The graphql-ws client behind the subscription link. */
  wsClient: Client;
  /** Stops the client and closes the socket. */
  dispose(): Promise<void>;
}

/** Bearer header value, or undefined when signed out. */
function bearer(token: string | null | undefined): string | undefined {
  return token ? `Bearer ${token}` : undefined;
}

export function createApolloClient(options: ApolloChatClientOptions): ApolloChatClient {
  const wsClient = createClient({
    url: options.wsUrl,
    webSocketImpl: options.webSocketImpl,
    retryWait: options.retryWait,
    // Sent as the `connection_init` payload. A function, so a new socket
    // carries the token current at connect time.
    connectionParams: () => {
      const authorization = bearer(options.getToken());
      return authorization ? { authorization } : {};
    },
    // Connect on the first subscription, close shortly after the last.
    lazy: true,
    // 4403 means the token was missing, invalid or expired: retrying with the
    // same token cannot help. Sign in again; the next subscription reconnects.
    shouldRetry: (event) => !(isCloseEvent(event) && event.code === 4403),
  });

  // Authorization header on every HTTP request.
  const authLink = new SetContextLink((prevContext) => {
    const authorization = bearer(options.getToken());
    return {
      headers: { ...prevContext.headers, ...(authorization ? { authorization } : {}) },
    };
  });
  const httpLink = new HttpLink({ uri: options.httpUrl, fetch: options.fetch });
  const wsLink = new GraphQLWsLink(wsClient);

  // Subscriptions go to the socket; queries and mutations to HTTP.
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return (
        definition.kind === Kind.OPERATION_DEFINITION &&
        definition.operation === OperationTypeNode.SUBSCRIPTION
      );
    },
    wsLink,
    ApolloLink.from([authLink, httpLink]),
  );

  const client = new ApolloClient({ link, cache: new InMemoryCache() });

  return {
    client,
    wsClient,
    async dispose() {
      client.stop();
      await wsClient.dispose();
    },
  };
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'number';
}
