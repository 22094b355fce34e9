/** The parts one after another in one new typed array of the same kind (`Kind`: its constructor). */
export function concatTyped<T extends Float32Array | Float64Array | Uint8Array>(
  parts: readonly T[],
  Kind: new (length: number) => T,
): T {
  const out = new Kind(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
