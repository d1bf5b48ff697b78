import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createClient } from 'graphql-ws';

import 'graphiql/style.css';
import './playground.css';

// Same origin as the page: HTTP POST /graphql and ws(s)://<host>/graphql
// (subprotocol graphql-transport-ws, the graphql-ws default).
const HTTP_URL = '/graphql';
const WS_URL = `${window.location.protocol === 'https:' ? 'wss:' : 'ws:'}//${window.location.host}/graphql`;

const TOKEN_KEY = 'playground.token';
const USER_KEY = 'playground.user';

const DEFAULT_QUERY = `query Me {
  me {
    id
    handle
    name
  }
}
`;

const SIGN_IN = `mutation SignIn($login: String!, $password: String!) {
  signIn(input: { login: $login, password: $password }) { token user { id handle } }
}`;

const SIGN_UP = `mutation SignUp($email: String!, $handle: String!, $name: String!, $password: String!) {
  signUp(input: { email: $email, handle: $handle, name: $name, password: $password }) { token user { id handle } }
}`;

const ME = `query PlaygroundMe { me { id handle } }`;

function readStorage(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key, value) {
  try {
    if (value == null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    // storage unavailable (private mode etc.): keep the state in memory only
  }
}

function readStoredUser() {
  try {
    const user = JSON.parse(readStorage(USER_KEY) || 'null');
    return user && typeof user.handle === 'string' ? user : null;
  } catch {
    return null;
  }
}

class GraphQLRequestError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

// Plain POST /graphql used by the auth bar. Throws GraphQLRequestError with
// the first GraphQL error's message (and extensions.code) on failure.
async function graphqlRequest(query, operationName, variables, token) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(HTTP_URL, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, operationName, variables }),
    });
  } catch (err) {
    throw new GraphQLRequestError(`Network error: ${err && err.message ? err.message : err}`, 'NETWORK_ERROR');
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new GraphQLRequestError(`HTTP ${response.status} ${response.statusText}`.trim(), 'HTTP_ERROR');
  }
  if (body && Array.isArray(body.errors) && body.errors.length > 0) {
    const first = body.errors[0] || {};
    throw new GraphQLRequestError(
      first.message || 'Unknown GraphQL error',
      first.extensions && first.extensions.code,
    );
  }
  if (!response.ok) {
    throw new GraphQLRequestError(`HTTP ${response.status} ${response.statusText}`.trim(), 'HTTP_ERROR');
  }
  return (body && body.data) || {};
}

// One GraphiQL fetcher + graphql-ws client per token. The token goes in the
// HTTP Authorization header and in the connection_init payload.
function createConnection(token) {
  const authorization = token ? `Bearer ${token}` : null;
  const wsClient = createClient({
    url: WS_URL,
    connectionParams: authorization ? { authorization } : {},
    lazy: true,
    retryAttempts: 3,
  });
  const fetcher = createGraphiQLFetcher({
    url: HTTP_URL,
    headers: authorization ? { Authorization: authorization } : {},
    wsClient,
    enableIncrementalDelivery: false,
  });
  return { fetcher, wsClient };
}

function AuthBar({ token, user, error, busy, onSignIn, onSignUp, onUseToken, onSignOut }) {
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [signUpEmail, setSignUpEmail] = useState('');
  const [signUpHandle, setSignUpHandle] = useState('');
  const [signUpName, setSignUpName] = useState('');
  const [signUpPassword, setSignUpPassword] = useState('');
  const [tokenInput, setTokenInput] = useState(token || '');

  // Reflect token changes (sign in / sign up / sign out) in the token field.
  useEffect(() => setTokenInput(token || ''), [token]);

  return (
    <div className="pg-auth" id="auth-bar" data-testid="auth-bar">
      <form
        className="pg-group"
        id="sign-in-form"
        data-testid="sign-in-form"
        onSubmit={(e) => {
          e.preventDefault();
          onSignIn({ login, password }).then((ok) => ok && setPassword(''));
        }}
      >
        <span className="pg-label">Sign in</span>
        <input
          id="login"
          data-testid="login"
          aria-label="Login (email or handle)"
          name="login"
          placeholder="email or handle"
          autoComplete="username"
          value={login}
          onChange={(e) => setLogin(e.target.value)}
        />
        <input
          id="password"
          data-testid="password"
          aria-label="Password"
          name="password"
          type="password"
          placeholder="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button id="sign-in" data-testid="sign-in" type="submit" disabled={busy}>
          Sign in
        </button>
      </form>

      <form
        className="pg-group"
        id="sign-up-form"
        data-testid="sign-up-form"
        onSubmit={(e) => {
          e.preventDefault();
          onSignUp({
            email: signUpEmail,
            handle: signUpHandle,
            name: signUpName,
            password: signUpPassword,
          }).then((ok) => ok && setSignUpPassword(''));
        }}
      >
        <span className="pg-label">Sign up</span>
        <input
          id="signup-email"
          data-testid="signup-email"
          aria-label="Sign-up email"
          name="email"
          type="email"
          placeholder="email"
          autoComplete="email"
          value={signUpEmail}
          onChange={(e) => setSignUpEmail(e.target.value)}
        />
        <input
          id="signup-handle"
          data-testid="signup-handle"
          aria-label="Sign-up handle"
          name="handle"
          placeholder="handle"
          autoComplete="off"
          className="pg-short"
          value={signUpHandle}
          onChange={(e) => setSignUpHandle(e.target.value)}
        />
        <input
          id="signup-name"
          data-testid="signup-name"
          aria-label="Sign-up name"
          name="name"
          placeholder="name"
          autoComplete="name"
          className="pg-short"
          value={signUpName}
          onChange={(e) => setSignUpName(e.target.value)}
        />
        <input
          id="signup-password"
          data-testid="signup-password"
          aria-label="Sign-up password"
          name="new-password"
          type="password"
          placeholder="password"
          autoComplete="new-password"
          className="pg-short"
          value={signUpPassword}
          onChange={(e) => setSignUpPassword(e.target.value)}
        />
        <button id="sign-up" data-testid="sign-up" type="submit" disabled={busy}>
          Sign up
        </button>
      </form>

      <form
        className="pg-group"
        id="token-form"
        data-testid="token-form"
        onSubmit={(e) => {
          e.preventDefault();
          onUseToken(tokenInput.trim());
        }}
      >
        <span className="pg-label">Token</span>
        <input
          id="token"
          data-testid="token"
          aria-label="Token"
          name="token"
          placeholder="paste a token"
          title="This server's token, or your identity provider's (AUTH_MODE=external or both). An API key of the app's backend (SERVER_API_KEYS) is not a token: put it in GraphiQL's Headers tab as X-Api-Key."
          autoComplete="off"
          spellCheck={false}
          className="pg-token"
          value={tokenInput}
          onChange={(e) => setTokenInput(e.target.value)}
        />
        <button id="use-token" data-testid="use-token" type="submit" disabled={busy}>
          Use token
        </button>
        <span className="pg-hint" id="api-key-hint">
          Backend API key? Headers tab: {'{"X-Api-Key": "…"}'}
        </span>
      </form>

      <div className="pg-group pg-status">
        {token && user ? (
          <span id="signed-in-as" data-testid="signed-in-as" data-handle={user.handle} data-user-id={user.id}>
            Signed in as @{user.handle}
          </span>
        ) : token ? (
          <span id="token-set" data-testid="token-set">
            Token set (user unknown)
          </span>
        ) : (
          <span id="signed-out" data-testid="signed-out">
            Not signed in
          </span>
        )}
        <button id="sign-out" data-testid="sign-out" type="button" onClick={onSignOut}>
          Sign out
        </button>
      </div>

      {error ? (
        <div
          className="pg-error"
          id="auth-error"
          data-testid="auth-error"
          role="alert"
          data-code={error.code || ''}
        >
          {error.message}
        </div>
      ) : null}
    </div>
  );
}

function App() {
  const [token, setToken] = useState(() => readStorage(TOKEN_KEY) || '');
  const [user, setUser] = useState(() => (readStorage(TOKEN_KEY) ? readStoredUser() : null));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const tokenRef = useRef(token);

  const applySession = useCallback((newToken, newUser) => {
    tokenRef.current = newToken || '';
    writeStorage(TOKEN_KEY, newToken || null);
    writeStorage(USER_KEY, newToken && newUser ? JSON.stringify(newUser) : null);
    setToken(newToken || '');
    setUser(newToken ? newUser || null : null);
  }, []);

  const runAuth = useCallback(
    async (query, operationName, variables, field) => {
      setBusy(true);
      setError(null);
      try {
        const data = await graphqlRequest(query, operationName, variables, null);
        const payload = data[field];
        if (!payload || !payload.token) {
          throw new GraphQLRequestError(`${field} returned no token`);
        }
        applySession(payload.token, payload.user);
        return true;
      } catch (err) {
        setError({ message: err.message, code: err.code });
        return false;
      } finally {
        setBusy(false);
      }
    },
    [applySession],
  );

  const onSignIn = useCallback((vars) => runAuth(SIGN_IN, 'SignIn', vars, 'signIn'), [runAuth]);
  const onSignUp = useCallback((vars) => runAuth(SIGN_UP, 'SignUp', vars, 'signUp'), [runAuth]);

  const onUseToken = useCallback(
    async (newToken) => {
      setError(null);
      if (!newToken) {
        applySession('', null);
        return;
      }
      applySession(newToken, null);
      // Find out who the token belongs to (best effort).
      setBusy(true);
      try {
        const data = await graphqlRequest(ME, 'PlaygroundMe', {}, newToken);
        if (tokenRef.current !== newToken) return; // superseded meanwhile
        if (data.me) {
          applySession(newToken, { id: data.me.id, handle: data.me.handle });
        } else {
          setError({ message: 'Token was not accepted (me is null)', code: 'UNAUTHENTICATED' });
        }
      } catch (err) {
        if (tokenRef.current === newToken) setError({ message: err.message, code: err.code });
      } finally {
        setBusy(false);
      }
    },
    [applySession],
  );

  const onSignOut = useCallback(() => {
    setError(null);
    applySession('', null);
  }, [applySession]);

  // Recreate the fetcher and the WebSocket client whenever the token changes;
  // the old socket is closed so subscriptions reconnect with the new payload.
  const connection = useMemo(() => createConnection(token), [token]);
  useEffect(() => () => connection.wsClient.dispose(), [connection]);

  return (
    <div className="pg-root">
      <AuthBar
        token={token}
        user={user}
        error={error}
        busy={busy}
        onSignIn={onSignIn}
        onSignUp={onSignUp}
        onUseToken={onUseToken}
        onSignOut={onSignOut}
      />
      <div className="pg-graphiql">
        <GraphiQL fetcher={connection.fetcher} defaultQuery={DEFAULT_QUERY} />
      </div>
    </div>
  );
}

// No <StrictMode>: its double effect invocation would dispose the ws client
// that the memoised fetcher still uses.
createRoot(document.getElementById('root')).render(<App />);
