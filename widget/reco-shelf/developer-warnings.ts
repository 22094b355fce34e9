/**
 * Console warnings for the storefront developer: development build only (`reco-shelf.dev.js`;
 * every call site is behind `__RECO_DEV__`, so the production bundle carries none of this).
 * Each names a code that widget/README.md explains under a heading of the same name.
 */
import { maxShelfSize } from '../../contracts/shelf-answer.ts';

/** Attributes every element may carry, and prefixes of attribute families the shelf leaves alone. */
const GLOBAL_ATTRIBUTES = new RegExp(
  `^(${[
    'id|class|style|slot|hidden|title|lang|dir|tabindex|role|part|exportparts|inert|nonce|is|translate',
    'popover|autofocus|accesskey|draggable|spellcheck|contenteditable|enterkeyhint|inputmode',
  ].join('|')})$|^(data|aria|on)-?`,
);

const warned = new Set<string>();

/** Warns once per distinct message (so once per code and subject, e.g. per placement). */
export function warnOnce(code: string, message: string): void {
  const text = `<reco-shelf> ${code}: ${message} See widget/README.md#${code.toLowerCase()}`;
  if (warned.has(text)) return;
  warned.add(text);
  console.warn(text);
}

const squash = (name: string) => name.toLowerCase().replace(/[-_]/g, '');

/** An attribute the shelf does not know, e.g. `userId` (HTML lowercases it to `userid`) for `user-id`. */
export function warnUnknownAttributes(el: Element, known: readonly string[]): void {
  for (const { name } of el.attributes) {
    if (known.includes(name) || GLOBAL_ATTRIBUTES.test(name)) continue;
    const meant = known.find((k) => squash(k) === squash(name));
    const hint = meant ? `did you mean ${meant}?` : `it is not one of ${known.join(', ')}.`;
    warnOnce('RECO_UNKNOWN_ATTRIBUTE', `<reco-shelf> has no attribute "${name}": ${hint}`);
  }
}

/** The shelf's attribute values as the element holds them (the properties). */
export interface AttributeValues {
  endpoint: string;
  layout: string;
  loading: string;
  limit: number;
  timeout: number;
  currency: string;
  locale: string;
  consent: string | null;
}

const ONE_OF: Partial<Record<keyof AttributeValues, readonly string[]>> = {
  layout: ['carousel', 'grid'],
  consent: ['pending', 'granted', 'denied'],
  loading: ['lazy', 'eager'],
};

/** Malformed values (`layout="Grid"`, `limit="ten"`), and a `limit` the shelf clamps. */
export function warnInvalidValues(values: AttributeValues, changed: Iterable<PropertyKey>, clamped: number): void {
  const invalid = (attribute: string, value: unknown, expected: string) =>
    warnOnce('RECO_INVALID_VALUE', `${attribute}="${value}" is not valid: ${expected}.`);
  for (const key of changed) {
    const value = values[key as keyof AttributeValues];
    const allowed = ONE_OF[key as keyof AttributeValues];
    if (allowed && value !== null && !allowed.includes(value as string)) {
      const meant = allowed.find((a) => a === String(value).toLowerCase());
      invalid(key as string, value, meant ? `values are lower case: "${meant}"` : `use ${allowed.join(' or ')}`);
    } else if (key === 'limit') {
      if (!Number.isFinite(values.limit))
        invalid('limit', value, `a number from 1 to ${maxShelfSize}; showing ${clamped}`);
      else if (values.limit !== clamped) {
        warnOnce(
          'RECO_LIMIT_CLAMPED',
          `limit="${values.limit}" is outside 1–${maxShelfSize}; the shelf shows ${clamped}.`,
        );
      }
    } else if (key === 'timeout' && !(values.timeout > 0)) {
      invalid('timeout', value, 'a positive number of milliseconds; using 3000');
    } else if (key === 'endpoint' && values.endpoint && !URL.canParse(values.endpoint, location.href)) {
      invalid('endpoint', value, 'the base URL of the reco proxy');
    } else if (key === 'currency' && values.currency && !/^[a-z]{3}$/i.test(values.currency)) {
      invalid('currency', value, 'an ISO 4217 code such as EUR');
    } else if (key === 'locale' && values.locale && !isLocale(values.locale)) {
      invalid('locale', value, 'a BCP 47 language tag such as de-DE');
    }
  }
}

function isLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length > 0;
  } catch {
    return false;
  }
}
