import type { Product } from './products.js';
import { CATEGORIES, type CategoryModel } from './word-lists.js';

/**
 * Deterministic, realistic products for demos, benchmarks and load tests: the same `seed`
 * always yields the same catalog, so a benchmark run can be repeated and compared.
 */

/** The fixed categories generated products belong to. */
export const productCategories = Object.keys(CATEGORIES) as (keyof typeof CATEGORIES)[];

const CENTS = [0.99, 0.95, 0.49, 0.5, 0.9, 0.99, 0.99];

/** mulberry32: tiny, fast and good enough for test data; `seed` fully determines the sequence. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function pickSome(random: () => number, items: readonly string[], min: number, max: number): string[] {
  const count = Math.min(items.length, min + Math.floor(random() * (max - min + 1)));
  const pool = [...items];
  const chosen: string[] = [];
  for (let i = 0; i < count; i++)
    chosen.push(pool.splice(Math.floor(random() * pool.length), 1)[0] as string);
  return chosen;
}

function productName(random: () => number, category: string, model: CategoryModel, noun: string): string {
  const brand = pick(random, model.brands);
  const variant = pick(random, model.variants);
  if (category === 'books') {
    // Book titles read "Mastering Redis, 2nd Edition" rather than "brand noun variant".
    return variant ? `${brand} ${noun}, ${variant}` : `${brand} ${noun}`;
  }
  const number = model.modelNumbers ? ` ${2 + Math.floor(random() * 14)}` : '';
  return `${brand} ${noun} ${variant}${number}`;
}

/**
 * `n` products with ids `p000001`…, names from word lists, one of eight categories, prices with
 * cents and 2-4 features. Deterministic for a given `seed` (default 42); 100,000 take well
 * under a second.
 */
export function generateProducts(n: number, opts: { seed?: number } = {}): Product[] {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`generateProducts: n must be a non-negative integer, got ${n}`);
  const random = createRandom(opts.seed ?? 42);
  const width = Math.max(6, String(n).length);
  const products: Product[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const category = pick(random, productCategories);
    const model: CategoryModel = CATEGORIES[category];
    const line = pick(random, model.lines);
    const noun = pick(random, line.nouns);
    const [low, high] = line.price;
    const whole = low + Math.floor(random() * (high - low + 1));
    products[i] = {
      id: `p${String(i + 1).padStart(width, '0')}`,
      name: productName(random, category, model, noun),
      price: Number((whole + pick(random, CENTS)).toFixed(2)),
      category,
      in_stock: random() < 0.85,
      features: line.formats
        ? [pick(random, line.formats), ...pickSome(random, line.features, 1, 3)]
        : pickSome(random, line.features, 2, 4),
    };
  }
  return products;
}
