import type {
  AddProductResponse,
  ByPriceResponse,
  CategoriesResponse,
  CategoryResponse,
  DeleteProductResponse,
  ListResponse,
  ProductResponse,
  ProductsResponse,
  SearchResponse,
  UpdateProductResponse,
} from '@app/api-types';
import { type Product, ValidationError } from '@app/redis-core';
import type { AppContext } from '../../context.js';
import { notFound } from '../../http/app-error.js';
import { clientAddress } from '../../http/client-address.js';
import { type AnyRoute, defineRoute, round2 } from '../../http/route.js';
import { errors, idParams } from '../../http/schemas.js';
import { afterOriginDelay } from '../data/origin.js';
import { decodeCursor, encodeCursor, type ProductPage, queryProducts } from './product-query.js';
import {
  addProductBody,
  addProductResponse,
  byPriceQuery,
  byPriceResponse,
  categoriesResponse,
  categoryParams,
  categoryQuery,
  categoryResponse,
  deleteProductResponse,
  listQuery,
  listResponse,
  productResponse,
  productsQuery,
  productsResponse,
  searchQuery,
  searchResponse,
  updateProductBody,
  updateProductResponse,
} from './schemas.js';

function checkRange(min: number | undefined, max: number | undefined): void {
  if (min !== undefined && max !== undefined && min > max) {
    throw new ValidationError(`min (${min}) is greater than max (${max})`);
  }
}

const write = { ...errors.badRequest, ...errors.unauthorized, ...errors.tooLarge, ...errors.unavailable };

export function catalogRoutes(ctx: AppContext): AnyRoute[] {
  const { catalog, cache } = ctx;
  const originDelayMs = ctx.config.originDelayMs;

  /**
   * After a catalog write, the entry and every cached query built from the old data go. The
   * entry's fence rises to the product's version after the write, so a bulk warm that read it
   * before cannot put it back (the postgres store's change stream invalidates again, harmlessly).
   */
  const invalidateAfterWrite = async (id: string) => {
    try {
      const version = await catalog.fenceVersion(id);
      await Promise.all([cache.invalidate(id, { version }), cache.invalidateQueries()]);
    } catch (err) {
      // The write itself succeeded; failing the request would make the client retry a done write.
      ctx.logger.error({ err, id }, 'cache invalidation after a catalog write failed');
    }
  };

  return [
    defineRoute({
      method: 'post',
      path: '/api/db/add',
      tag: 'catalog',
      admin: true,
      summary: 'Add or replace a product (indexes kept consistent)',
      request: { body: addProductBody },
      responses: {
        201: { description: 'Created', schema: addProductResponse },
        200: { description: 'Replaced an existing product', schema: addProductResponse },
        ...write,
      },
      handler: async ({ body }, _req, res) => {
        const { product, created } = await catalog.upsert(body);
        await invalidateAfterWrite(product.id);
        const answer: AddProductResponse = {
          message: created ? `product '${product.id}' added` : `product '${product.id}' replaced`,
          product,
          created,
        };
        res.status(created ? 201 : 200).json(answer);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/db/list',
      tag: 'catalog',
      summary: 'Product ids from the index set (never KEYS)',
      request: { query: listQuery },
      responses: {
        200: { description: 'Ids, sorted', schema: listResponse },
        ...errors.badRequest,
        ...errors.unavailable,
      },
      handler: async ({ query }, _req, res) => {
        const answer: ListResponse = await catalog.list({ offset: query.offset, limit: query.limit });
        res.json(answer);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/db/product/:id',
      tag: 'catalog',
      summary: 'A product straight from the catalog (no cache)',
      request: { params: idParams },
      responses: {
        200: { description: 'The product', schema: productResponse },
        ...errors.badRequest,
        ...errors.notFound,
        ...errors.unavailable,
      },
      handler: async ({ params }, _req, res) => {
        const product = await catalog.get(params.id);
        if (!product) throw notFound(`product '${params.id}' not found`);
        const answer: ProductResponse = { data: product, source: catalog.source };
        res.json(answer);
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/db/product/:id',
      tag: 'catalog',
      admin: true,
      summary: 'Partial update; category and price indexes move, cache invalidated',
      request: { params: idParams, body: updateProductBody },
      responses: {
        200: { description: 'The updated product', schema: updateProductResponse },
        ...write,
        ...errors.notFound,
      },
      handler: async ({ params, body }, _req, res) => {
        if (body.id !== undefined && body.id !== params.id) {
          throw new ValidationError(`the id cannot change ('${params.id}' → '${body.id}')`);
        }
        const data = await catalog.update(params.id, body);
        await invalidateAfterWrite(params.id);
        const answer: UpdateProductResponse = { data };
        res.json(answer);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/db/product/:id',
      tag: 'catalog',
      admin: true,
      summary: 'Delete a product and its index entries',
      request: { params: idParams },
      responses: {
        200: { description: 'Deleted', schema: deleteProductResponse },
        ...write,
        ...errors.notFound,
      },
      handler: async ({ params }, _req, res) => {
        if (!(await catalog.remove(params.id))) throw notFound(`product '${params.id}' not found`);
        await invalidateAfterWrite(params.id);
        const answer: DeleteProductResponse = { deleted: true };
        res.json(answer);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/db/category/:category',
      tag: 'catalog',
      summary: 'Products of a category',
      request: { params: categoryParams, query: categoryQuery },
      responses: {
        200: { description: 'One page of the category', schema: categoryResponse },
        ...errors.badRequest,
        404: { description: 'No product in this category', schema: errors.notFound[404].schema },
        ...errors.unavailable,
      },
      handler: async ({ params, query }, _req, res) => {
        const answer: CategoryResponse = await catalog.byCategory(params.category, {
          offset: query.offset,
          limit: query.limit,
          sort: query.sort,
        });
        if (answer.count === 0) throw notFound(`no product in category '${params.category}'`);
        res.json(answer);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/db/categories',
      tag: 'catalog',
      summary: 'Non-empty categories with their product counts',
      responses: { 200: { description: 'By name', schema: categoriesResponse }, ...errors.unavailable },
      handler: async (_input, _req, res) => {
        const answer: CategoriesResponse = { categories: await catalog.categories() };
        res.json(answer);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/db/products/by-price',
      tag: 'catalog',
      summary: 'Products by price (cheapest first unless order=desc)',
      request: { query: byPriceQuery },
      responses: {
        200: { description: 'One page', schema: byPriceResponse },
        ...errors.badRequest,
        ...errors.unavailable,
      },
      handler: async ({ query }, _req, res) => {
        checkRange(query.min, query.max);
        const answer: ByPriceResponse = await catalog.byPrice({
          min: query.min,
          max: query.max,
          offset: query.offset,
          limit: query.limit,
          desc: query.order === 'desc',
        });
        res.json(answer);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/db/search',
      tag: 'catalog',
      summary: 'Name prefix search, through the query cache',
      request: { query: searchQuery },
      responses: {
        200: { description: 'Matches', schema: searchResponse },
        ...errors.badRequest,
        ...errors.unavailable,
      },
      handler: async ({ query }, req, res) => {
        const limit = query.limit ?? 20;
        const q = query.q.toLowerCase();
        const result = await cache.getOrLoadQuery<Product[]>(
          'search',
          { q, limit },
          () => afterOriginDelay(originDelayMs, () => catalog.searchByName(q, { limit })),
          { client: clientAddress(req) },
        );
        const products = result.value ?? [];
        const answer: SearchResponse = {
          query: query.q,
          count: products.length,
          products,
          source: result.source,
          response_time: round2(result.latencyMs),
        };
        res.json(answer);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/db/products',
      tag: 'catalog',
      summary: 'Filtered listing (category, price range, sort), through the query cache',
      request: { query: productsQuery },
      responses: {
        200: { description: 'One page', schema: productsResponse },
        ...errors.badRequest,
        ...errors.unavailable,
      },
      handler: async ({ query }, req, res) => {
        checkRange(query.min, query.max);
        const offset = decodeCursor(query.cursor);
        if (offset === null) throw new ValidationError('cursor: not a cursor from a previous page');
        const filter = {
          category: query.category,
          min: query.min,
          max: query.max,
          sort: query.sort,
          offset,
          limit: query.limit ?? 20,
        };
        const result = await cache.getOrLoadQuery<ProductPage>(
          'products',
          filter,
          () => afterOriginDelay(originDelayMs, () => queryProducts(catalog, filter)),
          { client: clientAddress(req) },
        );
        const page = result.value ?? { count: 0, products: [], nextOffset: null };
        const answer: ProductsResponse = {
          count: page.count,
          products: page.products,
          next_cursor: page.nextOffset === null ? null : encodeCursor(page.nextOffset),
          source: result.source,
          response_time: round2(result.latencyMs),
        };
        res.json(answer);
      },
    }),
  ];
}
