// A tiny identity provider for the end-to-end tests: an RSA key made here,
// published as a JWKS over local HTTP, and RS256 tokens signed with it
// (what Auth0 or Keycloak would give the app's users).
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export const AUDIENCE = 'chat-e2e';

export interface Provider {
  /** The issuer (`iss`), also the server's base URL. */
  issuer: string;
  jwksUrl: string;
  /** An RS256 token for `sub` with `claims`, valid for `seconds`. */
  token(sub: string, claims?: Record<string, unknown>, seconds?: number): string;
  stop(): Promise<void>;
}

export async function startProvider(): Promise<Provider> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'e2e-key-1';
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  const server: Server = createServer((req, res) => {
    if (req.url === '/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const issuer = `http://127.0.0.1:${port}`;
  return {
    issuer,
    jwksUrl: `${issuer}/jwks.json`,
    token: (sub, claims = {}, seconds = 300) => signJwt(privateKey, kid, {
      iss: issuer,
      aud: AUDIENCE,
      sub,
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + seconds,
      ...claims,
    }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function signJwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${part({ alg: 'RS256', typ: 'JWT', kid })}.${part(claims)}`;
  return `${signed}.${sign('RSA-SHA256', Buffer.from(signed), key).toString('base64url')}`;
}
