// Awaiting things with a deadline instead of sleeping.

export const EVENT_TIMEOUT_MS = Number(process.env.E2E_EVENT_TIMEOUT_MS || 5_000);

export async function withTimeout<T>(promise: Promise<T>, what: string, ms = EVENT_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What a subscription delivered, in order. `next()` waits (with a timeout)
 * for the next item; an error or completion of the stream is reported to the
 * waiter instead of a hang.
 */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private readonly seen: T[] = [];
  private failure: unknown;
  private completed = false;
  private readonly waiters = new Set<() => void>();

  push(item: T): void {
    this.items.push(item);
    this.seen.push(item);
    this.notify();
  }

  fail(error: unknown): void {
    this.failure ??= error;
    this.notify();
  }

  complete(): void {
    this.completed = true;
    this.notify();
  }

  /** Everything received so far (also what next() already returned). */
  get received(): readonly T[] {
    return this.seen;
  }

  get error(): unknown {
    return this.failure;
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves at the next push/fail/complete, or after `ms`. */
  private changed(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiters.add(wake);
    });
  }

  /** Waits until everything received so far satisfies `ok`. */
  async until(what: string, ok: (received: readonly T[]) => boolean, ms = EVENT_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ok(this.seen)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await this.changed(left);
    }
  }

  /** The next item; rejects on timeout, stream error or completion. */
  async next(what: string, ms = EVENT_TIMEOUT_MS): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.items.length > 0) return this.items.shift()!;
      if (this.failure !== undefined) throw asError(this.failure, `stream failed while waiting for ${what}`);
      if (this.completed) throw new Error(`stream completed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out after ${ms} ms waiting for ${what}; received so far: ${JSON.stringify(this.seen)}`,
        );
      }
      await this.changed(left);
    }
  }

  /** The next item that matches, skipping (and remembering) others. */
  async nextMatching(what: string, match: (item: T) => boolean, ms = EVENT_TIMEOUT_MS): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const item = await this.next(what, Math.max(1, deadline - Date.now()));
      if (match(item)) return item;
    }
  }

  /** Rejects if an error arrived (e.g. the socket was closed). */
  assertNoError(): void {
    if (this.failure !== undefined) throw asError(this.failure, 'subscription failed');
  }

  /** Waits for the stream to fail, returning the error. */
  async failed(what: string, ms = EVENT_TIMEOUT_MS): Promise<unknown> {
    const deadline = Date.now() + ms;
    while (this.failure === undefined) {
      if (this.items.length > 0) {
        throw new Error(`expected ${what}, got an event: ${JSON.stringify(this.items[0])}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await this.changed(left);
    }
    return this.failure;
  }
}

export function asError(value: unknown, context: string): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'object' && value !== null && 'code' in value) {
    const v = value as { code: unknown; reason?: unknown };
    return new Error(`${context}: socket closed ${String(v.code)} ${String(v.reason ?? '')}`.trim());
  }
  return new Error(`${context}: ${JSON.stringify(value)}`);
}
