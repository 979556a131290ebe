import type {
  CacheKeyResponse,
  CacheKeysResponse,
  DeleteKeyResponse,
  DeletePrefixResponse,
} from '@app/api-types';
import { type KeyAccess, ValidationError } from '@app/redis-core';
import type { Request } from 'express';
import type { AppContext } from '../../context.js';
import { adminRequired, bearerCheck } from '../../http/admin-auth.js';
import { notFound } from '../../http/app-error.js';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import { errorSchema, errors } from '../../http/schemas.js';
import {
  deleteKeyResponse,
  deletePrefixResponse,
  keyQuery,
  keyResponse,
  keysQuery,
  keysResponse,
  prefixQuery,
} from './schemas.js';

export function cacheKeyRoutes(ctx: AppContext): AnyRoute[] {
  const { cache, keys } = ctx;
  const admin = { ...errors.badRequest, ...errors.unauthorized, ...errors.unavailable };
  // Reads are open, but what they reach is not: keys.access() says which key spaces an anonymous
  // caller may see (cache entries, query cache, catalog); the rest needs the admin token.
  const isAdmin = bearerCheck(ctx.config.adminToken);
  const scopeOf = (req: Request): KeyAccess => (isAdmin(req) ? 'admin' : 'public');

  /** Deletes one cache key; catalog, stats and queue keys are refused (they are data, not cache). */
  async function deleteCacheKey(key: string): Promise<boolean> {
    const id = keys.idFromCacheKey(key);
    if (id !== null) return cache.invalidate(id);
    if (key.startsWith(keys.queryCachePrefix) && key !== keys.queryVersion()) {
      // Query entries end with a fixed-length hash, so the prefix matches this key alone.
      return (await cache.invalidatePrefix(key)) > 0;
    }
    throw new ValidationError(
      `key: only cache keys can be deleted here (${keys.cachePrefix}<id> or ${keys.queryCachePrefix}…); use the catalog routes for products`,
    );
  }

  return [
    defineRoute({
      method: 'get',
      path: '/api/cache/keys',
      tag: 'cache',
      summary: 'One SCAN page of keys with type, TTL and size (never KEYS)',
      description:
        'Without the admin token only the cache and catalog key spaces are listed (data:, the query cache, db:); other keys of the page are left out. With it, every key the API may read.',
      request: { query: keysQuery },
      responses: {
        200: { description: 'A page; cursor "0" = done', schema: keysResponse },
        ...errors.badRequest,
        ...errors.unavailable,
      },
      handler: async ({ query }, req, res) => {
        const page = await cache.scanKeys({
          pattern: query.pattern,
          cursor: query.cursor,
          count: query.count,
          scope: scopeOf(req),
        });
        const answer: CacheKeysResponse = {
          cursor: page.cursor,
          keys: page.keys.map((k) => ({
            key: k.key,
            type: k.type,
            ttl_ms: k.ttlMs,
            size_bytes: k.sizeBytes,
          })),
        };
        res.json(answer);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/cache/key',
      tag: 'cache',
      summary: "One key's metadata and value (first 100 members of collections)",
      description:
        "Keys outside the cache and catalog key spaces need the admin token (401 before any Redis call); a key the API's Redis user may not read is 403 E_REDIS_NOPERM.",
      request: { query: keyQuery },
      responses: {
        200: { description: 'The key', schema: keyResponse },
        ...errors.badRequest,
        ...errors.unauthorized,
        403: { description: "The API's Redis user may not read this key", schema: errorSchema },
        ...errors.notFound,
        ...errors.unavailable,
      },
      handler: async ({ query }, req, res) => {
        if (keys.access(query.key) !== 'public' && !isAdmin(req)) {
          throw adminRequired('this key space', Boolean(ctx.config.adminToken));
        }
        const found = await cache.inspect(query.key);
        if (!found) throw notFound(`key '${query.key}' does not exist`);
        const answer: CacheKeyResponse = {
          key: found.key,
          type: found.type,
          ttl_ms: found.ttlMs,
          size_bytes: found.sizeBytes,
          value: found.value,
        };
        res.json(answer);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/cache/key',
      tag: 'cache',
      admin: true,
      summary: 'Delete one cache key (data:<id> or a query-cache entry)',
      request: { query: keyQuery },
      responses: { 200: { description: 'Whether it existed', schema: deleteKeyResponse }, ...admin },
      handler: async ({ query }, _req, res) => {
        const answer: DeleteKeyResponse = { deleted: await deleteCacheKey(query.key) };
        res.json(answer);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/cache/prefix',
      tag: 'cache',
      admin: true,
      summary: 'Delete every cache key under a prefix (cache namespaces only, never db:)',
      request: { query: prefixQuery },
      responses: {
        200: { description: 'How many keys were removed', schema: deletePrefixResponse },
        ...admin,
      },
      handler: async ({ query }, _req, res) => {
        const answer: DeletePrefixResponse = { deleted: await cache.invalidatePrefix(query.prefix) };
        res.json(answer);
      },
    }),
  ];
}
