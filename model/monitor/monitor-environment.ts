/**
 * What `npm run monitor` reads from its environment: the event store as the proxy keeps it (same
 * variables, same defaults, same parsers) and the pseudonym key the model was trained with.
 */
import { nonEmptyText, sagemakerEndpointName, secretKey, wholeNumber } from '../../environment/parsers.ts';
import { type EnvironmentTable, readEnvironment } from '../../environment/read-environment.ts';
import { knownEnvironmentVariables, defaults as proxyDefaults } from '../../server/config.ts';

export const monitorDefaults = {
  eventsDir: proxyDefaults.eventsDir,
  eventsDedupHours: proxyDefaults.eventsDedupHours,
  eventsSegmentSeconds: proxyDefaults.eventsSegmentSeconds,
  pseudonymKey: undefined as string | undefined,
  endpointName: proxyDefaults.endpointName,
};

/** Each variable the monitor reads, and the option it sets. */
export const monitorEnvironment = {
  RECO_EVENTS_DIR: ['eventsDir', nonEmptyText],
  RECO_EVENTS_DEDUP_HOURS: ['eventsDedupHours', wholeNumber(1, 24 * 30, 'hours, 1..720')],
  RECO_EVENTS_SEGMENT_SECONDS: ['eventsSegmentSeconds', wholeNumber(1)],
  RECO_PSEUDONYM_KEY: ['pseudonymKey', secretKey],
  SAGEMAKER_ENDPOINT_NAME: ['endpointName', sagemakerEndpointName],
} as const satisfies EnvironmentTable<typeof monitorDefaults>;

/**
 * The monitor's settings from `env`; throws `InvalidEnvironmentError` for a bad variable or a
 * `RECO_*` one no process reads (the proxy's own pass: the monitor runs with the proxy's env file).
 */
export function readMonitorEnvironment(env: NodeJS.ProcessEnv = process.env): typeof monitorDefaults {
  return readEnvironment('monitor', monitorDefaults, monitorEnvironment, env, {
    unknown: { prefix: 'RECO_', known: knownEnvironmentVariables },
  });
}
