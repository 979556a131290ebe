import type { AnyRoute } from '@app/api/src/http/route.js';

/**
 * Numbers at and past the edges parsers and Redis disagree on: 20 digits (past 2^64), 2^64 and
 * 2^64 - 1 (Redis' unsigned cursor), 2^63 (signed), negative, exponent (finite and overflowing),
 * hex, fractions, leading zeros, NaN and the empty string.
 */
export const BOUNDARY_NUMBERS = [
  '99999999999999999999',
  '18446744073709551616',
  '18446744073709551615',
  '9223372036854775808',
  '-1',
  '-0',
  '-99999999999999999999',
  '1e3',
  '1e309',
  '-1e309',
  '0x10',
  '0x',
  '1.5',
  '00000000000000000001',
  'NaN',
  'Infinity',
  '',
] as const;

export interface BoundaryRequest {
  method: string;
  route: string;
  /** Which parameter carries the boundary value (`query.limit`, `body.n`, `path.id`). */
  target: string;
  value: string;
  path: string;
  rawBody?: string;
}

/** The field names of a zod object schema, through optional/default/pipe wrappers. */
export function fieldNames(schema: unknown): string[] {
  const seen = new Set<unknown>();
  const queue: unknown[] = [schema];
  while (queue.length > 0) {
    const s = queue.shift() as { shape?: unknown; def?: Record<string, unknown> } | undefined;
    if (!s || typeof s !== 'object' || seen.has(s)) continue;
    seen.add(s);
    if (s.shape && typeof s.shape === 'object') return Object.keys(s.shape);
    const def = s.def ?? {};
    queue.push(def.innerType, def.in, def.out);
  }
  return [];
}

/** A JSON literal for the value: a number where JSON has one (2^64 included), else a string. */
function jsonValue(value: string): string {
  return /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(value) && Number.isFinite(Number(value))
    ? value
    : JSON.stringify(value);
}

/** A product that passes validation, so a boundary in one field reaches past the others. */
const VALID_PRODUCT = { id: 'boundary-1', name: 'Boundary lamp', price: 10, category: 'books' };

/**
 * Every route × every parameter it declares (path, query, body) × every boundary number: the
 * value alone, and in the body also beside an otherwise valid product.
 */
export function boundaryRequests(routes: AnyRoute[]): BoundaryRequest[] {
  const out: BoundaryRequest[] = [];
  for (const route of routes) {
    const method = route.method.toUpperCase();
    const name = `${method} ${route.path}`;
    const pathParams = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
    const fill = (override?: { param: string; value: string }) =>
      route.path.replace(/:(\w+)/g, (_, p: string) =>
        encodeURIComponent(override?.param === p ? override.value : p === 'category' ? 'books' : 'prod1'),
      );
    for (const value of BOUNDARY_NUMBERS) {
      for (const param of pathParams) {
        if (value === '') continue; // an empty segment is another route
        out.push({ method, route: name, target: `path.${param}`, value, path: fill({ param, value }) });
      }
      for (const field of fieldNames(route.request?.query)) {
        out.push({
          method,
          route: name,
          target: `query.${field}`,
          value,
          path: `${fill()}?${field}=${encodeURIComponent(value)}`,
        });
      }
      for (const field of fieldNames(route.request?.body)) {
        const literal = jsonValue(value);
        for (const base of [{}, VALID_PRODUCT]) {
          // The literal is spliced in as text: JSON.stringify cannot write 18446744073709551616 exactly.
          const rest = JSON.stringify(Object.fromEntries(Object.entries(base).filter(([k]) => k !== field)));
          const pair = `${JSON.stringify(field)}:${literal}`;
          out.push({
            method,
            route: name,
            target: `body.${field}`,
            value,
            path: fill(),
            rawBody: rest === '{}' ? `{${pair}}` : `${rest.slice(0, -1)},${pair}}`,
          });
        }
      }
    }
  }
  return out;
}
