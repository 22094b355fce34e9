/**
 * Child-process entry: a paced GET (or POST) load against a server in another process.
 * argv[2] is a JSON LoadSpec; prints {"ready":true,"startedAt"} when the load
 * starts and one {"result":PacedRun} line when it ends.
 */
import { httpGetter, runPaced } from './paced-load.ts';
import { nextShopper, shopperPool } from './shoppers.ts';

/**
 * What to send: a GET of `path`, or with `body` a text/plain POST of it (the shelf's request; a
 * shopper id never goes in a URL). `{user}` in `path` or `body` becomes the next shopper id.
 */
export interface LoadSpec {
  baseUrl: string;
  path: string;
  body?: string;
  rate: number;
  durationMs: number;
  withSource?: boolean;
  drainMs?: number;
  /** How many distinct shoppers to cycle through (default 4000). */
  poolSize?: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const http = httpGetter(spec.baseUrl, { withSource: spec.withSource ?? true });
const shopper = nextShopper(shopperPool(spec.poolSize));
process.stdout.write(`${JSON.stringify({ ready: true, startedAt: Date.now() })}\n`);
const run = await runPaced({
  rate: spec.rate,
  durationMs: spec.durationMs,
  drainMs: spec.drainMs ?? 5000,
  send: () => {
    const user = shopper();
    if (spec.body === undefined) return http.get(spec.path.replace('{user}', encodeURIComponent(user)));
    // Inside a JSON string: the id as JSON spells it, less its quotes.
    return http.post(spec.path, spec.body.replace('{user}', JSON.stringify(user).slice(1, -1)));
  },
});
http.close();
// Exit only once the line is out: a long result fills the pipe, and exiting then would cut it.
process.stdout.write(`${JSON.stringify({ result: run })}\n`, () => process.exit(0));
