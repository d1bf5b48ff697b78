// Where the e2e and browser tests find what they need (overridable by env).
import { accessSync, constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const playgroundDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The chat server binary: $CHAT_SERVER_BIN, default ../target/debug/chat-server. */
export const serverBin = resolve(playgroundDir, process.env.CHAT_SERVER_BIN || join('..', 'target', 'debug', 'chat-server'));

/** Headless Chromium for the browser test: $CHROMIUM_BIN, default /usr/bin/chromium. */
export const chromiumBin = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
/** Headless, and nothing that reaches out of this machine on its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Problems that make the e2e/browser tests impossible, as clear sentences. */
export function preflightProblems(): string[] {
  const problems: string[] = [];
  if (!executable(serverBin)) {
    problems.push(
      `chat server binary not found (or not executable) at ${serverBin}. ` +
        'Build it first (`cargo build --bin chat-server` in the repository root) ' +
        'or point CHAT_SERVER_BIN at it.',
    );
  }
  if (!process.env.MONGODB_URI) {
    problems.push('MONGODB_URI is not set: the e2e tests start the server against it (each run uses a fresh database).');
  }
  if (!executable(chromiumBin)) {
    problems.push(
      `Chromium not found at ${chromiumBin}. Install it with \`apt-get install -y chromium\` ` +
        'or point CHROMIUM_BIN at a Chromium/Chrome binary.',
    );
  }
  return problems;
}
