/**
 * The cloud-weather switch: one mutable setting that decides how invocations misbehave,
 * plus the bookkeeping that proves a hanging call frees its state when the client leaves.
 */
import { z } from 'zod';
import { DEFAULT_SLOW_LATENCY_MS } from './defaults.ts';

/** Every weather the runtime can simulate. */
export const WEATHER_MODES = ['normal', 'slow', 'hang', 'error', 'throttle', 'garbage', 'reset'] as const;

/** One weather: how invocations are answered. */
export type WeatherMode = (typeof WEATHER_MODES)[number];

/** The weather as `GET /_weather` reports it. */
export interface WeatherSetting {
  mode: WeatherMode;
  latencyMs: number;
}

/** Longest delay `slow` accepts (10 min), so a typo cannot park calls for days. */
const MAX_LATENCY_MS = 600_000;

const weatherUpdateSchema = z
  .object({
    mode: z.enum(WEATHER_MODES),
    latencyMs: z.number().int().min(0).max(MAX_LATENCY_MS).optional(),
  })
  .strict();

/** Thrown by `parseWeatherSetting`; the message names the field at fault (`mode`, `latencyMs`, or `body`). */
export class InvalidWeatherSettingError extends Error {
  /** The field at fault, or `body` when the body as a whole is wrong (not an object, an unknown key). */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = 'InvalidWeatherSettingError';
    this.field = field;
  }
}

/**
 * Validates a `POST /_weather` body; an omitted `latencyMs` means the default 1500 ms.
 * Throws an `InvalidWeatherSettingError` naming the field for anything else.
 */
export function parseWeatherSetting(input: unknown): WeatherSetting {
  const parsed = weatherUpdateSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
    throw new InvalidWeatherSettingError(
      field,
      `local-sagemaker: invalid weather setting at ${field}: ${issue?.message ?? 'invalid'} ` +
        `(expected {"mode": ${WEATHER_MODES.map((m) => `"${m}"`).join('|')}, "latencyMs"?: 0..${MAX_LATENCY_MS}})`,
    );
  }
  return { mode: parsed.data.mode, latencyMs: parsed.data.latencyMs ?? DEFAULT_SLOW_LATENCY_MS };
}

/** The current weather and the calls it is holding; shared by the HTTP routes and tests. */
export class WeatherState {
  private setting: WeatherSetting = { mode: 'normal', latencyMs: DEFAULT_SLOW_LATENCY_MS };
  private readonly held = new Set<object>();

  /** The current weather (a copy). */
  get(): WeatherSetting {
    return { ...this.setting };
  }

  /** Replaces the weather; calls already held keep the weather they started with. */
  set(setting: WeatherSetting): void {
    this.setting = { ...setting };
  }

  /** Back to `normal` with the default latency. */
  reset(): void {
    this.set({ mode: 'normal', latencyMs: DEFAULT_SLOW_LATENCY_MS });
  }

  /** How many invocations are being held right now by `slow` or `hang` (0 once their clients left). */
  get heldCount(): number {
    return this.held.size;
  }

  /** Records a held call; the returned function releases it and is safe to call twice. */
  hold(): () => void {
    const token = {};
    this.held.add(token);
    return () => {
      this.held.delete(token);
    };
  }
}
