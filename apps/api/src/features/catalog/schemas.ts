import { productPatchSchema, productSchema } from '@app/redis-core';
import { z } from 'zod';
import {
  cacheSourceSchema,
  categorySchema,
  productResponseSchema,
  queryInt,
  queryNumber,
} from '../../http/schemas.js';

// Request bodies are @app/redis-core's own product schemas: the API accepts exactly what the catalog stores.
export const addProductBody = productSchema.meta({ id: 'ProductInput' });
export const updateProductBody = productPatchSchema
  .refine((patch) => Object.keys(patch).length > 0, 'the patch is empty: send at least one field')
  .meta({ id: 'ProductPatch' });

export const pageQuery = z.object({
  offset: queryInt(0, 1_000_000).optional(),
  limit: queryInt(1, 1000).optional(),
});
/** The seed's list returned every id: without `limit` it still does. */
export const listQuery = z.object({
  offset: queryInt(0, 1_000_000).optional(),
  limit: queryInt(1, 100_000).optional(),
});

export const categoryParams = z.object({ category: categorySchema });
export const categoryQuery = pageQuery.extend({ sort: z.enum(['price', '-price', 'name']).optional() });

export const byPriceQuery = pageQuery.extend({
  min: queryNumber().min(0).optional(),
  max: queryNumber().min(0).optional(),
  order: z.enum(['asc', 'desc']).optional(),
});

export const searchQuery = z.object({
  q: z.string().trim().min(1, 'q is required').max(100),
  limit: queryInt(1, 100).optional(),
});

export const productsQuery = z.object({
  category: categorySchema.optional(),
  min: queryNumber().min(0).optional(),
  max: queryNumber().min(0).optional(),
  sort: z.enum(['price', '-price', 'name']).optional(),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'not a cursor from a previous page')
    .optional()
    .meta({ description: "Opaque: a previous page's next_cursor" }),
  limit: queryInt(1, 500).optional(),
});

const products = z.array(productResponseSchema);

export const addProductResponse = z
  .object({ message: z.string(), product: productResponseSchema, created: z.boolean() })
  .meta({ id: 'AddProductResponse' });
export const listResponse = z
  .object({ count: z.number().int(), ids: z.array(z.string()) })
  .meta({ id: 'ListResponse' });
export const productResponse = z
  .object({ data: productResponseSchema, source: z.enum(['redis_db', 'postgres']) })
  .meta({ id: 'ProductResponse' });
export const categoryResponse = z
  .object({ category: z.string(), count: z.number().int(), products })
  .meta({ id: 'CategoryResponse' });
export const categoriesResponse = z
  .object({ categories: z.array(z.object({ category: z.string(), count: z.number().int() })) })
  .meta({ id: 'CategoriesResponse' });
export const byPriceResponse = z
  .object({ count: z.number().int(), products })
  .meta({ id: 'ByPriceResponse' });
export const updateProductResponse = z
  .object({ data: productResponseSchema })
  .meta({ id: 'UpdateProductResponse' });
export const deleteProductResponse = z
  .object({ deleted: z.literal(true) })
  .meta({ id: 'DeleteProductResponse' });
export const searchResponse = z
  .object({
    query: z.string(),
    count: z.number().int(),
    products,
    source: cacheSourceSchema,
    response_time: z.number(),
  })
  .meta({ id: 'SearchResponse' });
export const productsResponse = z
  .object({
    count: z.number().int(),
    products,
    next_cursor: z.string().nullable(),
    source: cacheSourceSchema,
    response_time: z.number(),
  })
  .meta({ id: 'ProductsResponse' });
