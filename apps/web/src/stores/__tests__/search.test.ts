import { beforeEach, describe, expect, it } from 'vitest';
import { dataResponse, smartphone } from '../../testing/fixtures.js';
import { setupApp } from '../../testing/setup-app.js';
import { useConnectionStore } from '../connection.js';
import { useHistoryStore } from '../history.js';
import { useSearchStore } from '../search.js';
import { useSettingsStore } from '../settings.js';

describe('search store', () => {
  beforeEach(() => sessionStorage.clear());

  function setup() {
    const ctx = setupApp();
    ctx.fake.on('GET /api/history', {
      body: { recent: [{ query: 'prod1', at: 1 }], top: [{ query: 'prod1', count: 1 }] },
    });
    return ctx;
  }

  it('looks an id up, keeps the answer with its arrival time, then refreshes history', async () => {
    const { fake } = setup();
    let reads = 0;
    fake.on('GET /api/data/prod1', () => {
      reads += 1;
      return {
        body: reads === 1 ? dataResponse() : dataResponse({ source: 'cache', ttl: 59, response_time: 0.6 }),
      };
    });
    const search = useSearchStore();
    const before = Date.now();
    await search.lookup(' prod1 ');
    expect(search.result?.response.source).toBe('database');
    expect(search.result?.id).toBe('prod1');
    expect(search.result?.receivedAt).toBeGreaterThanOrEqual(before);
    await search.lookup('prod1');
    expect(search.result?.response).toMatchObject({ source: 'cache', ttl: 59 });
    expect(search.error).toBeNull();
    await new Promise((r) => setTimeout(r, 0));
    expect(useHistoryStore().recent).toEqual([{ query: 'prod1', at: 1 }]);
  });

  it('keeps the 404 as an error and clears the previous result', async () => {
    const { fake } = setup();
    fake.on('GET /api/data/prod1', { body: dataResponse() });
    fake.on('GET /api/data/nope', {
      status: 404,
      body: { error: 'Produit non trouvé', code: 'E_NOT_FOUND' },
    });
    const search = useSearchStore();
    await search.lookup('prod1');
    await search.lookup('nope');
    expect(search.result).toBeNull();
    expect(search.error).toMatchObject({ status: 404, code: 'E_NOT_FOUND' });
    expect(search.lastQuery).toBe('nope');
  });

  it('refuses an impossible id without calling the API', async () => {
    const { fake } = setup();
    const search = useSearchStore();
    await search.lookup('data:*');
    expect(search.error?.code).toBe('E_INVALID_ID');
    expect(fake.calls.filter((c) => c.path.startsWith('/api/data'))).toHaveLength(0);
  });

  it('notes Redis down when the origin answered because the cache was unusable', async () => {
    const { fake } = setup();
    fake.on('GET /api/data/prod1', { body: dataResponse({ cache_down: true }) });
    await useSearchStore().lookup('prod1');
    expect(useConnectionStore().problem).toBe('redis-down');
  });

  it('invalidates the current entry with the admin token', async () => {
    const { fake } = setup();
    fake.on('GET /api/data/prod1', { body: dataResponse({ source: 'cache', ttl: 30 }) });
    fake.on('DELETE /api/data/prod1', { body: { invalidated: true } });
    useSettingsStore().setToken('tok');
    const search = useSearchStore();
    await search.lookup('prod1');
    await search.invalidate();
    expect(fake.callsTo('DELETE /api/data/prod1')[0]?.headers.Authorization).toBe('Bearer tok');
    expect(search.result?.invalidated).toBe(true);
  });

  it('shows 401 from invalidation as an error, not a crash', async () => {
    const { fake } = setup();
    fake.on('GET /api/data/prod1', { body: dataResponse({ source: 'cache', ttl: 30 }) });
    fake.on('DELETE /api/data/prod1', {
      status: 401,
      body: { error: 'Unauthorized', code: 'E_UNAUTHORIZED' },
    });
    const search = useSearchStore();
    await search.lookup('prod1');
    await search.invalidate();
    expect(search.error?.code).toBe('E_UNAUTHORIZED');
    expect(search.result?.invalidated).toBe(false);
  });

  it('suggests products by name from two characters on', async () => {
    const { fake } = setup();
    fake.on('GET /api/db/search', (call) => ({
      body: {
        query: call.query.get('q'),
        count: 1,
        products: [smartphone],
        source: 'cache',
        response_time: 0.4,
      },
    }));
    const search = useSearchStore();
    await search.suggest('S');
    expect(fake.callsTo('GET /api/db/search')).toHaveLength(0);
    await search.suggest('Smart');
    expect(search.suggestions.map((p) => p.id)).toEqual(['prod1']);
    expect(fake.callsTo('GET /api/db/search')[0]?.query.get('q')).toBe('Smart');
  });
});
