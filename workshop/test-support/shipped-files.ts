/**
 * Reads the files an operator deploys (server/Dockerfile, deploy/reco-proxy@.service,
 * deploy/haproxy.cfg) the way Docker, systemd and a person editing them do, so a test runs
 * what they say rather than a copy of it that can drift. Each reader takes only the forms
 * the shipped files use and throws on anything else, so a new form is noticed, not misread.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './child.ts';

/** A shipped file's text, by its path from the project root. */
export const shippedFile = (path: string): string => readFileSync(join(projectRoot, path), 'utf8');

// ---- Dockerfile ----

/** The Dockerfile's instructions, continuation lines joined, comments dropped: [keyword, arguments]. */
export function dockerInstructions(text: string): Array<[string, string]> {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return [keyword.toUpperCase(), rest.join(' ')];
    });
}

/** The instructions of the last stage (the image that runs). */
export function runtimeStage(text: string): Array<[string, string]> {
  const all = dockerInstructions(text);
  const from = all.findLastIndex(([keyword]) => keyword === 'FROM');
  return all.slice(from);
}

/** The stage's `ENV KEY=value …` lines, as a record (only the KEY=value form, unquoted). */
export function dockerEnv(stage: Array<[string, string]>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [keyword, args] of stage) {
    if (keyword !== 'ENV') continue;
    for (const pair of args.split(/\s+/)) {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=([^"'\s$]*)$/.exec(pair);
      if (!match) throw new Error(`Dockerfile: ENV ${pair}: only unquoted KEY=value pairs are read here`);
      env[match[1]!] = match[2]!;
    }
  }
  return env;
}

/** The stage's declared volumes. */
export function dockerVolumes(stage: Array<[string, string]>): string[] {
  return stage
    .filter(([keyword]) => keyword === 'VOLUME')
    .flatMap(([, args]) => (args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/)));
}

/** The stage's `COPY --from=build` lines, as [sources, destination]. */
export function dockerCopiesFromBuild(stage: Array<[string, string]>): Array<[string[], string]> {
  return stage
    .filter(([keyword, args]) => keyword === 'COPY' && args.startsWith('--from=build '))
    .map(([, args]) => {
      const parts = args.slice('--from=build '.length).trim().split(/\s+/);
      return [parts.slice(0, -1), parts.at(-1)!];
    });
}

/** The stage's value of a single-valued instruction (USER, WORKDIR, …); the last one wins, as in Docker. */
export function dockerValue(stage: Array<[string, string]>, keyword: string): string | undefined {
  return stage.findLast(([k]) => k === keyword)?.[1];
}

/** The exec-form command of the stage's HEALTHCHECK (after its options). */
export function dockerHealthcheck(stage: Array<[string, string]>): string[] {
  const args = dockerValue(stage, 'HEALTHCHECK') ?? '';
  const command = /\bCMD (\[.*\])$/.exec(args)?.[1];
  if (!command) throw new Error(`Dockerfile: HEALTHCHECK ${args}: expected an exec-form CMD`);
  return JSON.parse(command) as string[];
}

// ---- systemd unit ----

/** The `[Service]` section's settings in order, `%i` (and `%%`) replaced for `instance`. */
export function unitService(text: string, instance: string): Array<[string, string]> {
  const settings: Array<[string, string]> = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (/^\[.*\]$/.test(line)) {
      section = line;
      continue;
    }
    if (section !== '[Service]') continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`unit: "${line}" is not Key=value`);
    const value = line.slice(eq + 1).replace(/%(.)/g, (_, s: string) => {
      if (s === 'i') return instance;
      if (s === '%') return '%';
      throw new Error(`unit: specifier %${s} in "${line}" is not one the rehearsal knows`);
    });
    settings.push([line.slice(0, eq).trim(), value]);
  }
  return settings;
}

/** A setting's last value (systemd: a later line overrides an earlier one). */
export const unitValue = (service: Array<[string, string]>, key: string): string | undefined =>
  service.findLast(([k]) => k === key)?.[1];

/** The `Environment=` lines, one unquoted KEY=value each (the only form the shipped unit uses). */
export function unitEnvironment(service: Array<[string, string]>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of service) {
    if (key !== 'Environment') continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=([^"'\s$]*)$/.exec(value);
    if (!match) throw new Error(`unit: Environment=${value}: only one unquoted KEY=value a line is read here`);
    env[match[1]!] = match[2]!;
  }
  return env;
}

/** An `EnvironmentFile=`'s text as systemd reads it: KEY=value lines, `#` comments, blank lines. */
export function environmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`environment file: "${line}" is not KEY=value`);
    env[match[1]!] = match[2]!;
  }
  return env;
}

// ---- paths ----

/**
 * Where each absolute path of the shipped files lives in a test's temporary root: a prefix
 * table, longest prefix first. A path no prefix covers throws, so a new path in a shipped
 * file must be given a place here (and so is seen) rather than written to the real one.
 */
export function pathMap(tempRoot: string, prefixes: readonly string[]): (path: string) => string {
  const sorted = [...prefixes].sort((a, b) => b.length - a.length);
  return (path: string): string => {
    const prefix = sorted.find((p) => path === p || path.startsWith(`${p}/`));
    if (!prefix) throw new Error(`${path}: no prefix of the rehearsal's table covers it (${sorted.join(', ')})`);
    return join(tempRoot, path);
  };
}

/** `env` with every value that is an absolute path mapped by `map`. */
export function mapPaths(env: Record<string, string>, map: (path: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.startsWith('/') ? map(v) : v]));
}

// ---- HAProxy ----

/**
 * `text` with each `from` replaced by its `to`, every one found exactly once: the shipped
 * configuration as it is, but for the addresses a test must choose.
 */
export function substituteExactlyOnce(text: string, replacements: Record<string, string>): string {
  let out = text;
  for (const [from, to] of Object.entries(replacements)) {
    const count = out.split(from).length - 1;
    if (count !== 1) throw new Error(`"${from}" occurs ${count} times in the shipped file, expected once`);
    out = out.replace(from, to);
  }
  return out;
}
