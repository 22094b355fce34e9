/**
 * `npm start` with a model container of your own: `npm start -- --container-url http://127.0.0.1:9000`
 * or `MODEL_CONTAINER_URL=…`. The stack then starts no container; the SageMaker stand-in routes to
 * that one, and calls get `ModelNotReadyException` until its `/ping` answers 200 (as SageMaker keeps an
 * endpoint out of service until then). See model/README.md "Bring your own container".
 */
import { parseArgs } from 'node:util';

/** The outside container's base URL, from `--container-url` or `MODEL_CONTAINER_URL`; undefined: start our own. */
export function outsideContainerUrl(argv: string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { values } = parseArgs({ args: argv, options: { 'container-url': { type: 'string' } }, strict: false });
  const given = values['container-url'];
  const raw = typeof given === 'string' ? given : env.MODEL_CONTAINER_URL || undefined;
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`start: --container-url / MODEL_CONTAINER_URL "${raw}" is not a URL (http://host:port)`);
  }
  if (url.protocol !== 'http:' || url.pathname !== '/' || url.search !== '') {
    throw new Error(`start: --container-url / MODEL_CONTAINER_URL must be http://host:port, got "${raw}"`);
  }
  return url.origin;
}
