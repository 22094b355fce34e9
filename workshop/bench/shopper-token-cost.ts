/**
 * `npx tsx workshop/bench/shopper-token-cost.ts`: what believing a shopper costs per request — the
 * proxy's HS256 verification of a storefront token (`server/shoppers/shopper-identity.ts`, `jose`),
 * in process, after a warm-up. Prints p50, p99 and calls a second.
 */
import { shopperIdentity } from '../../server/shoppers/shopper-identity.ts';
import { signShopperToken, testTokenSecret } from '../test-support/shopper-tokens.ts';

const calls = 20_000;

async function main(): Promise<void> {
  const identities = shopperIdentity({ secret: testTokenSecret, allowRawUserIds: false });
  const token = await signShopperToken('17850');
  for (let i = 0; i < 2000; i++) await identities.resolve({ shopperToken: token });
  const times: number[] = [];
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const before = performance.now();
    await identities.resolve({ shopperToken: token });
    times.push(performance.now() - before);
  }
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const at = (q: number): string => (times[Math.floor(q * (times.length - 1))]! * 1000).toFixed(0);
  console.log(`shopper token verification: p50 ${at(0.5)} µs, p99 ${at(0.99)} µs, ${Math.round(calls / seconds)}/s`);
}

await main();
