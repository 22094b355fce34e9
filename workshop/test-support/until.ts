/** Polls `probe` until `ok` holds for its value, or fails after `ms`: tests wait on state, never on a guessed sleep. */
export async function until<T>(
  probe: () => T | Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  ms = 5000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
