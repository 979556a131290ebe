import fc from 'fast-check';
import { ADMIN_TOKEN } from './api.js';
import { BOUNDARY_NUMBERS } from './boundary-requests.js';

/** One generated HTTP request. */
export interface FuzzRequest {
  method: string;
  /** The route template it was built from (for coverage), e.g. `GET /api/data/:id`. */
  route: string;
  path: string;
  /** Decoded path parameters as generated. */
  params: Record<string, string>;
  headers: Record<string, string>;
  rawBody?: string;
}

const ONE_MB = 'é'.repeat(512 * 1024); // 1 MiB of UTF-8
const deepJson = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Strings that have broken parsers, key builders and routers before. */
export function oddString(validIds: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...validIds) },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        '*',
        '{}',
        '[]',
        '..',
        '.',
        '%',
        '%00',
        '%E0%A4%A',
        '\r\n',
        'prod1\r\nFLUSHALL',
        'a b',
        '',
        ' ',
        'null',
        'undefined',
        'true',
        '0',
        '-1',
        '1e309',
        'NaN',
        'Infinity',
        '__proto__',
        'constructor',
        'db:product:prod1',
        'data:*',
        '{db}',
        'a'.repeat(129),
        'x'.repeat(4000),
        '💥🔥',
        'ñandú',
        '中文',
        '\u0000',
        '\u202e',
        '?',
        '#',
        '/',
        '\\',
        '"',
        "'",
        '<script>',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection attempt, on purpose
        '${x}',
        'ELECTRONICS',
        'electronics',
      ),
    },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()).map(String) },
  );
}

export function productBody(validIds: string[]): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      id: fc.oneof(fc.constantFrom(...validIds), fc.stringMatching(/^[a-z0-9_-]{1,20}$/)),
      name: fc.string({ minLength: 1, maxLength: 60 }),
      price: fc.double({ min: 0, max: 100_000, noNaN: true }),
      category: fc.constantFrom('electronics', 'audio', 'books', 'fuzz-cat'),
      in_stock: fc.boolean(),
      features: fc.array(fc.string({ maxLength: 12 }), { maxLength: 4 }),
    },
    { requiredKeys: ['id', 'name', 'price', 'category'] },
  );
}

function bodyArb(validIds: string[]): fc.Arbitrary<{ raw?: string; contentType?: string }> {
  const json = (v: unknown) => ({ raw: JSON.stringify(v), contentType: 'application/json' });
  const odd = oddString(validIds);
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant({}) },
    { weight: 5, arbitrary: productBody(validIds).map(json) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          productBody(validIds),
          fc.constantFrom('id', 'name', 'price', 'category', 'in_stock', 'features', 'extra'),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .map(([p, k, v]) => json({ ...p, [k]: v })),
    },
    {
      weight: 2,
      arbitrary: fc.record({ price: fc.oneof(fc.double(), odd), name: odd }, { requiredKeys: [] }).map(json),
    },
    {
      weight: 2,
      arbitrary: fc
        .record(
          { category: odd, n: fc.oneof(fc.integer(), odd), batchSize: fc.integer() },
          { requiredKeys: [] },
        )
        .map(json),
    },
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(json) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(deepJson(20_000), deepJson(60_000))
        .map((raw) => ({ raw, contentType: 'application/json' })),
    },
    {
      weight: 1,
      arbitrary: fc.constant({
        raw: JSON.stringify({ id: 'big', name: ONE_MB, price: 1, category: 'books' }),
        contentType: 'application/json',
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('{', '{"id":', 'not json', '\u0000\u0001', '{"a":1}{"b":2}', 'null', '1e309')
        .map((raw) => ({ raw, contentType: 'application/json' })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          odd,
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/json; charset=latin-9',
            'application/xml',
          ),
        )
        .map(([raw, contentType]) => ({ raw, contentType })),
    },
  );
}

const QUERY_NAMES = [
  'offset',
  'limit',
  'min',
  'max',
  'sort',
  'order',
  'q',
  'category',
  'cursor',
  'pattern',
  'count',
  'key',
  'prefix',
  'seconds',
  'n',
  'x',
];

function queryArb(validIds: string[]): fc.Arbitrary<string> {
  const value = fc.oneof(
    oddString(validIds),
    fc.constantFrom(
      '0',
      '1',
      '10',
      '1000',
      '1001',
      '100000',
      '9999999999999999999',
      ...BOUNDARY_NUMBERS,
      '-5',
      '1.5',
      'price',
      '-price',
      'name',
      'asc',
      'desc',
      'data:',
      'data:*',
      'cache:',
      'db:',
      'db:product:prod1',
    ),
  );
  return fc
    .array(fc.tuple(fc.constantFrom(...QUERY_NAMES), value), { maxLength: 4 })
    .map((pairs) =>
      pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`,
    );
}

const authArb = fc.constantFrom<Record<string, string>>(
  { Authorization: `Bearer ${ADMIN_TOKEN}` },
  { Authorization: `Bearer ${ADMIN_TOKEN}` },
  { Authorization: `Bearer ${ADMIN_TOKEN}` },
  {},
  { Authorization: 'Bearer wrong-token' },
  { Authorization: 'Bearer ' },
  { Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
  { Authorization: `bearer ${ADMIN_TOKEN} ` },
);

/** Requests over the given route templates (Express syntax), plus unknown routes and wrong methods. */
export function requestArb(
  routes: { method: string; path: string }[],
  validIds: string[],
): fc.Arbitrary<FuzzRequest> {
  const odd = oddString(validIds);
  const encodeParam = fc.oneof(
    { weight: 9, arbitrary: fc.constant((v: string) => encodeURIComponent(v)) },
    // As typed, unencoded: the URL parser and Express see it raw (bad percent-encoding included).
    {
      weight: 1,
      arbitrary: fc.constant((v: string) => [...v].filter((ch) => ch > ' ' && !'#?/'.includes(ch)).join('')),
    },
  );
  const templated = fc
    .tuple(
      fc.constantFrom(...routes),
      fc.array(odd, { minLength: 2, maxLength: 2 }),
      encodeParam,
      queryArb(validIds),
      bodyArb(validIds),
      authArb,
      fc.boolean(),
    )
    .map(([route, [p1, p2], encode, query, body, auth, withBody]): FuzzRequest => {
      const params: Record<string, string> = {};
      let i = 0;
      const path = route.path.replace(/:(\w+)/g, (_, name: string) => {
        const value = (i++ === 0 ? p1 : p2) as string;
        params[name] = value;
        return encode(value);
      });
      const sendBody =
        route.method !== 'get' && (withBody || route.method === 'post' || route.method === 'put');
      return {
        method: route.method.toUpperCase(),
        route: `${route.method.toUpperCase()} ${route.path}`,
        path: `${path}${query}`,
        params,
        headers: { ...auth, ...(sendBody && body.contentType ? { 'Content-Type': body.contentType } : {}) },
        ...(sendBody && body.raw !== undefined ? { rawBody: body.raw } : {}),
      };
    });
  const stray = fc
    .tuple(
      fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
      fc.constantFrom(
        '/api',
        '/api/',
        '/api/db',
        '/api/data',
        '/api/data/',
        '/api/db/product/',
        '/nope',
        '/api/db/add/extra',
        '/.env',
        '/api/../../etc/passwd',
      ),
      odd,
    )
    .map(
      ([method, base, tail]): FuzzRequest => ({
        method,
        route: 'stray',
        path: `${base}${encodeURIComponent(tail)}`,
        params: {},
        headers: {},
      }),
    );
  return fc.oneof({ weight: 19, arbitrary: templated }, { weight: 1, arbitrary: stray });
}
