/**
 * Size guard for the script-tag bundle: fails (exit 1) when gzip -9 of dist/reco-shelf.js
 * exceeds LIMIT, so `npm test` catches a bundle that grew. Prints min, gzip and brotli.
 * LIMIT is the size of the bundle as it is (13,037 B) plus a little slack, not the goal:
 * the goal (#16) is 9,216 B; `npx tsx widget/scripts/size-breakdown.ts` shows where the
 * bytes go. Lower LIMIT whenever the bundle shrinks.
 */
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const LIMIT = 13_072;
const GOAL = 9 * 1024;
const file = new URL('../../dist/reco-shelf.js', import.meta.url);
const code = readFileSync(file);
const gzip = gzipSync(code, { level: 9 }).length;
const brotli = brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (n: number) => `${(n / 1024).toFixed(2)} KiB (${n} B)`;

console.log(`dist/reco-shelf.js  min ${kb(code.length)}  gzip ${kb(gzip)}  brotli ${kb(brotli)}`);
if (gzip > LIMIT) {
  console.error(`size guard: gzip ${gzip} B is over the ${LIMIT} B limit`);
  process.exit(1);
}
if (gzip > GOAL) console.log(`size guard: within the ${LIMIT} B limit; the goal is ${GOAL} B`);
