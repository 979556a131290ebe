import { z } from 'zod';
import { withFastParse } from './fast-parse.js';

/**
 * Schemas shared by several features. Ids and categories follow @app/redis-core's key rules
 * (keys.validateId / validateCategory), restated here so a bad value is a 400 before any
 * Redis call and the rule shows in the OpenAPI document.
 */

const ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

export const idSchema = z
  .string()
  .regex(ID_PATTERN, "expected 1-128 characters of letters, digits, '_', '.' or '-'")
  .refine((v) => v !== '.' && v !== '..', "'.' and '..' are not ids")
  .meta({ description: 'Product id', example: 'prod1' });

export const categorySchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_-]{1,64}$/, "expected 1-64 characters of a-z, 0-9, '_' or '-'")
  .meta({ description: 'Category (lower-cased)', example: 'electronics' });

/** `{ id }` route params; a valid id skips zod (GET /api/data/:id is the hottest route). */
export const idParams = withFastParse(z.object({ id: idSchema }), (value) => {
  const id = (value as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' && ID_PATTERN.test(id) && id !== '.' && id !== '..' ? { id } : undefined;
});

/** A non-negative integer from a query string (`?limit=10`). */
export const queryInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const queryNumber = () => z.coerce.number().finite();

export const productResponseSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    price: z.number(),
    category: z.string(),
    in_stock: z.boolean(),
    features: z.array(z.string()),
  })
  .meta({
    id: 'Product',
    example: {
      id: 'prod1',
      name: 'Smartphone Premium',
      price: 899.99,
      category: 'electronics',
      in_stock: true,
      features: ['5G', 'HDR Display', 'Water Resistant'],
    },
  });

export const errorSchema = z
  .object({
    error: z.string(),
    code: z.string().meta({ example: 'E_VALIDATION' }),
    issues: z
      .array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() }))
      .optional(),
  })
  .meta({ id: 'Error' });

export const cacheSourceSchema = z.enum(['cache', 'database']);

/** Standard error answers, to spread into a route's `responses`. */
export const errors = {
  badRequest: { 400: { description: 'Invalid input', schema: errorSchema } },
  unauthorized: {
    401: { description: 'Missing or wrong admin token, or admin disabled', schema: errorSchema },
  },
  notFound: { 404: { description: 'Not found', schema: errorSchema } },
  conflict: { 409: { description: 'Conflict', schema: errorSchema } },
  tooLarge: { 413: { description: 'Body larger than the limit', schema: errorSchema } },
  rateLimited: { 429: { description: 'Too many requests (see Retry-After)', schema: errorSchema } },
  unavailable: { 503: { description: 'Redis unavailable or out of memory', schema: errorSchema } },
} as const;
