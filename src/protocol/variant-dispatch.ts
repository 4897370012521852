/**
 * A `type`-keyed variant checked in one step. valibot's `variant` tries its options in order
 * and, for each one whose `type` literal does not match, builds an issue (with its message)
 * before moving on: a `patch` op, 9th of the moderator options, paid ~8 of them per frame, and
 * each overlay's `overlay.applied` report two. Picking the option by the message's `type` runs
 * the same option schema on the same input, so the result (output or issues) is the same; any
 * other input (no object, no known `type`) goes through the whole variant as before.
 */
import * as v from 'valibot';

type Options = readonly v.GenericSchema[];
interface VariantLike {
  type: string;
  key?: string;
  options?: Options;
  entries?: Record<string, { type: string; literal?: unknown }>;
}

/** The options of `schema` by their literal `key`, or null when it is not a plain variant on `key`. */
function optionsByLiteral(schema: VariantLike, key: string, into = new Map<unknown, v.GenericSchema | null>()): Map<unknown, v.GenericSchema | null> | null {
  if (schema.type !== 'variant' || schema.key !== key || !schema.options) return null;
  for (const option of schema.options as readonly (v.GenericSchema & VariantLike)[]) {
    if (option.type === 'variant') {
      if (!optionsByLiteral(option, key, into)) return null;
      continue;
    }
    const discriminator = option.entries?.[key];
    if (!discriminator || discriminator.type !== 'literal') return null;
    // Two options on one literal: the variant's order decides, so leave that literal to it.
    into.set(discriminator.literal, into.has(discriminator.literal) ? null : option);
  }
  return into;
}

/** `schema` (a variant on `key`) with its option picked by `input[key]`; unchanged when that is not possible. */
export function dispatchOn<S extends v.GenericSchema>(schema: S, key = 'type'): v.GenericSchema<unknown, v.InferOutput<S>> {
  const byLiteral = optionsByLiteral(schema as unknown as VariantLike, key);
  if (!byLiteral) return schema;
  return v.lazy((input: unknown) => {
    if (typeof input !== 'object' || input === null || !Object.hasOwn(input, key)) return schema;
    return byLiteral.get((input as Record<string, unknown>)[key]) ?? schema;
  }) as v.GenericSchema<unknown, v.InferOutput<S>>;
}
