import { describe, expect, it } from 'vitest';
import {
  generateProducts,
  parseProduct,
  parseProductPatch,
  productCategories,
  productSchema,
  seedProducts,
} from '../src/catalog/index.js';
import { ValidationError } from '../src/errors.js';

describe('seedProducts', () => {
  it('starts with the seed’s prod1, field for field and in the seed’s key order', () => {
    expect(seedProducts[0]).toStrictEqual({
      id: 'prod1',
      name: 'Smartphone Premium',
      price: 899.99,
      category: 'electronics',
      in_stock: true,
      features: ['5G', 'HDR Display', 'Water Resistant'],
    });
    expect(JSON.stringify(seedProducts[0])).toBe(
      '{"id":"prod1","name":"Smartphone Premium","price":899.99,"category":"electronics","in_stock":true,"features":["5G","HDR Display","Water Resistant"]}',
    );
  });

  it('has two more products in exactly the same shape, each valid and distinct', () => {
    expect(seedProducts).toHaveLength(3);
    expect(seedProducts.map((p) => p.id)).toEqual(['prod1', 'prod2', 'prod3']);
    for (const product of seedProducts) {
      expect(Object.keys(product)).toEqual(['id', 'name', 'price', 'category', 'in_stock', 'features']);
      expect(productSchema.parse(product)).toStrictEqual(product);
      expect(product.features.length).toBeGreaterThan(0);
    }
  });
});

describe('productSchema', () => {
  it('fills in_stock and features defaults, lower-cases the category, trims the name', () => {
    expect(parseProduct({ id: 'a1', name: '  Desk Lamp ', price: 19.5, category: 'Home' })).toStrictEqual({
      id: 'a1',
      name: 'Desk Lamp',
      price: 19.5,
      category: 'home',
      in_stock: true,
      features: [],
    });
  });

  it.each([
    ['missing id', { name: 'x', price: 1, category: 'c' }],
    ['bad id', { id: 'a b', name: 'x', price: 1, category: 'c' }],
    ['glob in id', { id: 'a*', name: 'x', price: 1, category: 'c' }],
    ['empty name', { id: 'a', name: ' ', price: 1, category: 'c' }],
    ['negative price', { id: 'a', name: 'x', price: -1, category: 'c' }],
    ['infinite price', { id: 'a', name: 'x', price: Number.POSITIVE_INFINITY, category: 'c' }],
    ['price as string', { id: 'a', name: 'x', price: '1', category: 'c' }],
    ['bad category', { id: 'a', name: 'x', price: 1, category: 'a:b' }],
    ['unknown field', { id: 'a', name: 'x', price: 1, category: 'c', color: 'red' }],
    ['features not strings', { id: 'a', name: 'x', price: 1, category: 'c', features: [1] }],
  ])('refuses %s with a ValidationError listing the issue', (_, input) => {
    expect(() => parseProduct(input)).toThrow(ValidationError);
    try {
      parseProduct(input);
    } catch (err) {
      expect((err as ValidationError).code).toBe('E_VALIDATION');
      expect((err as ValidationError).status).toBe(400);
      expect((err as ValidationError).issues.length).toBeGreaterThan(0);
    }
  });

  it('parses a patch without filling defaults (a patch must not reset in_stock/features)', () => {
    expect(parseProductPatch({ price: 10 })).toStrictEqual({ price: 10 });
    expect(parseProductPatch({ category: 'Books' })).toStrictEqual({ category: 'books' });
    expect(() => parseProductPatch({ price: -3 })).toThrow(ValidationError);
    expect(() => parseProductPatch({ stock: 3 })).toThrow(ValidationError);
  });
});

describe('generateProducts', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(generateProducts(500, { seed: 7 })).toStrictEqual(generateProducts(500, { seed: 7 }));
    expect(generateProducts(500, { seed: 7 })).not.toStrictEqual(generateProducts(500, { seed: 8 }));
    expect(generateProducts(50)).toStrictEqual(generateProducts(50, { seed: 42 }));
  });

  it('makes 100,000 valid, uniquely identified products with sortable ids, quickly', () => {
    const started = performance.now();
    const products = generateProducts(100_000, { seed: 1 });
    const elapsed = performance.now() - started;
    expect(products).toHaveLength(100_000);
    expect(products[0]?.id).toBe('p000001');
    expect(products[99_999]?.id).toBe('p100000');
    expect(new Set(products.map((p) => p.id)).size).toBe(100_000);
    const ids = products.map((p) => p.id);
    expect([...ids].sort()).toEqual(ids);
    // Generous bound so a busy 2-core machine does not flake; the real cost is ~100 ms.
    expect(elapsed).toBeLessThan(5000);
    for (const product of products.filter((_, i) => i % 997 === 0)) {
      expect(productSchema.parse(product)).toStrictEqual(product);
    }
  });

  it('looks like a real catalog: fixed categories, prices with cents, 2-4 features, mostly in stock', () => {
    const products = generateProducts(10_000, { seed: 3 });
    expect(productCategories).toHaveLength(8);
    expect(new Set(products.map((p) => p.category))).toEqual(new Set(productCategories));
    for (const p of products) {
      expect(Math.round(p.price * 100)).toBeCloseTo(p.price * 100, 6);
      expect(p.price % 1).not.toBe(0);
      expect(p.features.length).toBeGreaterThanOrEqual(2);
      expect(p.features.length).toBeLessThanOrEqual(4);
      expect(new Set(p.features).size).toBe(p.features.length);
      expect(p.name).toMatch(/^[A-Z][\p{L}\p{N} &.,'"-]+$/u);
    }
    const inStock = products.filter((p) => p.in_stock).length / products.length;
    expect(inStock).toBeGreaterThan(0.75);
    expect(inStock).toBeLessThan(0.95);
    expect(new Set(products.map((p) => p.name)).size).toBeGreaterThan(2000);
    const electronics = products.filter((p) => p.category === 'electronics');
    expect(electronics.some((p) => /Smartphone|Laptop|Tablet/.test(p.name))).toBe(true);
  });

  it('refuses a negative or fractional count', () => {
    expect(() => generateProducts(-1)).toThrow(RangeError);
    expect(() => generateProducts(1.5)).toThrow(RangeError);
    expect(generateProducts(0)).toEqual([]);
  });
});
