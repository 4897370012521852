import * as v from 'valibot';

export type ParseResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: 'bad_json' | 'bad_message'; message: string; issues?: Record<string, string[]> };

/** Parse untrusted JSON text against a schema; bad input comes back as data, never a throw. */
export function parseJsonMessage<S extends v.GenericSchema>(schema: S, text: string): ParseResult<v.InferOutput<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_json', message: 'message is not valid JSON' };
  }
  return parseValue(schema, raw);
}

export function parseValue<S extends v.GenericSchema>(schema: S, raw: unknown): ParseResult<v.InferOutput<S>> {
  const result = v.safeParse(schema, raw);
  if (result.success) return { ok: true, value: result.output };
  return { ok: false, code: 'bad_message', message: describeIssues(result.issues), issues: flattenIssues(result.issues) };
}

export function flattenIssues(issues: readonly v.BaseIssue<unknown>[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of issues) {
    const path = v.getDotPath(issue) ?? '$';
    (out[path] ??= []).push(issue.message);
  }
  return out;
}

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0];
  if (!first) return 'invalid message';
  const path = v.getDotPath(first);
  return path ? `${path}: ${first.message}` : first.message;
}
