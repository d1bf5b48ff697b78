// Starts the real chat server binary for a test file: a free port, a fresh
// database (e2e_<random>) on $MONGODB_URI, waits for /health and /ready, and
// stops it (SIGTERM, then SIGKILL) when the file is done or the process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preflightProblems, serverBin } from './env.ts';

export interface RunningServer {
  httpUrl: string;
  wsUrl: string;
  baseUrl: string;
  database: string;
  /** The server's recent stdout/stderr, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

const running = new Set<ChildProcess>();
// Last resort: never leave a server behind, even if a test file crashes.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of running) child.kill('SIGKILL');
    process.exit(130);
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function get(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** Starts the server; `env` adds or overrides its settings (e.g. timings). */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const problems = preflightProblems().filter((p) => !p.startsWith('Chromium'));
  if (problems.length > 0) throw new Error(problems.join('\n'));
  // A free port can be taken between probing and binding; try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(await freePort(), env);
    } catch (err) {
      lastError = err;
      if (!(err instanceof ExitedEarly)) throw err;
    }
  }
  throw lastError;
}

class ExitedEarly extends Error {}

async function startOnce(port: number, extraEnv: Record<string, string>): Promise<RunningServer> {
  const database = `e2e_${randomBytes(6).toString('hex')}`;
  const child = spawn(serverBin, [], {
    env: {
      ...process.env,
      MONGODB_URI: process.env.MONGODB_URI,
      MONGODB_DATABASE: database,
      APP_HOST: '127.0.0.1',
      APP_PORT: String(port),
      APP_ENV: 'development',
      LOG_LEVEL: process.env.E2E_LOG_LEVEL || 'warn',
      // Uploads of this run in a directory of its own.
      STORAGE_DIR: join(tmpdir(), `${database}-uploads`),
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(signal ?? code ?? -1);
    });
  });
  let exitStatus: number | string | undefined;
  void exited.then((s) => (exitStatus = s));

  const baseUrl = `http://127.0.0.1:${port}`;
  const output = () => lines.join('\n');
  const stop = async () => {
    if (exitStatus !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  let ready = false;
  while (Date.now() < deadline) {
    if (exitStatus !== undefined) {
      throw new ExitedEarly(`chat server exited (${exitStatus}) before it was ready:\n${output()}`);
    }
    if ((await get(`${baseUrl}/health`)) === 200 && (await get(`${baseUrl}/ready`)) === 200) {
      ready = true;
      break;
    }
    // Poll until the server answers (or exits); this is not waiting for an event.
    await Promise.race([new Promise((r) => setTimeout(r, 100)), exited]);
  }
  if (!ready) {
    await stop();
    throw new Error(`chat server not ready after ${START_TIMEOUT_MS} ms at ${baseUrl}:\n${output()}`);
  }
  return { httpUrl: `${baseUrl}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql`, baseUrl, database, output, stop };
}
