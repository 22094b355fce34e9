/**
 * How every process of the project reads its environment: a defaults object, a table of
 * `VARIABLE: ['option', zodParser]`, and one read that validates them all at start.
 * An empty variable counts as unset (a blank `FOO=` in a shell or unit file means "default"),
 * and one error names every bad variable, so an operator fixes them in one go.
 */
import type { z } from 'zod';

/** Environment variable → [the option it sets, the parser that turns its text into the option's value]. */
export type EnvironmentTable<Options> = Readonly<Record<string, readonly [keyof Options, z.ZodType]>>;

/** Thrown by `readEnvironment`: its message is `<process>: NAME="value": why; NAME2=…`, one entry per bad variable. */
export class InvalidEnvironmentError extends Error {
  /** One `NAME="value": why` per bad variable, in table order. */
  readonly problems: readonly string[];

  constructor(processName: string, problems: readonly string[]) {
    super(`${processName}: ${problems.join('; ')}`);
    this.name = 'InvalidEnvironmentError';
    this.problems = problems;
  }
}

/** Longest part of a bad value quoted in an error: enough to recognise it, short enough for one line. */
const quotedValueLength = 80;

/**
 * Reads `table`'s variables from `env` over `defaults` and returns the options. Unset and
 * empty variables keep their default; any variable its parser refuses is named, with the
 * parser's message, in one `InvalidEnvironmentError` prefixed by `processName`.
 */
export function readEnvironment<Options extends object>(
  processName: string,
  defaults: Options,
  table: EnvironmentTable<Options>,
  env: NodeJS.ProcessEnv = process.env,
): Options {
  const options = { ...defaults } as Record<string, unknown>;
  const problems: string[] = [];
  for (const [name, [option, parser]] of Object.entries(table)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const parsed = parser.safeParse(raw);
    if (parsed.success) options[option as string] = parsed.data;
    else {
      const why = parsed.error.issues[0]?.message ?? 'invalid';
      problems.push(`${name}=${JSON.stringify(raw.slice(0, quotedValueLength))}: ${why}`);
    }
  }
  if (problems.length > 0) throw new InvalidEnvironmentError(processName, problems);
  return options as Options;
}
