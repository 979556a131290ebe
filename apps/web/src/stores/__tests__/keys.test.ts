import { describe, expect, it } from 'vitest';
import { setupApp } from '../../testing/setup-app.js';
import { useKeysStore } from '../keys.js';

const info = (key: string) => ({ key, type: 'string', ttl_ms: 30_000, size_bytes: 120 });

describe('keys store', () => {
  it('pages through SCAN with the cursor until it comes back to 0, dropping repeats', async () => {
    const { fake } = setupApp();
    fake.on('GET /api/cache/keys', (call) =>
      call.query.get('cursor') === '0'
        ? { body: { cursor: '17', keys: [info('data:a'), info('data:b')] } }
        : { body: { cursor: '0', keys: [info('data:b'), info('data:c')] } },
    );
    const keys = useKeysStore();
    keys.pattern = 'data:*';
    await keys.scan();
    expect(keys.keys.map((k) => k.key)).toEqual(['data:a', 'data:b']);
    expect(keys.canLoadMore).toBe(true);
    await keys.loadMore();
    expect(fake.callsTo('GET /api/cache/keys')[1]?.query.get('cursor')).toBe('17');
    expect(fake.callsTo('GET /api/cache/keys')[1]?.query.get('pattern')).toBe('data:*');
    expect(keys.keys.map((k) => k.key)).toEqual(['data:a', 'data:b', 'data:c']);
    expect(keys.finished).toBe(true);
    expect(keys.canLoadMore).toBe(false);
  });

  it('views a key, and removes one from the list after invalidation', async () => {
    const { fake } = setupApp();
    fake.on('GET /api/cache/keys', { body: { cursor: '0', keys: [info('data:a')] } });
    fake.on('GET /api/cache/key', { body: { ...info('data:a'), value: { id: 'a' } } });
    fake.on('DELETE /api/cache/key', { body: { deleted: true } });
    const keys = useKeysStore();
    await keys.scan();
    await keys.inspect('data:a');
    expect(keys.selected?.value).toEqual({ id: 'a' });
    expect(await keys.remove('data:a')).toBe(true);
    expect(fake.callsTo('DELETE /api/cache/key')[0]?.query.get('key')).toBe('data:a');
    expect(keys.keys).toHaveLength(0);
    expect(keys.selected).toBeNull();
  });

  it('reports a key that vanished as a 404 on view', async () => {
    const { fake } = setupApp();
    fake.on('GET /api/cache/key', { status: 404, body: { error: 'gone', code: 'E_NOT_FOUND' } });
    const keys = useKeysStore();
    await keys.inspect('data:x');
    expect(keys.selectedError?.status).toBe(404);
  });
});
