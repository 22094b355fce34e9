/**
 * Resolves an untrusted catalog URL against the storefront page (the catalog belongs to
 * the storefront, not to the proxy) and keeps it only when it is http(s): a product
 * record must never be able to smuggle `javascript:` or `data:` into a link or image.
 */
export function safeUrl(raw: unknown, base: string = document.baseURI): string | undefined {
  if (typeof raw !== 'string' || !raw.trim()) return undefined;
  try {
    const url = new URL(raw.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** Same rule for every candidate of a `srcset`; drops the whole attribute if any is unsafe. */
export function safeSrcset(raw: unknown, base: string = document.baseURI): string | undefined {
  if (typeof raw !== 'string' || !raw.trim()) return undefined;
  const parts: string[] = [];
  for (const candidate of raw.split(',')) {
    const [url, descriptor] = candidate.trim().split(/\s+/, 2);
    const safe = safeUrl(url, base);
    if (!safe) return undefined;
    parts.push(descriptor ? `${safe} ${descriptor}` : safe);
  }
  return parts.join(', ');
}
