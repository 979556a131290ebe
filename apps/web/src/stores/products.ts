import type { AddProductRequest, Product, ProductsQuery, ProductsSort } from '@app/api-types';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError } from '../api/client.js';
import { useApi } from '../api/inject.js';

export interface ProductFilters {
  category: string;
  min: number | null;
  max: number | null;
  sort: ProductsSort;
}

const PAGE_SIZE = 10;

/** The catalog (Redis as the database) browsed through the query cache, and edited as admin. */
export const useProductsStore = defineStore('products', () => {
  const api = useApi();
  const filters = ref<ProductFilters>({ category: '', min: null, max: null, sort: 'price' });
  const products = ref<Product[]>([]);
  const count = ref(0);
  const nextCursor = ref<string | null>(null);
  const source = ref<'cache' | 'database' | null>(null);
  const responseTime = ref<number | null>(null);
  const loading = ref(false);
  const error = ref<ApiError | null>(null);
  const saving = ref(false);
  const saveError = ref<ApiError | null>(null);
  /** Known categories, for the filter's and the jobs' suggestions. */
  const categories = ref<string[]>([]);

  function query(cursor?: string): ProductsQuery {
    const f = filters.value;
    return {
      category: f.category.trim().toLowerCase() || undefined,
      min: f.min ?? undefined,
      max: f.max ?? undefined,
      sort: f.sort,
      cursor,
      limit: PAGE_SIZE,
    };
  }

  function noteCategories(list: Product[]) {
    const all = new Set(categories.value);
    for (const p of list) all.add(p.category);
    if (all.size !== categories.value.length) categories.value = [...all].sort();
  }

  async function fetchPage(cursor?: string) {
    loading.value = true;
    try {
      const page = await api.listProducts(query(cursor));
      products.value = cursor ? [...products.value, ...page.products] : page.products;
      count.value = page.count;
      nextCursor.value = page.next_cursor;
      source.value = page.source;
      responseTime.value = page.response_time;
      error.value = null;
      noteCategories(page.products);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      error.value = err;
      if (!cursor) products.value = [];
    } finally {
      loading.value = false;
    }
  }

  /** From GET /api/db/categories; answers seen while browsing add to it too. */
  async function loadCategories() {
    try {
      const answer = await api.getCategories();
      categories.value = [
        ...new Set([...categories.value, ...answer.categories.map((c) => c.category)]),
      ].sort();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err; // suggestions only: the list stays as it was
    }
  }

  const load = () => fetchPage();
  const loadMore = () => (nextCursor.value ? fetchPage(nextCursor.value) : Promise.resolve());

  async function mutate(action: () => Promise<unknown>): Promise<boolean> {
    saving.value = true;
    try {
      await action();
      saveError.value = null;
      await load();
      return true;
    } catch (err) {
      if (err instanceof ApiError) saveError.value = err;
      else throw err;
      return false;
    } finally {
      saving.value = false;
    }
  }

  const create = (product: AddProductRequest) => mutate(() => api.addProduct(product));
  const update = (id: string, patch: Omit<Product, 'id'>) => mutate(() => api.updateProduct(id, patch));
  const remove = (id: string) => mutate(() => api.deleteProduct(id));

  function clearSaveError() {
    saveError.value = null;
  }

  return {
    filters,
    products,
    count,
    nextCursor,
    source,
    responseTime,
    loading,
    error,
    saving,
    saveError,
    categories,
    load,
    loadMore,
    loadCategories,
    create,
    update,
    remove,
    clearSaveError,
  };
});
