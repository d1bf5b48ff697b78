// Headless-Chromium smoke test of dist/ against dev/mock-server.cjs, driven
// over the Chrome DevTools Protocol (no npm test dependencies).
//
//   npm run build && npm run smoke     # needs `chromium` on PATH
//
// Screenshots are written to $SCREENSHOT_DIR (default: the OS temp dir).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const MOCK_PORT = Number(process.env.MOCK_PORT || 8765);
const BASE = `http://127.0.0.1:${MOCK_PORT}`;
const PORT = Number(process.env.CDP_PORT || 9333);
const SHOTS = process.env.SCREENSHOT_DIR || tmpdir();
const MOCK_LOG = join(mkdtempSync(join(tmpdir(), 'pgmock-')), 'mock.log');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mock = spawn(process.execPath, [join(here, 'mock-server.cjs')], {
  env: { ...process.env, PORT: String(MOCK_PORT), MOCK_LOG },
  stdio: 'inherit',
});
let mockExited = false;
mock.on('exit', () => { mockExited = true; });
await sleep(500);
if (mockExited) throw new Error(`mock server exited (port ${MOCK_PORT} in use?)`);
const chrome = spawn(process.env.CHROMIUM || 'chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', `--user-data-dir=${mkdtempSync(join(tmpdir(), 'pgprof-'))}`,
  `--remote-debugging-port=${PORT}`, '--window-size=1400,900', 'about:blank'], { stdio: 'ignore' });
let ws;
const results = [];
const check = (name, ok, detail = '') => { results.push({ name, ok }); console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ' :: ' + detail : ''}`); };
try {
  let targets;
  for (let i = 0; i < 50; i++) { try { targets = await (await fetch(`http://127.0.0.1:${PORT}/json/list`)).json(); break; } catch { await sleep(200); } }
  const page = targets.find((t) => t.type === 'page');
  ws = new WebSocket(page.webSocketDebuggerUrl);
  await new Promise((r) => ws.addEventListener('open', r));
  let id = 0; const pending = new Map(); const external = []; const consoleMsgs = [];
  ws.addEventListener('message', (ev) => {
    const m = JSON.parse(ev.data);
    if (m.id && pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); }
    if (m.method === 'Network.requestWillBeSent') { const u = m.params.request.url; if (!u.startsWith(BASE) && !u.startsWith('ws://127.0.0.1') && !u.startsWith('data:')) external.push(u); }
    if (m.method === 'Network.webSocketCreated') { if (!m.params.url.startsWith('ws://127.0.0.1')) external.push(m.params.url); }
    if (m.method === 'Runtime.consoleAPICalled') consoleMsgs.push(`${m.params.type}: ${m.params.args.map((a) => a.value ?? a.description).join(' ')}`);
    if (m.method === 'Runtime.exceptionThrown') consoleMsgs.push(`EXCEPTION: ${m.params.exceptionDetails.exception?.description || m.params.exceptionDetails.text}`);
  });
  const send = (method, params = {}) => new Promise((r) => { const i = ++id; pending.set(i, r); ws.send(JSON.stringify({ id: i, method, params })); });
  const evaluate = async (expr) => { const r = await send('Runtime.evaluate', { expression: expr, awaitPromise: true, returnByValue: true }); if (r.result.exceptionDetails) throw new Error(JSON.stringify(r.result.exceptionDetails)); return r.result.result.value; };
  const waitFor = async (expr, ms = 5000) => { const t0 = Date.now(); while (Date.now() - t0 < ms) { const v = await evaluate(expr); if (v) return v; await sleep(100); } return evaluate(expr); };
  const type = async (testid, text) => { await evaluate(`(() => { const e = document.querySelector('[data-testid="${testid}"]'); e.focus(); e.select(); })()`); await send('Input.insertText', { text }); };
  const click = (testid) => evaluate(`document.querySelector('[data-testid="${testid}"]').click()`);
  const text = (testid) => evaluate(`document.querySelector('[data-testid="${testid}"]')?.textContent ?? null`);
  const setQuery = (q) => evaluate(`document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(${JSON.stringify(q)})`);
  const response = () => evaluate(`document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? ''`);
  const run = () => evaluate(`document.querySelector('.graphiql-execute-button').click()`);
  const shot = async (file) => { const r = await send('Page.captureScreenshot', { format: 'png' }); writeFileSync(file, Buffer.from(r.result.data, 'base64')); };

  await send('Page.enable'); await send('Runtime.enable'); await send('Network.enable');
  await send('Emulation.setDeviceMetricsOverride', { width: 1400, height: 900, deviceScaleFactor: 1, mobile: false });
  await send('Page.navigate', { url: `${BASE}/playground` });
  check('graphiql renders', await waitFor(`!!document.querySelector('.graphiql-container .graphiql-query-editor .CodeMirror')`));
  check('auth bar renders', await waitFor(`!!document.querySelector('[data-testid="sign-in"]')`));
  check('default query', (await evaluate(`document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()`)).includes('query Me'));
  check('signed out initially', (await text('signed-out')) === 'Not signed in');
  check('schema introspected (doc explorer can load)', await waitFor(`!document.body.innerText.includes('Error fetching schema')`, 1500));

  await type('login', 'alice'); await type('password', 'wrong'); await click('sign-in');
  const errText = await waitFor(`document.querySelector('[data-testid="auth-error"]')?.textContent`);
  check('sign-in error shown', errText === 'Invalid login or password', errText);
  check('error code attr', (await evaluate(`document.querySelector('[data-testid="auth-error"]').dataset.code`)) === 'INVALID_CREDENTIALS');

  await type('password', 'secret'); await click('sign-in');
  const who = await waitFor(`document.querySelector('[data-testid="signed-in-as"]')?.textContent`);
  check('signed in as @alice', who === 'Signed in as @alice', who);
  check('error cleared', (await text('auth-error')) === null);
  check('token in localStorage', (await evaluate(`localStorage.getItem('playground.token')`)) === 'tok-alice');
  check('token field shows token', (await evaluate(`document.querySelector('[data-testid="token"]').value`)) === 'tok-alice');

  await sleep(300); await run();
  const r1 = await waitFor(`(document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() || '').includes('alice')`);
  check('Me query via GraphiQL uses token', !!r1, (await response()).replace(/\s+/g, ' '));

  await setQuery('subscription W { whoami }'); await sleep(200); await run();
  const s1 = await waitFor(`(document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() || '').includes('@alice')`);
  check('subscription over ws as @alice', !!s1, (await response()).replace(/\s+/g, ' '));
  await shot(join(SHOTS, 'playground-subscription.png'));

  // Sign up a new user: token changes -> new ws client with new payload.
  await type('signup-email', 'bob@example.com'); await type('signup-handle', 'bob'); await type('signup-name', 'Bob'); await type('signup-password', 'pw');
  await click('sign-up');
  const who2 = await waitFor(`document.querySelector('[data-testid="signed-in-as"]')?.textContent === 'Signed in as @bob'`);
  check('signed up as @bob', !!who2, await text('signed-in-as'));
  await sleep(300);
  // stop the running subscription if still running, then run again
  await evaluate(`(() => { const b = document.querySelector('.graphiql-execute-button'); if (b.getAttribute('aria-label')?.includes('Stop')) b.click(); })()`);
  await sleep(200); await run();
  const s2 = await waitFor(`(document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() || '').includes('@bob')`);
  check('subscription reconnects as @bob', !!s2, (await response()).replace(/\s+/g, ' '));

  await click('sign-out');
  check('signed out', (await waitFor(`document.querySelector('[data-testid="signed-out"]')?.textContent`)) === 'Not signed in');
  check('token removed from localStorage', (await evaluate(`localStorage.getItem('playground.token')`)) === null);

  await type('token', 'tok-alice'); await click('use-token');
  check('pasted token resolves to @alice', (await waitFor(`document.querySelector('[data-testid="signed-in-as"]')?.textContent`)) === 'Signed in as @alice');

  await send('Page.reload'); await sleep(500);
  check('after reload still @alice', (await waitFor(`document.querySelector('[data-testid="signed-in-as"]')?.textContent`)) === 'Signed in as @alice');
  await waitFor(`!!document.querySelector('.graphiql-query-editor .CodeMirror')`);
  await sleep(500);
  await shot(join(SHOTS, 'playground-reloaded.png'));

  await type('token', 'garbage'); await click('use-token');
  const e2 = await waitFor(`document.querySelector('[data-testid="auth-error"]')?.textContent`);
  check('bad pasted token reports error', !!e2, e2);

  check('no external requests', external.length === 0, external.join(', '));

  const logLines = readFileSync(MOCK_LOG, 'utf8').split('\n');
  const inits = logLines.filter((l) => l.includes('"connection_init"')).map((l) => JSON.parse(l.slice(l.indexOf('{'))).payload);
  check('ws connection_init payloads', JSON.stringify(inits) === JSON.stringify([{ authorization: 'Bearer tok-alice' }, { authorization: 'Bearer tok-bob' }]), JSON.stringify(inits));
  check('ws subprotocol graphql-transport-ws', logLines.filter((l) => l.startsWith('WS-UPGRADE')).every((l) => l.includes('"protocol":"graphql-transport-ws"')));
  check('HTTP Me query carried Bearer token', logLines.some((l) => l.includes('"operationName":"Me","authorization":"Bearer tok-alice"')));
  console.log('console:', consoleMsgs.slice(0, 15).join('\n  '));
} catch (e) {
  check('driver ran to completion', false, String(e && e.stack ? e.stack : e));
} finally {
  try { ws?.close(); } catch {}
  chrome.kill();
  mock.kill();
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed}/${results.length} passed`);
  process.exit(failed ? 1 : 0);
}
