/**
 * Stands in for the proxy inside a browser test by replacing `fetch`. Each request becomes
 * a call the test answers when it wants to: at once, late, never, or with a failure.
 */
export interface ProxyCall {
  url: URL;
  method: string;
  /** The request's body, parsed as the JSON it holds (`{}` when there is none). */
  body: Record<string, unknown>;
  /** The request's headers as the shelf set them (a string body adds its own text/plain type). */
  headers: Headers;
  signal: AbortSignal | undefined;
  aborted: boolean;
  respond(body: unknown, status?: number): void;
  fail(): void;
}

export interface FakeProxy {
  calls: ProxyCall[];
  /** Resolves with the next request not yet handed out (the mocha timeout is the deadline). */
  nextCall(): Promise<ProxyCall>;
  /** Answer every later request at once with this body. */
  answerAll(body: unknown): void;
  restore(): void;
}

export function fakeProxy(): FakeProxy {
  const original = window.fetch;
  const calls: ProxyCall[] = [];
  const waiters: ((call: ProxyCall) => void)[] = [];
  let handedOut = 0;
  let auto: unknown;

  window.fetch = (input: RequestInfo | URL, init?: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      const signal = init?.signal ?? undefined;
      const call: ProxyCall = {
        url: new URL(String(input)),
        method: init?.method ?? 'GET',
        body: typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : {},
        headers: new Headers(init?.headers),
        signal,
        aborted: false,
        respond: (body, status = 200) => {
          // A shelf asks as a batch of one (`POST /v1/shelves`): a 200 given as one shelf's answer is
          // sent as the batch route sends it, `{ shelves: [answer] }`.
          const lone = status === 200 && !(body && typeof body === 'object' && 'shelves' in body);
          const sent = lone && String(input).endsWith('/v1/shelves') ? { shelves: [body] } : body;
          resolve(new Response(JSON.stringify(sent), { status, headers: { 'content-type': 'application/json' } }));
        },
        fail: () => reject(new TypeError('Failed to fetch')),
      };
      signal?.addEventListener('abort', () => {
        call.aborted = true;
        reject(new DOMException('The operation was aborted.', 'AbortError'));
      });
      calls.push(call);
      if (auto !== undefined) call.respond(auto);
      const waiter = waiters.shift();
      if (waiter) {
        handedOut++;
        waiter(call);
      }
    });

  return {
    calls,
    nextCall: () =>
      handedOut < calls.length
        ? Promise.resolve(calls[handedOut++] as ProxyCall)
        : new Promise((resolve) => waiters.push(resolve)),
    answerAll: (body) => {
      auto = body;
    },
    restore: () => {
      window.fetch = original;
    },
  };
}

/** Captures what `navigator.sendBeacon` would send. */
export function fakeBeacon(): { sent: { url: string; body: Blob }[]; restore(): void } {
  const sent: { url: string; body: Blob }[] = [];
  const nav = navigator as Navigator & { sendBeacon: Navigator['sendBeacon'] };
  nav.sendBeacon = (url: string | URL, body?: BodyInit | null) => {
    sent.push({ url: String(url), body: body as Blob });
    return true;
  };
  return { sent, restore: () => delete (nav as Partial<Navigator>).sendBeacon };
}

/**
 * Answers a `POST /v1/shelves` as the proxy does (#22, interface 1): `{ shelves }`, one answer per
 * shelf asked for, in the request's order; `answer` makes each from the shelf's entry.
 */
export function answerShelves(
  call: ProxyCall,
  answer: (shelf: Record<string, unknown>, index: number) => unknown,
): void {
  if (!call.url.pathname.endsWith('/v1/shelves')) throw new Error(`not a POST /v1/shelves: ${call.url.href}`);
  call.respond({ shelves: (call.body.shelves as Record<string, unknown>[]).map(answer) });
}
