/**
 * SageMaker brings an endpoint (or a new variant) into service only once its container answers
 * `GET /ping` with 200, within 2 s a ping; before that no invocation reaches the container. The
 * stand-in does the same: it pings each variant's container until it answers 200 (logging when it
 * does, and warning while it does not), and a call routed to a container never yet seen healthy gets
 * SageMaker's `ModelNotReadyException` instead of the container. A call that arrives first pings at
 * once rather than waiting for the next round, so a test needs no pause between start and call.
 */
import http from 'node:http';
import type { Logger } from 'pino';

/** SageMaker's limit on one `/ping`. */
export const pingTimeoutMs = 2000;
/** How often a container not yet healthy is pinged again. */
export const pingEveryMs = 250;
/** After this long without a 200 the stand-in warns (once per container): a broken `/ping` is the usual cause. */
export const pingPatienceMs = 10_000;

/** Which containers have answered `/ping` with 200, and the rounds that ask the others. */
export class ContainerReadiness {
  readonly #healthy = new Set<string>();
  readonly #asking = new Map<string, Promise<boolean>>();
  readonly #watched = new Map<string, { timer: NodeJS.Timeout; since: number; warned: boolean; name: string }>();

  constructor(private readonly logger: Logger) {}

  /** True once the container at `url` has answered `/ping` with 200; otherwise pings it now (once, shared). */
  async ready(url: string): Promise<boolean> {
    if (this.#healthy.has(url)) return true;
    let asking = this.#asking.get(url);
    if (!asking) {
      asking = ping(url).then((ok) => {
        this.#asking.delete(url);
        if (ok) this.#healthy.add(url);
        return ok;
      });
      this.#asking.set(url, asking);
    }
    return asking;
  }

  /** Pings every variant's container not yet healthy until it is; forgets containers no variant names. */
  watch(variants: ReadonlyArray<{ name: string; url: string }>): void {
    const urls = new Set(variants.map((v) => v.url));
    for (const [url, watch] of this.#watched) {
      if (!urls.has(url)) {
        clearTimeout(watch.timer);
        this.#watched.delete(url);
      }
    }
    for (const { name, url } of variants) {
      if (this.#healthy.has(url) || this.#watched.has(url)) continue;
      const watch = { timer: setTimeout(() => {}, 0), since: Date.now(), warned: false, name };
      const round = async (): Promise<void> => {
        if (await this.ready(url)) {
          this.#watched.delete(url);
          this.logger.info({ variant: name, url }, 'local-sagemaker: the container answered /ping 200; in service');
          return;
        }
        if (!watch.warned && Date.now() - watch.since > pingPatienceMs) {
          watch.warned = true;
          this.logger.warn(
            { variant: name, url, seconds: Math.round((Date.now() - watch.since) / 1000) },
            'local-sagemaker: the container has not answered GET /ping with 200; calls get ModelNotReadyException',
          );
        }
        if (this.#watched.get(url) === watch) watch.timer = setTimeout(round, pingEveryMs).unref();
      };
      this.#watched.set(url, watch);
      clearTimeout(watch.timer);
      watch.timer = setTimeout(round, 0).unref();
    }
  }

  /** Stops every round (the runtime is closing). */
  stop(): void {
    for (const watch of this.#watched.values()) clearTimeout(watch.timer);
    this.#watched.clear();
  }
}

/** One `GET /ping` on its own connection (closed after: nothing of the stand-in lingers in a container). */
function ping(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/ping`, { agent: false, timeout: pingTimeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
