import { z } from 'zod';
import { queryInt } from '../../http/schemas.js';

/** Redis' SCAN cursor is an unsigned 64-bit integer; anything above is refused by Redis itself. */
const MAX_SCAN_CURSOR = 2n ** 64n - 1n;

/**
 * `<cursor>` or, on a cluster, `<node>-<cursor>`, checked here so a cursor Redis would refuse
 * (20 digits past 2^64 - 1) is a 400 before any Redis call.
 */
const CURSOR = /^(\d{1,4}-)?(\d{1,20})$/;
const scanCursor = z
  .string()
  .refine((v) => CURSOR.test(v), 'the cursor a previous page returned ("0" to start)')
  .refine((v) => {
    const digits = CURSOR.exec(v)?.[2];
    // zod runs every check: this one must not throw on what the previous one refused.
    return digits === undefined || BigInt(digits) <= MAX_SCAN_CURSOR;
  }, 'above the largest SCAN cursor (2^64 - 1)')
  .meta({ description: 'From the previous page; "0" or absent to start', example: '0' });

// Character rules (no globs in keys, cache namespaces only for prefixes) are enforced by the cache module.
export const keysQuery = z.object({
  pattern: z
    .string()
    .max(128)
    .optional()
    .meta({ description: 'SCAN MATCH glob, e.g. data:*', example: 'data:*' }),
  cursor: scanCursor.optional(),
  count: queryInt(1, 1000).optional(),
});
export const keyQuery = z.object({ key: z.string().min(1).max(1024).meta({ example: 'data:prod1' }) });
export const prefixQuery = z.object({ prefix: z.string().min(1).max(256).meta({ example: 'data:' }) });

const keyInfo = {
  key: z.string(),
  type: z.string(),
  ttl_ms: z.number().nullable(),
  size_bytes: z.number().nullable(),
};
export const keyInfoSchema = z.object(keyInfo).meta({ id: 'KeyInfo' });
export const keysResponse = z
  .object({ cursor: z.string(), keys: z.array(keyInfoSchema) })
  .meta({ id: 'CacheKeysResponse' });
export const keyResponse = z.object({ ...keyInfo, value: z.unknown() }).meta({ id: 'CacheKeyResponse' });
export const deleteKeyResponse = z.object({ deleted: z.boolean() }).meta({ id: 'DeleteKeyResponse' });
export const deletePrefixResponse = z
  .object({ deleted: z.number().int() })
  .meta({ id: 'DeletePrefixResponse' });
