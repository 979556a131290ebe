import { cleanupAll, startPostgres } from '@app/testing';
import { afterAll, expect, it } from 'vitest';
import { createPostgresStore, DatabaseUnavailableError } from '../src/index.js';

afterAll(cleanupAll);

it('migrates lazily: down at start is a 503, then the first call after it is back migrates and answers', async () => {
  const server = await startPostgres();
  await server.stop();
  const api = createPostgresStore(server.url(), { timeoutMs: 2_000 });
  const worker = createPostgresStore(server.url(), { timeoutMs: 2_000 });
  try {
    await expect(api.catalog.get('prod1')).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await server.start();
    // API and worker together on a fresh database: one migrates, the other waits for its lock.
    const [seeded, again] = await Promise.all([api.catalog.seedIfEmpty(), worker.catalog.seedIfEmpty()]);
    expect(seeded + again).toBe(3);
    expect((await worker.catalog.get('prod1'))?.name).toBe('Smartphone Premium');
    expect(await server.psql('SELECT count(*) FROM pgmigrations')).toBe('1');
  } finally {
    await api.close();
    await worker.close();
  }
});
