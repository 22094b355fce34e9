/**
 * How every process of the project reads its environment: a defaults object, a table of
 * `VARIABLE: ['option', zodParser]`, and one read that validates them all at start.
 * An empty variable counts as unset (a blank `FOO=` in a shell or unit file means "default"),
 * and one error names every bad variable, so an operator fixes them in one go. A process may
 * also refuse variables of its prefix that no process reads: a misspelt or retired name would
 * otherwise be ignored in silence, and its default used.
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

const secretParsers = new WeakSet<z.ZodType>();

/** Marks `parser`'s values as secrets: a bad one is named by its length in errors, never quoted (logs keep errors). */
export function secret<Parser extends z.ZodType>(parser: Parser): Parser {
  secretParsers.add(parser);
  return parser;
}

/** A bad value as an error may show it: a secret by its length; a URL without its user and password. */
function quoted(raw: string, parser: z.ZodType): string {
  if (secretParsers.has(parser)) return `(${Buffer.byteLength(raw)} bytes, not shown)`;
  const withoutCredentials = raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
  return JSON.stringify(withoutCredentials.slice(0, quotedValueLength));
}

/** Which variables a process refuses as unknown: those of `prefix` in neither `known` nor the table. */
export interface UnknownVariables {
  prefix: string;
  /** Every name of the prefix any process of the project reads; the table's own names count without being listed. */
  known: Iterable<string>;
}

/** Edits (insertions, deletions, substitutions) that turn `a` into `b`: Levenshtein's distance. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The name in `known` fewest edits away from `name` (the first of equals, in `known`'s order). */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (best === undefined || distance < best.distance) best = { name: candidate, distance };
  }
  return best?.name;
}

/** `NAME: no process reads it; did you mean CLOSEST?` for each variable of the prefix nobody reads, in name order. */
function unknownProblems(env: NodeJS.ProcessEnv, table: object, unknown: UnknownVariables): string[] {
  const known = [...new Set([...Object.keys(table), ...unknown.known])];
  const isKnown = new Set(known);
  return Object.keys(env)
    .filter((name) => name.startsWith(unknown.prefix) && !isKnown.has(name) && (env[name] ?? '') !== '')
    .sort()
    .map((name) => {
      const closest = closestName(name, known);
      // Only the name: the value of a misspelt secret must not reach a log.
      return `${name}: no process reads it${closest === undefined ? '' : `; did you mean ${closest}?`}`;
    });
}

/**
 * Reads `table`'s variables from `env` over `defaults` and returns the options. Unset and
 * empty variables keep their default; any variable its parser refuses is named, with the
 * parser's message, in one `InvalidEnvironmentError` prefixed by `processName`. With
 * `options.unknown`, so is every set variable of its prefix that no process reads, with the
 * closest name one does.
 */
export function readEnvironment<Options extends object>(
  processName: string,
  defaults: Options,
  table: EnvironmentTable<Options>,
  env: NodeJS.ProcessEnv = process.env,
  { unknown }: { unknown?: UnknownVariables } = {},
): Options {
  const options = { ...defaults } as Record<string, unknown>;
  const problems: string[] = unknown ? unknownProblems(env, table, unknown) : [];
  for (const [name, [option, parser]] of Object.entries(table)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const parsed = parser.safeParse(raw);
    if (parsed.success) options[option as string] = parsed.data;
    else {
      const why = parsed.error.issues[0]?.message ?? 'invalid';
      problems.push(`${name}=${quoted(raw, parser)}: ${why}`);
    }
  }
  if (problems.length > 0) throw new InvalidEnvironmentError(processName, problems);
  return options as Options;
}
