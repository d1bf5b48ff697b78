// The script of a web front end served from another origin than the API,
// bundled and loaded by cross-origin.test.ts: the same Apollo and urql
// clients a React app would use (clients/), driven through the whole
// story — sign up, create a chat, subscribe, send, see the live message —
// and probes of what a page from an origin not on the allow-list may do.
import { createApolloClient } from '../../clients/apollo.ts';
import { createUrqlClient } from '../../clients/urql.ts';
import {
  CreateChatDocument,
  MessageEventsDocument,
  SendMessageDocument,
  SignUpDocument,
  type MessageEventsSubscription,
} from '../../generated/graphql.ts';

interface Api {
  httpUrl: string;
  wsUrl: string;
}

/** One operation runner over either client library. */
interface Runner {
  mutate<T>(doc: unknown, variables: Record<string, unknown>): Promise<T>;
  /** Resolves with the first event `pick` accepts. */
  first(doc: unknown, variables: Record<string, unknown>, pick: (e: MessageEventsSubscription) => boolean): Promise<MessageEventsSubscription>;
  dispose(): Promise<void>;
}

function apolloRunner(api: Api, getToken: () => string | null): Runner {
  const { client, dispose } = createApolloClient({ ...api, getToken });
  return {
    async mutate(doc, variables) {
      const { data } = await client.mutate({ mutation: doc as never, variables });
      return data as never;
    },
    first(doc, variables, pick) {
      return new Promise((resolve, reject) => {
        const sub = client.subscribe({ query: doc as never, variables }).subscribe({
          next: ({ data }) => {
            if (data && pick(data as MessageEventsSubscription)) {
              sub.unsubscribe();
              resolve(data as MessageEventsSubscription);
            }
          },
          error: reject,
        });
      });
    },
    dispose,
  };
}

function urqlRunner(api: Api, getToken: () => string | null): Runner {
  const { client, dispose } = createUrqlClient({ ...api, getToken });
  return {
    async mutate(doc, variables) {
      const result = await client.mutation(doc as never, variables).toPromise();
      if (result.error) throw result.error;
      return result.data as never;
    },
    first(doc, variables, pick) {
      return new Promise((resolve, reject) => {
        const sub = client.subscription(doc as never, variables).subscribe((result) => {
          if (result.error) reject(result.error);
          else if (result.data && pick(result.data as MessageEventsSubscription)) {
            sub.unsubscribe();
            resolve(result.data as MessageEventsSubscription);
          }
        });
      });
    },
    dispose,
  };
}

/** The whole story with `library`; resolves with the text seen live. */
async function story(library: 'apollo' | 'urql', api: Api, handle: string): Promise<string> {
  let token: string | null = null;
  const run = (library === 'apollo' ? apolloRunner : urqlRunner)(api, () => token);
  try {
    const password = 'correct horse battery staple';
    const signUp = (h: string) =>
      run.mutate<{ signUp: { token: string; user: { id: string } } }>(SignUpDocument, {
        input: { handle: h, name: h, email: `${h}@example.com`, password },
      });
    const partner = await signUp(`${handle}_partner`);
    const me = await signUp(handle);
    token = me.signUp.token;
    const created = await run.mutate<{ createChat: { id: string; cursor: string } }>(CreateChatDocument, {
      input: { participantIds: [partner.signUp.user.id], isGroup: false },
    });
    const chatId = created.createChat.id;
    const text = `hello from ${library} on another origin`;
    // From the chat's cursor: the message is replayed even if it is sent
    // before the server has registered the subscription.
    const seen = run.first(
      MessageEventsDocument,
      { chatId, after: created.createChat.cursor },
      (e) => e.messageEvents.kind === 'CREATED',
    );
    await run.mutate(SendMessageDocument, { input: { chatId, text } });
    return (await seen).messageEvents.message?.text ?? '';
  } finally {
    await run.dispose();
  }
}

/** What a page may do against the API: a fetch and a socket. */
async function probe(api: Api): Promise<{ fetch: string; socket: string }> {
  let fetchOutcome: string;
  try {
    const response = await fetch(api.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    fetchOutcome = `status ${response.status}`;
  } catch {
    fetchOutcome = 'failed';
  }
  const socketOutcome = await new Promise<string>((resolve) => {
    const socket = new WebSocket(api.wsUrl, 'graphql-transport-ws');
    socket.onopen = () => {
      socket.close();
      resolve('open');
    };
    socket.onerror = () => resolve('refused');
  });
  return { fetch: fetchOutcome, socket: socketOutcome };
}

Object.assign(window, { chatStory: story, chatProbe: probe });
