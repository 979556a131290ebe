import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { ValidationError } from '../errors.js';

/**
 * Query cache support: a cached query is keyed by a hash of its parameters and the current
 * query version. Bumping the version (INCR) on a catalog write orphans every cached query at
 * once; the orphans simply expire by TTL. The version is cached in process for a short while
 * so a query hit costs one Redis round trip, not two.
 */

const QUERY_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function validateQueryName(name: unknown): string {
  if (typeof name !== 'string' || !QUERY_NAME.test(name)) {
    throw new ValidationError("query name: 1-64 characters of letters, digits, '_', '.' or '-'", [
      { path: ['name'], message: 'invalid query name' },
    ]);
  }
  return name;
}

/** JSON with object keys sorted at every level, so `{a,b}` and `{b,a}` hash the same. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

export function queryHash(params: object, version: string): string {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new ValidationError('query params must be an object', [
      { path: ['params'], message: 'not an object' },
    ]);
  }
  return createHash('sha256')
    .update(`${version}\n${stableStringify(params)}`)
    .digest('hex')
    .slice(0, 32);
}

export interface QueryVersion {
  current(): Promise<string>;
  bump(): Promise<string>;
}

export function createQueryVersion(client: Redis | Cluster, key: string, maxAgeMs = 100): QueryVersion {
  let cached: { value: string; at: number } | null = null;
  let inFlight: Promise<string> | null = null;

  return {
    async current() {
      if (cached && Date.now() - cached.at <= maxAgeMs) return cached.value;
      // Concurrent queries share one GET of the version.
      inFlight ??= client
        .get(key)
        .then((v) => {
          const value = v ?? '0';
          // A GET that started before our own bump() must not bring the old version back.
          if (!cached || Number(value) >= Number(cached.value) || Date.now() - cached.at > maxAgeMs) {
            cached = { value, at: Date.now() };
          }
          return cached.value;
        })
        .finally(() => {
          inFlight = null;
        });
      return inFlight;
    },
    async bump() {
      const value = String(await client.incr(key));
      cached = { value, at: Date.now() };
      return value;
    },
  };
}
