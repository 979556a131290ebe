import { describe, expect, it } from 'vitest';
import { node, replicationResponse } from '../../testing/fixtures.js';
import { setupApp } from '../../testing/setup-app.js';
import { LAG_WARN_BYTES, nodeHealth, useReplicationStore } from '../replication.js';

describe('replication store', () => {
  it('classifies nodes: down when unreachable or the link is down, lagging past the bound', () => {
    expect(nodeHealth(node())).toBe('ok');
    expect(nodeHealth(node({ up: false }))).toBe('down');
    expect(nodeHealth(node({ link_status: 'down' }))).toBe('down');
    expect(nodeHealth(node({ lag_bytes: LAG_WARN_BYTES + 1 }))).toBe('lagging');
  });

  it('shows a replica going down from the next event', () => {
    setupApp();
    const replication = useReplicationStore();
    replication.ingest(replicationResponse());
    expect(replication.replicas[0]?.health).toBe('ok');
    expect(replication.downCount).toBe(0);
    replication.ingest(
      replicationResponse({ replicas: [node({ up: false, link_status: 'down', error: 'ECONNREFUSED' })] }),
    );
    expect(replication.replicas[0]?.health).toBe('down');
    expect(replication.downCount).toBe(1);
  });

  it('attaches the newest probe latency to each replica', async () => {
    const { fake } = setupApp();
    const replication = useReplicationStore();
    replication.ingest(
      replicationResponse({
        replicas: [node({ url: 'redis://r1' }), node({ url: 'redis://r2' })],
        last_probe: { token: 'old', written_at: 100, results: [{ url: 'redis://r1', arrived_ms: 9 }] },
      }),
    );
    expect(replication.replicas[0]?.probeMs).toBe(9);
    fake.on('POST /api/replication/probe', {
      body: {
        token: 'new',
        written_at: Date.now(),
        results: [
          { url: 'redis://r1', arrived_ms: 1.5 },
          { url: 'redis://r2', arrived_ms: null },
        ],
      },
    });
    await replication.probe();
    expect(replication.probing).toBe(false);
    expect(replication.lastProbe?.token).toBe('new');
    expect(replication.replicas.map((r) => r.probeMs)).toEqual([1.5, null]);
  });

  it('keeps a stream error without losing the last known status', () => {
    setupApp();
    const replication = useReplicationStore();
    replication.ingest(replicationResponse());
    replication.ingest({ error: 'boom', code: 'E_REDIS_UNAVAILABLE' });
    expect(replication.error).toMatchObject({ code: 'E_REDIS_UNAVAILABLE' });
    expect(replication.master?.role).toBe('master');
  });

  it('reads cluster shards when present', () => {
    setupApp();
    const replication = useReplicationStore();
    replication.ingest(
      replicationResponse({
        topology: 'cluster',
        shards: [{ master: node({ role: 'master' }), replicas: [], slots: [[0, 5460]] }],
      }),
    );
    expect(replication.shards).toHaveLength(1);
    expect(replication.shards[0]?.slots).toEqual([[0, 5460]]);
  });
});
