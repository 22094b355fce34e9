const formatters = new Map<string, Intl.NumberFormat>();

/**
 * Formats a catalog price with `Intl.NumberFormat`. The item's own currency wins (a shelf
 * cannot convert money); `fallbackCurrency` covers items that carry none. A bad locale or
 * currency code must not break the shelf, so it degrades to a plain number.
 */
export function formatPrice(
  price: { value: number; currency?: string } | null | undefined,
  locale: string | undefined,
  fallbackCurrency: string | undefined,
): string {
  if (!price || typeof price.value !== 'number' || !Number.isFinite(price.value)) return '';
  const currency = price.currency || fallbackCurrency || '';
  const key = `${locale}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    try {
      formatter = new Intl.NumberFormat(
        locale || undefined,
        currency ? { style: 'currency', currency } : { minimumFractionDigits: 2 },
      );
    } catch {
      formatter = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2 });
    }
    formatters.set(key, formatter);
  }
  return formatter.format(price.value);
}
