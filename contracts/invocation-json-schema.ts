/**
 * The JSON Schemas (draft 2020-12) of the `/invocations` bodies and answers, generated from the
 * zod schemas in `invocation.ts` so a container in any language can validate against the same
 * definition. `npm run contracts:schemas` writes them beside this file;
 * `invocation-json-schema.test.ts` fails when the committed files differ from what this generates.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  batchInvocationAnswerSchema,
  batchInvocationSchema,
  invocationAnswerSchema,
  invocationSchema,
} from './invocation.ts';

/** A schema's `$id`: a name, not an address (the files travel with the code, not from a server). */
const idOf = (file: string): string => `urn:reco-shelf:contracts:${file.replace(/\.schema\.json$/, '')}`;

/** Each file's name and its schema: requests as a caller writes them (defaults optional), answers as read. */
export function invocationJsonSchemas(): Record<string, object> {
  const generate = (schema: z.ZodType, io: 'input' | 'output', file: string) => ({
    ...z.toJSONSchema(schema, { target: 'draft-2020-12', io }),
    $id: idOf(file),
  });
  const files: Array<[string, z.ZodType, 'input' | 'output']> = [
    ['invocation-request.schema.json', invocationSchema, 'input'],
    ['invocation-answer.schema.json', invocationAnswerSchema, 'output'],
    ['batch-invocation-request.schema.json', batchInvocationSchema, 'input'],
    ['batch-invocation-answer.schema.json', batchInvocationAnswerSchema, 'output'],
  ];
  return Object.fromEntries(files.map(([file, schema, io]) => [file, generate(schema, io, file)]));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // A build step for a person: it says what it wrote.
  const written = Object.entries(invocationJsonSchemas()).map(([file, schema]) => {
    const path = fileURLToPath(new URL(`./${file}`, import.meta.url));
    writeFileSync(path, JSON.stringify(schema));
    return path;
  });
  // Biome lays them out as every JSON file of the tree; the test compares the parsed values.
  execFileSync('npx', ['biome', 'format', '--write', ...written], { stdio: 'inherit' });
  console.log(`wrote ${written.length} schemas: ${written.map((path) => path.split('/').pop()).join(', ')}`);
}
