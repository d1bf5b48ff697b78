// A web front end on another origin than the API, in headless Chromium:
// pages served from their own ports run Apollo Client and urql (HttpLink +
// graphql-ws) against a server whose CORS allow-list names one of them.
// The listed page goes through the whole story and sees its message live;
// a page from an unlisted origin can neither fetch nor open a socket.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumBin } from '../support/env.ts';
import { EVENT_TIMEOUT_MS } from '../support/events.ts';
import { startServer, type RunningServer } from '../support/server.ts';


/** Serves one HTML page running `script`; resolves with its origin. */
async function pageServer(script: string): Promise<{ origin: string; server: Server }> {
  const html = `<!doctype html><meta charset="utf-8"><title>front end</title><script>${script}</script>`;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, server };
}

describe('a front end on another origin, in Chromium', () => {
  let api: RunningServer;
  let listed: { origin: string; server: Server };
  let unlisted: { origin: string; server: Server };
  let userDataDir: string | undefined;
  let context: BrowserContext | undefined;
  let page: Page;

  before(async () => {
    const bundled = await build({
      entryPoints: [join(dirname(fileURLToPath(import.meta.url)), 'cross-origin-page.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'silent',
    });
    const script = bundled.outputFiles[0]!.text.replaceAll('</script', '<\\/script');
    listed = await pageServer(script);
    unlisted = await pageServer(script);
    // The allow-list as in production: only the listed page's origin, and
    // WebSocket upgrades checked against it.
    api = await startServer({ CORS_ALLOWED_ORIGINS: listed.origin });

    userDataDir = mkdtempSync(join(tmpdir(), 'chat-cross-origin-profile-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumBin,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(EVENT_TIMEOUT_MS);
  });

  after(async () => {
    await context?.close().catch(() => {});
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    for (const s of [listed?.server, unlisted?.server]) s?.close();
    await api?.stop();
  });

  const endpoints = () => ({ httpUrl: api.httpUrl, wsUrl: api.wsUrl });

  for (const library of ['apollo', 'urql'] as const) {
    it(`${library}: signs up, creates a chat, subscribes, sends and sees the message live`, async () => {
      await page.goto(listed.origin);
      const seen = await page.evaluate(
        ([lib, urls, handle]) => (window as any).chatStory(lib, urls, handle),
        [library, endpoints(), `web_${library}`] as const,
      );
      assert.equal(seen, `hello from ${library} on another origin`);
    });
  }

  it('a page from an origin not on the list can neither fetch nor open a socket', async () => {
    await page.goto(listed.origin);
    const allowed = await page.evaluate((urls) => (window as any).chatProbe(urls), endpoints());
    assert.deepEqual(allowed, { fetch: 'status 200', socket: 'open' });
    await page.goto(unlisted.origin);
    const refused = await page.evaluate((urls) => (window as any).chatProbe(urls), endpoints());
    assert.deepEqual(refused, { fetch: 'failed', socket: 'refused' });
  });
});
