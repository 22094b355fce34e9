/**
 * Who a per-client limit counts a request against: the client's address (`req.ip`, so behind a
 * trusted balancer the shopper's, from `X-Forwarded-For`). An IPv6 client is counted by its /64:
 * one home or phone is handed a whole /64 and can pick a new address in it for every request,
 * which would make each request a client of its own.
 */
import { isIPv6 } from 'node:net';
import type { Request } from 'express';

/** The first four groups of an IPv6 address, written out (`2001:db8:0:0`); undefined for anything else. */
function prefix64(address: string): string | undefined {
  if (!isIPv6(address)) return undefined;
  const [head = '', tail = ''] = address.split('%')[0]!.split('::') as [string, string?];
  const left = head === '' ? [] : head.split(':');
  const right = address.includes('::') && tail !== '' ? tail.split(':') : [];
  // An IPv4 tail (`::ffff:192.0.2.1`) counts as two groups.
  const groupsOf = (parts: string[]) => parts.reduce((n, part) => n + (part.includes('.') ? 2 : 1), 0);
  const missing = 8 - groupsOf(left) - groupsOf(right);
  const groups = [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right];
  return groups
    .slice(0, 4)
    .map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':');
}

/** The key of `address` for per-client limits: an IPv4 address as it is (also when IPv4-mapped), an IPv6 /64. */
export function clientKeyOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  const prefix = prefix64(address);
  return prefix === undefined ? address : `${prefix}::/64`;
}

/** The key of the client that sent `req`. */
export function clientOf(req: Request): string {
  return clientKeyOf(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}
