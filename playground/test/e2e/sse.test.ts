// Subscriptions over Server-Sent Events with the real `graphql-sse` client
// (distinct connections mode, its default), pointed at /graphql as Apollo's
// and urql's documented setups do: a live message sent by a mutation
// arrives, and a new subscription resumes after a cursor.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, type Client } from 'graphql-sse';
import { startServer, type RunningServer } from '../support/server.ts';
import { EventQueue } from '../support/events.ts';

const EVENTS = `subscription($chat: ID!, $after: String) {
  messageEvents(chatId: $chat, after: $after) { kind cursor message { text } }
}`;

interface MessageEvent {
  kind: string;
  cursor: string;
  message: { text: string } | null;
}

async function gql<T>(server: RunningServer, token: string | null, query: string, variables: object): Promise<T> {
  const response = await fetch(server.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown };
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

async function signUp(server: RunningServer, handle: string): Promise<{ token: string; id: string }> {
  const data = await gql<{ signUp: { token: string; user: { id: string } } }>(
    server,
    null,
    'mutation($input: SignUpInput!) { signUp(input: $input) { token user { id } } }',
    // EVERYONE: ada puts bob, a stranger, into a group (FRIENDS, the default, would invite him).
    { input: { handle, name: handle, email: `${handle}@example.com`, password: 'correct horse battery staple', groupAddPolicy: 'EVERYONE' } },
  );
  return { token: data.signUp.token, id: data.signUp.user.id };
}

async function say(server: RunningServer, token: string, chatId: string, text: string): Promise<string> {
  const data = await gql<{ sendMessage: { cursor: string } }>(
    server,
    token,
    'mutation($input: SendMessageInput!) { sendMessage(input: $input) { cursor } }',
    { input: { chatId, text } },
  );
  return data.sendMessage.cursor;
}

/** Subscribes through graphql-sse's `subscribe`, the call urql and Apollo make. */
function follow(client: Client, chat: string, after: string | null) {
  const events = new EventQueue<MessageEvent>();
  const dispose = client.subscribe<{ messageEvents: MessageEvent }>(
    { query: EVENTS, variables: { chat, after } },
    {
      next: (result) => {
        if (result.errors) events.fail(new Error(JSON.stringify(result.errors)));
        else events.push(result.data!.messageEvents);
      },
      error: (error) => events.fail(error),
      complete: () => events.complete(),
    },
  );
  return { events, dispose };
}

describe('subscriptions over SSE with the graphql-sse client', () => {
  let server: RunningServer;
  let ada: { token: string; id: string };
  let bob: { token: string; id: string };
  let chat: string;
  let client: Client;

  before(async () => {
    server = await startServer();
    ada = await signUp(server, 'sse_ada');
    bob = await signUp(server, 'sse_bob');
    const created = await gql<{ createChat: { id: string } }>(
      server,
      ada.token,
      'mutation($input: CreateChatInput!) { createChat(input: $input) { id } }',
      { input: { participantIds: [bob.id], isGroup: true, name: 'SSE' } },
    );
    chat = created.createChat.id;
    client = createClient({ url: server.httpUrl, headers: () => ({ authorization: `Bearer ${bob.token}` }) });
  });

  after(async () => {
    client?.dispose();
    await server?.stop();
  });

  it('receives a live message sent by a mutation, then resumes after its cursor', async () => {
    // Replayed from a cursor, so the first event proves the stream is live
    // before anything is sent: no race with the subscription starting.
    const start = await say(server, ada.token, chat, 'before');
    await say(server, ada.token, chat, 'first');
    const live = follow(client, chat, start);
    const first = await live.events.next('the replayed message');
    assert.equal(first.message?.text, 'first');

    await say(server, ada.token, chat, 'live');
    const received = await live.events.next('the live message');
    assert.equal(received.kind, 'CREATED');
    assert.equal(received.message?.text, 'live');
    live.dispose();

    await say(server, ada.token, chat, 'missed');
    const resumed = follow(client, chat, received.cursor);
    const missed = await resumed.events.next('the missed message');
    assert.equal(missed.message?.text, 'missed');
    resumed.dispose();
  });
});
