/**
 * SageMaker's data capture, as an endpoint with `DataCaptureConfig` writes it: JSON Lines under
 * `<DestinationS3Uri>/<EndpointName>/<VariantName>/yyyy/mm/dd/hh/<file>.jsonl`, one record a line:
 *
 *   {"captureData":{"endpointInput":{"observedContentType","mode":"INPUT","data","encoding"},
 *                   "endpointOutput":{…,"mode":"OUTPUT",…}},
 *    "eventMetadata":{"eventId","inferenceId"?,"inferenceTime"},"eventVersion":"0"}
 *
 * A content type listed in `CaptureContentTypeHeader.JsonContentTypes` is kept as text with
 * `encoding: "JSON"`; anything else is base64 (`"BASE64"`). `inferenceId` is the call's
 * InferenceId: the proxy sends its `requestId`, so a captured answer joins the shop's events.
 * One definition, for the writer (the local stand-in) and the reader (`npm run monitor`).
 */

/** One side of a captured call. */
export interface CapturedPayload {
  observedContentType: string;
  mode: 'INPUT' | 'OUTPUT';
  data: string;
  encoding: 'JSON' | 'CSV' | 'BASE64';
}

/** One line of a data-capture file. */
export interface CaptureRecord {
  captureData: { endpointInput: CapturedPayload; endpointOutput: CapturedPayload };
  eventMetadata: { eventId: string; inferenceId?: string; inferenceTime: string };
  eventVersion: '0';
}

/** Content types captured as text, as `deploy`'s `CaptureContentTypeHeader.JsonContentTypes` says. */
export const jsonContentTypes = ['application/json'] as const;

/** A payload as capture stores it: JSON text for a JSON content type, else base64. */
export function capturedPayload(mode: CapturedPayload['mode'], contentType: string, body: Buffer): CapturedPayload {
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  const json = (jsonContentTypes as readonly string[]).includes(type);
  return {
    observedContentType: contentType,
    mode,
    data: json ? body.toString('utf8') : body.toString('base64'),
    encoding: json ? 'JSON' : 'BASE64',
  };
}

/** The payload's bytes as the endpoint saw them, whatever the encoding. */
export function payloadText(payload: CapturedPayload): string {
  return payload.encoding === 'BASE64' ? Buffer.from(payload.data, 'base64').toString('utf8') : payload.data;
}

const two = (n: number): string => String(n).padStart(2, '0');

/** The folder of an hour's files below the destination: `<endpoint>/<variant>/yyyy/mm/dd/hh` (UTC). */
export function captureHourPath(endpointName: string, variantName: string, at: Date): string {
  const day = `${at.getUTCFullYear()}/${two(at.getUTCMonth() + 1)}/${two(at.getUTCDate())}`;
  return `${endpointName}/${variantName}/${day}/${two(at.getUTCHours())}`;
}

/** Reads `yyyy/mm/dd/hh` folder names back into the hour's start (epoch ms), or undefined. */
export function hourOfCapturePath(parts: readonly string[]): number | undefined {
  if (parts.length !== 4 || !parts.every((p) => /^\d+$/.test(p))) return undefined;
  const [y, m, d, h] = parts.map(Number) as [number, number, number, number];
  const at = Date.UTC(y, m - 1, d, h);
  return Number.isFinite(at) ? at : undefined;
}
