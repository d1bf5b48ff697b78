// /playground in headless Chromium (the system one, driven by playwright-core):
// sign in through the auth bar, run `me`, start the `userEvents`
// subscription, trigger a profile update from Node and see it on the page,
// and check what went over the wire.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { SignUpDocument, UpdateProfileDocument } from '../../generated/graphql.ts';
import { createDriver, type ChatDriver } from '../support/drivers.ts';
import { CHROMIUM_ARGS, chromiumBin } from '../support/env.ts';
import { EVENT_TIMEOUT_MS, EventQueue } from '../support/events.ts';
import { startServer, type RunningServer } from '../support/server.ts';

const PASSWORD = 'correct horse battery staple';
const QUERY_EDITOR = '.graphiql-query-editor .CodeMirror';
const RESPONSE_EDITOR = '.graphiql-response .CodeMirror';
const EXECUTE = '.graphiql-execute-button';

type Frame = Record<string, unknown> & { type?: string; payload?: unknown };

/** graphql-ws frames seen by the page on one socket. */
interface SocketLog {
  url: string;
  sent: Frame[];
  received: Frame[];
  closed: boolean;
}

interface Response {
  data?: any;
  errors?: unknown[];
}

describe('GraphiQL at /playground in Chromium', () => {
  let server: RunningServer;
  let userDataDir: string | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  /** Carol's other device: a Node client with her token. */
  let carol: ChatDriver;
  const sockets: SocketLog[] = [];
  const frames = new EventQueue<{ dir: 'sent' | 'received'; socket: SocketLog; msg: Frame }>();
  const offOrigin: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    server = await startServer();
    carol = createDriver('apollo', server);
    const signedUp = await carol.mutate(SignUpDocument, {
      input: { email: 'carol@example.com', handle: 'carol', name: 'Carol', password: PASSWORD },
    });
    carol.token = signedUp.signUp.token;

    userDataDir = mkdtempSync(join(tmpdir(), 'chat-playground-profile-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumBin,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(EVENT_TIMEOUT_MS);
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    page.on('request', (req) => {
      const url = req.url();
      if (!url.startsWith(server.baseUrl) && !url.startsWith('data:')) offOrigin.push(url);
    });
    page.on('websocket', (ws) => {
      const log: SocketLog = { url: ws.url(), sent: [], received: [], closed: false };
      sockets.push(log);
      const record = (dir: 'sent' | 'received', payload: string | Buffer) => {
        const msg = JSON.parse(String(payload)) as Frame;
        (dir === 'sent' ? log.sent : log.received).push(msg);
        frames.push({ dir, socket: log, msg });
      };
      ws.on('framesent', (f) => record('sent', f.payload));
      ws.on('framereceived', (f) => record('received', f.payload));
      ws.on('close', () => (log.closed = true));
    });
  });

  after(async () => {
    await context?.close().catch(() => {});
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await carol?.dispose();
    await server?.stop();
  });

  const responseText = () =>
    page.evaluate((sel) => (document.querySelector(sel) as any)?.CodeMirror?.getValue() ?? '', RESPONSE_EDITOR) as Promise<string>;

  /**
   * Puts `query` in the editor and waits until GraphiQL has parsed it (the
   * active tab is named after the operation); running it earlier would send
   * the previous operation name.
   */
  async function setQuery(operationName: string, query: string): Promise<void> {
    await page.evaluate(([sel, q]) => (document.querySelector(sel) as any).CodeMirror.setValue(q), [QUERY_EDITOR, query] as const);
    await page.locator('.graphiql-tab-active .graphiql-tab-button').getByText(operationName, { exact: true }).waitFor();
  }

  /** Waits until the response pane shows a JSON result for which `ok` holds. */
  async function responseWhere(what: string, ok: (r: Response) => boolean, ms = EVENT_TIMEOUT_MS): Promise<Response> {
    const deadline = Date.now() + ms;
    let last = '';
    for (;;) {
      // Resolves when the pane's text changes (or right away if it differs).
      try {
        const handle = await page.waitForFunction(
          ([sel, prev]) => {
            const text: string = (document.querySelector(sel) as any)?.CodeMirror?.getValue() ?? '';
            return text !== prev ? text : false;
          },
          [RESPONSE_EDITOR, last] as const,
          { timeout: Math.max(1, deadline - Date.now()) },
        );
        last = String(await handle.jsonValue());
      } catch {
        throw new Error(`timed out waiting for ${what}; the response pane shows ${JSON.stringify(await responseText())}`);
      }
      try {
        const json = JSON.parse(last) as Response;
        if (ok(json)) return json;
      } catch {
        // not (yet) JSON
      }
    }
  }

  it('renders GraphiQL and the auth bar, signed out', async () => {
    await page.goto(`${server.baseUrl}/playground`);
    await page.locator(QUERY_EDITOR).waitFor();
    await page.getByTestId('sign-in').waitFor();
    assert.equal(await page.getByTestId('signed-out').textContent(), 'Not signed in');
  });

  it('a wrong password shows the error from the server', async () => {
    await page.getByTestId('login').fill('carol');
    await page.getByTestId('password').fill('not the password');
    await page.getByTestId('sign-in').click();
    const error = page.getByTestId('auth-error');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'UNAUTHENTICATED');
  });

  it('signs in through the auth bar', async () => {
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('sign-in').click();
    const who = page.getByTestId('signed-in-as');
    await who.waitFor();
    assert.equal(await who.textContent(), 'Signed in as @carol');
    assert.equal(await page.getByTestId('auth-error').count(), 0);
    const token = await page.evaluate(() => localStorage.getItem('playground.token'));
    assert.ok(token && token.length > 20, 'the token is kept in localStorage');
  });

  it('runs the `me` query with the token', async () => {
    await setQuery('Me', 'query Me {\n  me {\n    id\n    handle\n    name\n    email\n  }\n}\n');
    await page.locator(EXECUTE).click();
    const json = await responseWhere('the result of me', (r) => !!r.data || !!r.errors);
    assert.equal(json.errors, undefined, JSON.stringify(json.errors));
    assert.equal(json.data.me.handle, 'carol');
    assert.equal(json.data.me.email, 'carol@example.com');
  });

  it('starts the userEvents subscription over graphql-ws with the token', async () => {
    await setQuery('UserEvents', 'subscription UserEvents {\n  userEvents {\n    kind\n    user {\n      handle\n      name\n      bio\n    }\n  }\n}\n');
    await page.locator(EXECUTE).click();
    const ack = await frames.nextMatching('connection_ack', (f) => f.dir === 'received' && f.msg.type === 'connection_ack');
    const subscribe = await frames.nextMatching('a subscribe frame', (f) => f.dir === 'sent' && f.msg.type === 'subscribe');
    const socket = ack.socket;
    assert.equal(subscribe.socket, socket, 'the subscription uses the acknowledged socket');
    assert.equal(socket.url, server.wsUrl);
    const token = await page.evaluate(() => localStorage.getItem('playground.token'));
    const init = socket.sent.find((m) => m.type === 'connection_init');
    assert.deepEqual(init?.payload, { authorization: `Bearer ${token}` });
    assert.match(String((subscribe.msg.payload as { query?: string }).query), /userEvents/);
    // GraphiQL shows the operation as running (the button turns into "Stop").
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-label')?.includes('Stop'), EXECUTE);
  });

  it('shows the PROFILE_UPDATED event of a change made from another device', async () => {
    // Nothing tells the page when the server has registered the
    // subscription, so an update that raced ahead of it is retried.
    let shown: Response | undefined;
    for (let attempt = 1; attempt <= 3 && !shown; attempt++) {
      const bio = `bio from Node #${attempt}`;
      const updated = await carol.mutate(UpdateProfileDocument, { input: { bio } });
      assert.equal(updated.updateProfile.bio, bio);
      shown = await responseWhere(
        `PROFILE_UPDATED with bio "${bio}" on the page`,
        (r) => r.data?.userEvents?.user?.bio === bio,
        attempt < 3 ? 1_500 : EVENT_TIMEOUT_MS,
      ).catch((err) => {
        if (attempt === 3) throw err;
        return undefined;
      });
    }
    assert.equal(shown?.data.userEvents.kind, 'PROFILE_UPDATED');
    assert.equal(shown?.data.userEvents.user.handle, 'carol');
    assert.equal(shown?.errors, undefined);
  });

  it('the subscription is still running, with no error shown', async () => {
    const socket = sockets.find((s) => s.received.some((m) => m.type === 'connection_ack'));
    assert.ok(socket);
    assert.deepEqual(socket.received.filter((m) => m.type === 'error' || m.type === 'complete'), []);
    assert.equal(socket.closed, false, 'the socket stays open');
    assert.doesNotMatch(await responseText(), /"errors"|Socket closed/i);
    assert.match(String(await page.locator(EXECUTE).getAttribute('aria-label')), /Stop/);
  });

  it('loads nothing from outside the server and throws no page errors', () => {
    assert.deepEqual(offOrigin, []);
    assert.deepEqual(pageErrors, []);
  });
});
