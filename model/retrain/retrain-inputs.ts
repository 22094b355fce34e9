/**
 * What `npm run retrain` and `npm run gate` read before they judge: the pseudonym key (the demo's
 * when unset, said so), the purchase events (exported from the store with the project's own
 * exporter unless files are given) and the serving artifact's folder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { developmentPseudonymKey } from '../../environment/development-keys.ts';
import type { WindowOptions } from './gate-window.ts';
import { RetrainError } from './retrain-error.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Where `--promote --full` records the champion it made; without that file the stack's default model serves. */
export function servingPointerPath(versionsDir: string): string {
  return join(versionsDir, 'serving.json');
}

/** Exports the store's purchase events with the project's own exporter into `file`. */
function exportEvents(eventsDir: string, file: string, pseudonymKey: string, tokensVerified: boolean): void {
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'server/events/export-cli.ts'),
      ...['--dir', eventsDir, '--types', 'purchase', '--format', 'csv', '--out', file],
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        RECO_PSEUDONYM_KEY: pseudonymKey,
        // The exporter loads the whole proxy config, which insists on a shopper-identity setting
        // it never uses; raw ids are what the event store holds anyway (the export keys them).
        ...(tokensVerified ? {} : { RECO_ALLOW_RAW_USER_IDS: 'true' }),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (result.status !== 0)
    throw new RetrainError('exportFailed', `events:export of ${eventsDir} failed (exit ${result.status})`);
}

/** The inputs as the command line and the environment name them. */
export interface InputOptions {
  events: string[] | undefined;
  eventsDir: string;
  versions: string;
  serving: string | undefined;
  pseudonymKey: string | undefined;
  tokensVerified: boolean;
  /** Prefix of the lines printed (`retrain`, `gate`). */
  command: string;
}

/** The resolved inputs. */
export interface Inputs {
  pseudonymKey: string;
  eventFiles: string[];
  servingDir: string;
  /** The event folder whose erasure log names the customers every gather leaves out. */
  erasureLogDir: string;
}

/** Resolves the key, exports the events when none are given and finds the serving folder. */
export function resolveInputs(options: InputOptions): Inputs {
  let pseudonymKey = options.pseudonymKey;
  if (!pseudonymKey) {
    // The demo's proxy and its first model use this key (demo/processes.ts, scripts/ensure-built.ts).
    console.log(`${options.command}: RECO_PSEUDONYM_KEY is not set; using the demo key, as npm start does`);
    pseudonymKey = developmentPseudonymKey;
  }
  mkdirSync(options.versions, { recursive: true });
  let eventFiles = options.events ?? [];
  if (eventFiles.length === 0) {
    const file = join(options.versions, '.exports', `purchases-${Date.now()}.csv`);
    mkdirSync(join(options.versions, '.exports'), { recursive: true });
    // A scratch copy of the shoppers' purchases: gone when the command ends, so an erasure need not
    // chase it (the version it trains keeps what it learnt; the erasure log keeps the next one clean).
    process.once('exit', () => rmSync(file, { force: true }));
    exportEvents(options.eventsDir, file, pseudonymKey, options.tokensVerified);
    eventFiles = [file];
  }
  const pointer = servingPointerPath(options.versions);
  const servingDir =
    options.serving ??
    (existsSync(pointer)
      ? (JSON.parse(readFileSync(pointer, 'utf8')) as { modelDir: string }).modelDir
      : join(root, 'model/artifacts/model'));
  return { pseudonymKey, eventFiles, servingDir, erasureLogDir: options.eventsDir };
}

/** The test window's options from the command line's and the resolved inputs (`retrain`, `gate`). */
export function windowOptionsOf(
  options: { history: string; 'keep-history-dates': boolean; windowDays: number },
  inputs: Inputs,
): WindowOptions {
  return {
    historyDir: options.history,
    eventFiles: inputs.eventFiles,
    servingDir: inputs.servingDir,
    pseudonymKey: inputs.pseudonymKey,
    rebaseHistory: !options['keep-history-dates'],
    erasureLogDir: inputs.erasureLogDir,
    windowDays: options.windowDays,
  };
}
