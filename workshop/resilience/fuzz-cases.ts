/**
 * Generated hostile requests for /v1/recommendations and /v1/events, as raw HTTP
 * bytes (so headers, framing and bodies can be wrong too). Seeded: a failure
 * names its case number and the same seed reproduces it.
 */

/** One raw request and what it tries. */
export interface FuzzCase {
  kind: string;
  method: string;
  raw: Buffer;
  /** The client half-closes before the body is complete: no answer is acceptable. */
  mayNotAnswer?: boolean;
}

const nastyStrings = [
  '',
  ' ',
  'home',
  'HOME',
  'a'.repeat(65),
  'a'.repeat(129),
  'x'.repeat(5000),
  '17850',
  '-1',
  '0',
  '49',
  '1e3',
  '1.5',
  'NaN',
  'Infinity',
  'null',
  'true',
  '[]',
  '{}',
  '💥',
  '🙂'.repeat(100),
  '\u202e\u0000',
  '\ud800',
  'é',
  '日本語',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell probe, sent as a literal string
  '${jndi:ldap://x}',
  '../../etc/passwd',
  "' OR 1=1 --",
  '\r\nSet-Cookie: x=1',
  '__proto__',
  'constructor',
  '85123A,22423',
  ','.repeat(60),
  'A,'.repeat(60),
];
const jsonValues: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  48,
  49,
  '',
  'home',
  [],
  {},
  [1, 2],
  { a: 1 },
  '💥',
  'x'.repeat(200),
  ['85123A'],
  Array(60).fill('85123A'),
  { __proto__: { polluted: 1 } },
];
const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'PURGE', 'get'];
const paths = [
  '/v1/recommendations',
  '/v1/events',
  '/v1/recommendations/',
  '//v1/recommendations',
  '/v1/recommendations/../events',
  '/v1/%2e%2e/events',
  '/v1/%FF',
  '/V1/RECOMMENDATIONS',
  '/v1/recommendations%00',
  '/v1',
  '/',
  `/${'a'.repeat(4000)}`,
  '/v1/events?x=1',
  '/v1/recommendations#frag',
  '*',
];
const contentTypes = [
  'application/json',
  'text/plain',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
  'application/json, text/plain',
  'application/json; charset=utf-8',
];

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
// Half the values percent-encoded, half raw but for what would break the request line itself.
function enc(r: () => number, s: string): string {
  const raw = (): string => s.replace(/[ #\r\n]/g, (c) => encodeURIComponent(c));
  if (r() >= 0.5) return raw();
  try {
    return encodeURIComponent(s);
  } catch {
    return raw(); // a lone surrogate cannot be encoded: send it raw
  }
}

function request(method: string, path: string, headers: Record<string, string>, body: Buffer | string = ''): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const head = [
    `${method} ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  if (!('Content-Length' in headers) && !('Transfer-Encoding' in headers) && (bytes.length > 0 || method === 'POST'))
    head.push(`Content-Length: ${bytes.length}`);
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), bytes]);
}

function randomObject(r: () => number, keys: readonly string[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const key of keys) if (r() < 0.7) object[key] = r() < 0.5 ? pick(r, jsonValues) : pick(r, nastyStrings);
  if (r() < 0.2) object[pick(r, ['extra', '__proto__', 'constructor', 'k'])] = pick(r, jsonValues);
  return object;
}

function deepJson(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

const recKeys = ['placement', 'userId', 'sessionId', 'items', 'limit'] as const;
const eventKeys = ['id', 'type', 'placement', 'requestId', 'source', 'itemId', 'userId', 'sessionId', 'ts'] as const;

function event(r: () => number, i: number): Record<string, unknown> {
  if (r() < 0.3)
    return {
      id: `fuzz-${i}-${Math.floor(r() * 1e9)}`,
      type: 'click',
      placement: 'home',
      itemId: '85123A',
      userId: '17850',
      ts: Date.now(),
    };
  return randomObject(r, eventKeys);
}

/** The `i`th case of the stream seeded by `seed`. */
export function fuzzCase(r: () => number, i: number): FuzzCase {
  const roll = r();
  if (roll < 0.25) {
    const query = recKeys.filter(() => r() < 0.7).map((k) => `${k}=${enc(r, pick(r, nastyStrings))}`);
    if (r() < 0.15) query.push(`${pick(r, recKeys)}=1`, `${pick(r, recKeys)}=2`); // repeated keys
    return { kind: 'rec-query', method: 'GET', raw: request('GET', `/v1/recommendations?${query.join('&')}`, {}) };
  }
  if (roll < 0.4) {
    const body = r() < 0.9 ? JSON.stringify(randomObject(r, recKeys)) : JSON.stringify(pick(r, jsonValues));
    return {
      kind: 'rec-json',
      method: 'POST',
      raw: request('POST', '/v1/recommendations', { 'Content-Type': 'application/json' }, body),
    };
  }
  if (roll < 0.55) {
    const events = Array.from({ length: 1 + Math.floor(r() * 5) }, (_, j) => event(r, i * 10 + j));
    const envelope =
      r() < 0.85
        ? { events }
        : pick(r, [{ events: [] }, { events: {} }, { events: Array(501).fill(events[0]) }, {}, [], null]);
    return {
      kind: 'events-json',
      method: 'POST',
      raw: request(
        'POST',
        '/v1/events',
        { 'Content-Type': pick(r, ['application/json', 'text/plain', 'text/plain;charset=UTF-8']) },
        JSON.stringify(envelope),
      ),
    };
  }
  if (roll < 0.63) {
    const path = pick(r, ['/v1/recommendations', '/v1/events']);
    return {
      kind: 'content-type',
      method: 'POST',
      raw: request(
        'POST',
        path,
        { 'Content-Type': pick(r, contentTypes) },
        pick(r, ['{"placement":"home"}', 'placement=home', '{"events":[]}', '\u0000\u0001', '💥']),
      ),
    };
  }
  if (roll < 0.7) {
    const whole = JSON.stringify({ placement: 'home', userId: '17850', items: ['85123A'], events: [event(r, i)] });
    return {
      kind: 'truncated-json',
      method: 'POST',
      raw: request(
        'POST',
        pick(r, ['/v1/recommendations', '/v1/events']),
        { 'Content-Type': 'application/json' },
        whole.slice(0, Math.floor(r() * whole.length)),
      ),
    };
  }
  if (roll < 0.74) {
    const body =
      r() < 0.5
        ? deepJson(pick(r, [100, 5000, 20_000]))
        : `{"placement":"home","userId":"${'u'.repeat(pick(r, [200, 40_000, 300_000]))}"}`;
    return {
      kind: 'deep-or-huge',
      method: 'POST',
      raw: request(
        'POST',
        pick(r, ['/v1/recommendations', '/v1/events']),
        { 'Content-Type': pick(r, ['application/json', 'text/plain']) },
        body,
      ),
    };
  }
  if (roll < 0.86) return headerAbuse(r);
  if (roll < 0.96) {
    const method = pick(r, methods);
    const path = pick(r, paths);
    return {
      kind: 'method-path',
      method,
      raw: request(
        method,
        path,
        method === 'POST' ? { 'Content-Type': 'application/json' } : {},
        method === 'POST' ? '{}' : '',
      ),
    };
  }
  const declared = 50 + Math.floor(r() * 500);
  const raw = request(
    'POST',
    pick(r, ['/v1/recommendations', '/v1/events']),
    { 'Content-Type': 'application/json', 'Content-Length': String(declared) },
    '{"placement":"home"',
  );
  return { kind: 'short-body', method: 'POST', raw, mayNotAnswer: true };
}

function headerAbuse(r: () => number): FuzzCase {
  const path = '/v1/recommendations?placement=home&sessionId=s-17850';
  const variants: Array<() => Buffer> = [
    () => request('GET', path, { 'X-Big': 'a'.repeat(20_000) }),
    () => request('GET', path, Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`X-H${i}`, String(i)]))),
    () =>
      Buffer.from(
        'POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n' +
          'Content-Length: 10\r\nContent-Length: 12\r\n\r\n{"events":[]}',
        'latin1',
      ),
    () =>
      request(
        'POST',
        '/v1/recommendations',
        { 'Content-Type': 'application/json', 'Content-Encoding': pick(r, ['gzip', 'deflate', 'br', 'x-unknown']) },
        'not compressed at all',
      ),
    () =>
      request(
        'POST',
        '/v1/recommendations',
        { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
        'zz\r\n{}\r\n0\r\n\r\n',
      ),
    () => request('GET', path, { 'Bad Header': 'x' }),
    () => request('GET', path, { Origin: 'http://evil.example', 'X-Forwarded-For': '1.2.3.4, 5.6.7.8' }),
    () => request('GET', path, { Accept: 'text/html', 'Accept-Encoding': 'br, gzip;q=0', Range: 'bytes=0-1' }),
    () => request('POST', '/v1/events', { 'Content-Type': 'application/json', 'Content-Length': '99999999999' }, ''),
    () => request('GET', path, { Host: '' }),
    () =>
      request(
        'POST',
        '/v1/recommendations',
        { 'Content-Type': 'application/json', Expect: '100-continue' },
        '{"placement":"home"}',
      ),
  ];
  const raw = pick(r, variants)();
  return {
    kind: 'header-abuse',
    method: raw.toString('latin1', 0, 8).split(' ')[0] ?? 'GET',
    raw,
    mayNotAnswer: raw.includes('99999999999'),
  };
}
