import type { Context } from 'hono';
import * as v from 'valibot';
import { StageSchema, type Stage } from '../protocol/production-ops.ts';
import { badRequest } from '../errors.ts';

/** `?stage=live|draft` (default live), validated. */
export function stageOf(c: Context): Stage {
  const parsed = v.safeParse(v.optional(StageSchema, 'live'), c.req.query('stage'));
  if (!parsed.success) throw badRequest('bad_stage', parsed.issues[0].message);
  return parsed.output;
}
