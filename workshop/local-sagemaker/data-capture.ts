/**
 * The stand-in's data capture: what an endpoint with `DataCaptureConfig` (Input and Output, JSON
 * content types as text) writes to S3, written to a local folder in the same layout
 * (`<dir>/<endpoint>/<variant>/yyyy/mm/dd/hh/<file>.jsonl`, `contracts/data-capture.ts`), so
 * `npm run monitor -- --capture-dir DIR` reads what the local endpoint answered. Only answered
 * calls are captured (a ModelError has no output to capture). Appends synchronously: a capture is
 * a few hundred bytes, and a record is whole on disk once the call has answered.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CaptureRecord, capturedPayload, captureHourPath } from '../../contracts/data-capture.ts';

/** Where and how much to capture. */
export interface DataCaptureOptions {
  /** The local folder standing for `DestinationS3Uri`. */
  dir: string;
  /** Share of calls captured, 0..100 (`InitialSamplingPercentage`); default 100. */
  samplingPercent?: number;
  random?: () => number;
  now?: () => Date;
}

/** One answered call. */
export interface AnsweredCall {
  endpointName: string;
  variantName: string;
  inferenceId: string | undefined;
  input: { contentType: string; body: Buffer };
  output: { contentType: string; body: Buffer };
}

/** Returns the function the relay calls after each answered call. */
export function dataCaptureWriter(options: DataCaptureOptions): (call: AnsweredCall) => void {
  const sampling = options.samplingPercent ?? 100;
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => new Date());
  // SageMaker rolls files over; one file per process and hour keeps the layout without many small files.
  const fileName = `${randomUUID()}.jsonl`;
  return (call) => {
    if (random() * 100 >= sampling) return;
    const at = now();
    const record: CaptureRecord = {
      captureData: {
        endpointInput: capturedPayload('INPUT', call.input.contentType, call.input.body),
        endpointOutput: capturedPayload('OUTPUT', call.output.contentType, call.output.body),
      },
      eventMetadata: {
        eventId: randomUUID(),
        ...(call.inferenceId === undefined ? {} : { inferenceId: call.inferenceId }),
        inferenceTime: at.toISOString(),
      },
      eventVersion: '0',
    };
    const folder = join(options.dir, captureHourPath(call.endpointName, call.variantName, at));
    mkdirSync(folder, { recursive: true });
    appendFileSync(join(folder, fileName), `${JSON.stringify(record)}\n`);
  };
}
