// Development/test mock of the chat server (NOT the real server). Serves
// playground/dist at /playground, a tiny GraphQL schema at POST /graphql and a
// minimal graphql-transport-ws endpoint at ws://.../graphql. Requests and
// WebSocket messages are appended to MOCK_LOG (one JSON-ish line each).
//
//   node dev/mock-server.cjs          # PORT=8765 by default
//
// Users: alice / password "secret" (login "alice" or "alice@example.com").
// Tokens are "tok-<handle>". Subscription { whoami } answers with the handle
// taken from the connection_init payload { authorization: "Bearer tok-..." }.
const http = require('http');
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { buildSchema, graphql, GraphQLError } = require('graphql');

const DIST = path.join(__dirname, '..', 'dist');
const LOG = process.env.MOCK_LOG || path.join(require('os').tmpdir(), 'playground-mock.log');
const log = (...a) => fs.appendFileSync(LOG, a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ') + '\n');

const schema = buildSchema(`
  type User { id: ID! handle: String! name: String! }
  type AuthPayload { token: String! user: User! }
  input SignInInput { login: String! password: String! }
  input SignUpInput { email: String! handle: String! name: String! password: String! }
  type Query { me: User }
  type Mutation { signIn(input: SignInInput!): AuthPayload! signUp(input: SignUpInput!): AuthPayload! }
  type Subscription { whoami: String }
`);
const users = { alice: { id: 'u1', handle: 'alice', name: 'Alice', password: 'secret' } };
const userFromAuth = (auth) => {
  const m = /^Bearer tok-(\w+)$/.exec(auth || '');
  return m && users[m[1]] ? users[m[1]] : null;
};
function root(ctx) {
  return {
    me: () => ctx.user,
    signIn: ({ input }) => {
      const u = Object.values(users).find((x) => x.handle === input.login || `${x.handle}@example.com` === input.login);
      if (!u || u.password !== input.password) {
        throw new GraphQLError('Invalid login or password', { extensions: { code: 'INVALID_CREDENTIALS' } });
      }
      return { token: `tok-${u.handle}`, user: u };
    },
    signUp: ({ input }) => {
      users[input.handle] = { id: `u${Object.keys(users).length + 1}`, handle: input.handle, name: input.name, password: input.password };
      return { token: `tok-${input.handle}`, user: users[input.handle] };
    },
  };
}

const server = http.createServer((req, res) => {
  const url = req.url.split('?')[0];
  if (req.method === 'POST' && url === '/graphql') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const { query, variables, operationName } = JSON.parse(body);
      const user = userFromAuth(req.headers.authorization);
      log('HTTP', { operationName, authorization: req.headers.authorization || null });
      const result = await graphql({ schema, source: query, variableValues: variables, operationName, rootValue: root({ user }) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result));
    });
    return;
  }
  const files = { '/playground': 'index.html', '/playground/': 'index.html', '/playground/playground.js': 'playground.js', '/playground/playground.css': 'playground.css' };
  const types = { html: 'text/html; charset=utf-8', js: 'text/javascript', css: 'text/css' };
  if (files[url]) {
    const f = files[url];
    res.writeHead(200, { 'content-type': types[f.split('.').pop()] });
    res.end(fs.readFileSync(path.join(DIST, f)));
    return;
  }
  log('OTHER', req.method, req.url);
  res.writeHead(404);
  res.end('not found');
});

// Minimal RFC 6455 server for graphql-transport-ws (text frames only).
server.on('upgrade', (req, socket) => {
  const key = req.headers['sec-websocket-key'];
  const proto = req.headers['sec-websocket-protocol'];
  log('WS-UPGRADE', { url: req.url, protocol: proto });
  const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n`);
  const send = (obj) => {
    const data = Buffer.from(JSON.stringify(obj));
    let header;
    if (data.length < 126) header = Buffer.from([0x81, data.length]);
    else { header = Buffer.alloc(4); header[0] = 0x81; header[1] = 126; header.writeUInt16BE(data.length, 2); }
    socket.write(Buffer.concat([header, data]));
  };
  let buf = Buffer.alloc(0);
  let user = null;
  socket.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2) {
      const op = buf[0] & 0x0f;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) { len = buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { len = Number(buf.readBigUInt64BE(2)); off = 10; }
      if (buf.length < off + 4 + len) return;
      const mask = buf.slice(off, off + 4);
      const payload = Buffer.from(buf.slice(off + 4, off + 4 + len).map((b, i) => b ^ mask[i % 4]));
      buf = buf.slice(off + 4 + len);
      if (op === 8) { log('WS-CLOSE-FRAME'); socket.end(); return; }
      if (op !== 1) continue;
      const msg = JSON.parse(payload.toString());
      log('WS-MSG', msg);
      if (msg.type === 'connection_init') {
        user = userFromAuth(msg.payload && msg.payload.authorization);
        send({ type: 'connection_ack' });
      } else if (msg.type === 'subscribe') {
        send({ type: 'next', id: msg.id, payload: { data: { whoami: user ? `@${user.handle}` : 'anonymous' } } });
        setTimeout(() => send({ type: 'next', id: msg.id, payload: { data: { whoami: user ? `@${user.handle} again` : 'anonymous again' } } }), 200);
      } else if (msg.type === 'ping') {
        send({ type: 'pong' });
      }
    }
  });
  socket.on('close', () => log('WS-SOCKET-CLOSED'));
  socket.on('error', () => {});
});

const port = Number(process.env.PORT || 8765);
server.listen(port, '127.0.0.1', () => {
  log('listening');
  console.log(`mock server: http://127.0.0.1:${port}/playground`);
});
