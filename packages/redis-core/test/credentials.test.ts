import { cleanupAll, startRedis } from '@app/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { createConnections } from '../src/connections/index.js';

afterAll(cleanupAll);

// Sentinel and cluster topologies have no URL to carry an ACL user, so REDIS_USERNAME and
// REDIS_PASSWORD are how the apps log in as infra's least-privilege users.
describe('REDIS_USERNAME', () => {
  it('is refused when it is not a plain user name', () => {
    expect(() => loadConfig({ REDIS_USERNAME: 'app user' })).toThrow(/^REDIS_USERNAME: /);
  });

  it('reaches every topology next to REDIS_PASSWORD', () => {
    const env = { REDIS_USERNAME: 'app', REDIS_PASSWORD: 'pw' };
    expect(loadConfig({ ...env, REDIS_URL: 'redis://h:1' }).topology).toMatchObject({ username: 'app' });
    expect(loadConfig({ ...env, REDIS_SENTINELS: 'h:26379' }).topology).toMatchObject({ username: 'app' });
    expect(loadConfig({ ...env, REDIS_CLUSTER_NODES: 'h:7000' }).topology).toMatchObject({ username: 'app' });
  });

  it('logs the writer and the BullMQ options in as that ACL user, with the default user off', async () => {
    const server = await startRedis({ backend: 'process' });
    const admin = server.client();
    await admin.call('ACL', 'SETUSER', 'app', 'on', '>app-pw', '~*', '&*', '+@all');
    await admin.call('ACL', 'SETUSER', 'default', 'off');
    const config = loadConfig({ REDIS_URL: server.url, REDIS_USERNAME: 'app', REDIS_PASSWORD: 'app-pw' });
    const connections = createConnections(config.topology, { commandTimeoutMs: 1000 });
    try {
      expect(await connections.writer.call('ACL', 'WHOAMI')).toBe('app');
      expect(connections.queueConnectionOptions()).toMatchObject({ username: 'app', password: 'app-pw' });
    } finally {
      await connections.close();
    }
  });
});
