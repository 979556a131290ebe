import type { z } from 'zod';

/**
 * A precompiled check for a schema on a hot route: it answers exactly what `schema.parse` would
 * for the inputs it accepts, and `undefined` for everything else, which then goes through zod
 * (so every error, with its message and path, is still zod's). zod's parse of a one-field object
 * allocates its context, issues list and result on every call; the check allocates the result only.
 */
export type FastParse = (value: unknown) => unknown;

const fastParsers = new WeakMap<z.ZodType, FastParse>();

/** Registers `check` as `schema`'s fast path and returns the schema. */
export function withFastParse<S extends z.ZodType>(
  schema: S,
  check: (value: unknown) => z.output<S> | undefined,
): S {
  fastParsers.set(schema, check);
  return schema;
}

/** `schema.parse`, through its fast path when it has one and the path accepts the value. */
export function parserFor(schema: z.ZodType): (value: unknown) => unknown {
  const fast = fastParsers.get(schema);
  if (!fast) return (value) => schema.parse(value);
  return (value) => {
    const parsed = fast(value);
    return parsed !== undefined ? parsed : schema.parse(value);
  };
}
