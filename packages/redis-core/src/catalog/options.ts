import { z } from 'zod';
import { ValidationError } from '../errors.js';

/**
 * Query options of the catalog's reads. Numbers may arrive as numeric strings (straight from a
 * query string); anything else is a ValidationError (400) before Redis is asked.
 */

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 1000;
export const MAX_LIST_LIMIT = 100_000;
export const DEFAULT_SEARCH_LIMIT = 20;
export const MAX_SEARCH_LIMIT = 100;

const numeric = (schema: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), schema);
const offset = numeric(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)).optional();
const limit = (max: number) => numeric(z.number().int().min(0).max(max)).optional();
const consistent = z.boolean().optional();

const listOptions = z.object({ offset, limit: limit(MAX_LIST_LIMIT), consistent }).strict();
const categoryOptions = z
  .object({
    offset,
    limit: limit(MAX_PAGE_LIMIT),
    sort: z.enum(['price', '-price', 'name']).optional(),
    consistent,
  })
  .strict();
const priceOptions = z
  .object({
    // Left out = unbounded on that side.
    min: numeric(z.number()).optional(),
    max: numeric(z.number()).optional(),
    offset,
    limit: limit(MAX_PAGE_LIMIT),
    desc: z.boolean().optional(),
    consistent,
  })
  .strict()
  .refine((o) => o.min === undefined || o.max === undefined || o.min <= o.max, {
    message: 'min must be <= max',
  });
const searchOptions = z.object({ limit: limit(MAX_SEARCH_LIMIT), consistent }).strict();

function parse<T>(schema: z.ZodType<T>, what: string, input: unknown): T {
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    throw new ValidationError(
      `invalid ${what}: ${z.prettifyError(result.error).replace(/\n/g, ' ')}`,
      result.error.issues,
    );
  }
  return result.data;
}

export type ReadOptions = { consistent?: boolean };
export type ListOptions = z.input<typeof listOptions>;
export type CategoryOptions = z.input<typeof categoryOptions>;
export type PriceOptions = z.input<typeof priceOptions>;
export type SearchOptions = z.input<typeof searchOptions>;

export const parseListOptions = (o: unknown) => parse(listOptions, 'list options', o);
export const parseCategoryOptions = (o: unknown) => parse(categoryOptions, 'category options', o);
export const parsePriceOptions = (o: unknown) => parse(priceOptions, 'price range options', o);
export const parseSearchOptions = (o: unknown) => parse(searchOptions, 'search options', o);
export const parseReadOptions = (o: unknown) => parse(z.object({ consistent }).strict(), 'read options', o);
