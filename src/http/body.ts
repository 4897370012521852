/**
 * Request bodies from curl scripts come as JSON or as forms (the FastAPI version took forms); both land
 * in one plain object, validated by the route's schema. Size is bounded before parsing.
 */
import type { Context } from 'hono';
import * as v from 'valibot';
import { AppError, badRequest } from '../errors.ts';
import { parseValue } from '../protocol/parse.ts';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export async function readBody(c: Context, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
  const declared = Number(c.req.header('content-length') ?? NaN);
  if (declared > limit) throw new AppError(413, 'too_large', `body is larger than ${limit} bytes`);
  // With a declared length the HTTP parser delivers exactly that many bytes, so the whole body
  // may be read at once (@hono/node-server then reads the socket directly instead of building a
  // web Request and stream for it: an eighth of a key consume's CPU). Chunked bodies are counted.
  const text = Number.isFinite(declared) ? await c.req.raw.text() : await readLimited(c.req.raw, limit);
  if (text.trim() === '') return {};
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  if (type.includes('multipart/form-data')) {
    // A malformed body (or no boundary) makes formData() throw a TypeError: the client's fault, not a 500.
    const form = await new Response(text, { headers: { 'content-type': type } }).formData().catch(() => {
      throw badRequest('bad_form', 'body is not valid multipart/form-data');
    });
    return Object.fromEntries([...form.entries()].filter(([, value]) => typeof value === 'string'));
  }
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('bad_json', 'body is not valid JSON');
  }
}

/** Read and validate in one step; a schema violation becomes 400 with the issues by field. */
export async function readValidBody<S extends v.GenericSchema>(c: Context, schema: S, limit?: number): Promise<v.InferOutput<S>> {
  return validBody(schema, await readBody(c, limit));
}

/** Validate an already read body the same way. */
export function validBody<S extends v.GenericSchema>(schema: S, body: unknown): v.InferOutput<S> {
  const parsed = parseValue(schema, body);
  if (!parsed.ok) throw badRequest('bad_request', parsed.message, parsed.issues);
  return parsed.value;
}

async function readLimited(request: Request, limit: number): Promise<string> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new AppError(413, 'too_large', `body is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}
