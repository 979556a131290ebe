import { z } from 'zod';
import { queryInt } from '../../http/schemas.js';

// Character rules (no globs in keys, cache namespaces only for prefixes) are enforced by the cache module.
export const keysQuery = z.object({
  pattern: z
    .string()
    .max(128)
    .optional()
    .meta({ description: 'SCAN MATCH glob, e.g. data:*', example: 'data:*' }),
  cursor: z
    .string()
    .max(64)
    .optional()
    .meta({ description: 'From the previous page; "0" or absent to start' }),
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
