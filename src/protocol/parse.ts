import * as v from 'valibot';

export type ParseFailure = {
  ok: false;
  code: 'bad_json' | 'bad_message';
  message: string;
  issues?: Record<string, string[]>;
  /** The message's own req_id when it had a usable one, so the error can be matched to it. */
  reqId?: string | number;
  /** The message's `type` as sent (anything), for rooms that say more about a wrong type. */
  type?: unknown;
  /** valibot's issues, for rooms that pick a finer code (e.g. too_large for an over-long field). */
  problems?: readonly v.BaseIssue<unknown>[];
};

export type ParseResult<T> = { ok: true; value: T } | ParseFailure;

/**
 * Parse untrusted JSON text against a schema; bad input comes back as data, never a throw.
 * The text is parsed once: a failure carries the req_id and type the client sent.
 */
export function parseJsonMessage<S extends v.GenericSchema>(schema: S, text: string): ParseResult<v.InferOutput<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_json', message: 'message is not valid JSON' };
  }
  const result = parseValue(schema, raw);
  if (result.ok) return result;
  const sent = typeof raw === 'object' && raw !== null ? (raw as { req_id?: unknown; type?: unknown }) : {};
  const reqId = usableReqId(sent.req_id);
  return { ...result, ...(reqId !== undefined ? { reqId } : {}), type: sent.type };
}

export function parseValue<S extends v.GenericSchema>(schema: S, raw: unknown): ParseResult<v.InferOutput<S>> {
  const result = v.safeParse(schema, raw);
  if (result.success) return { ok: true, value: result.output };
  return { ok: false, code: 'bad_message', message: describeIssues(result.issues), issues: flattenIssues(result.issues), problems: result.issues };
}

/** Echoed back only when it is something a client could have meant as an id. */
function usableReqId(id: unknown): string | number | undefined {
  return (typeof id === 'string' && id.length <= 64) || (typeof id === 'number' && Number.isSafeInteger(id)) ? id : undefined;
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
