/**
 * Production variants: parsing the `Name=url[@weight]` spec and SageMaker's weighted
 * random routing (probability of a variant = its weight / sum of weights).
 */

/** One production variant: the container it forwards to and its traffic weight. */
export interface Variant {
  name: string;
  /** Container base URL; the runtime calls `${url}/invocations`. */
  url: string;
  weight: number;
}

/** SageMaker's VariantName rule: alphanumerics and inner hyphens, at most 63 characters. */
export const VARIANT_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;

/** Throws a `local-sagemaker:` error unless the list is a usable set of variants. */
export function assertValidVariants(variants: readonly Variant[]): void {
  if (variants.length === 0) throw new Error('local-sagemaker: at least one production variant is required');
  const seen = new Set<string>();
  for (const v of variants) {
    if (!VARIANT_NAME_PATTERN.test(v.name) || v.name.length > 63) {
      throw new Error(`local-sagemaker: invalid variant name "${v.name}" (letters, digits and inner hyphens, ≤ 63)`);
    }
    if (seen.has(v.name)) throw new Error(`local-sagemaker: duplicate variant name "${v.name}"`);
    seen.add(v.name);
    let url: URL;
    try {
      url = new URL(v.url);
    } catch {
      throw new Error(`local-sagemaker: variant "${v.name}" has an invalid url "${v.url}"`);
    }
    if (url.protocol !== 'http:')
      throw new Error(`local-sagemaker: variant "${v.name}" url must be http:// ("${v.url}")`);
    if (!Number.isFinite(v.weight) || v.weight < 0) {
      throw new Error(`local-sagemaker: variant "${v.name}" weight must be a number ≥ 0, got ${v.weight}`);
    }
  }
  if (variants.every((v) => v.weight === 0))
    throw new Error('local-sagemaker: at least one variant needs a weight > 0');
}

/**
 * Parses `Name=url[@weight],Name2=url2@weight2` (weight defaults to 1) and validates it;
 * throws an error naming the bad entry.
 */
export function parseVariantsSpec(spec: string): Variant[] {
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const variants = entries.map((entry) => {
    const m = /^([^=]+)=(.+?)(?:@([^@/]+))?$/.exec(entry);
    if (!m) {
      throw new Error(`local-sagemaker: LOCAL_SAGEMAKER_VARIANTS entry "${entry}" is not Name=url[@weight]`);
    }
    const weight = m[3] === undefined ? 1 : Number(m[3]);
    return { name: (m[1] ?? '').trim(), url: (m[2] ?? '').trim().replace(/\/+$/, ''), weight };
  });
  assertValidVariants(variants);
  return variants;
}

/** Picks a variant with probability weight / total, using `random()` in [0, 1). */
export function pickWeighted(variants: readonly Variant[], random: () => number): Variant {
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  let point = random() * total;
  for (const v of variants) {
    if (v.weight <= 0) continue;
    if (point < v.weight) return v;
    point -= v.weight;
  }
  // Rounding can leave `point` a hair above the last bucket: the last weighted variant owns it.
  return [...variants].reverse().find((v) => v.weight > 0) ?? (variants[0] as Variant);
}
