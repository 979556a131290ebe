import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { useConfigStore } from '../../stores/config.js';
import { configResponse } from '../../testing/fixtures.js';
import { setupApp } from '../../testing/setup-app.js';
import ChangeStreamPanel from '../ChangeStreamPanel.vue';
import OriginPanel from '../OriginPanel.vue';

const streaming = {
  state: 'streaming',
  slot: 'cache_invalidation',
  worker_id: 'w1',
  consumers: 2,
  lag_bytes: 2048,
  events_per_second: 3.5,
  events: 10,
  commits: 9,
  latency_ms: { p50: 4, p99: 12, samples: 9 },
  slot_recreations: 1,
  namespace_flushes: 1,
  last_error: null,
  recent: [{ ids: ['prod1', 'prod2'], truncated: false, at: Date.now(), latency_ms: 5 }],
};

describe('origin and change-stream panels', () => {
  it('show the PostgreSQL store, its version, and the consumer with its latency and recent invalidations', async () => {
    const ctx = setupApp();
    ctx.fake.on('GET /readyz', {
      body: {
        status: 'ready',
        redis: 'up',
        database: 'up',
        database_version: '15.20',
        change_stream: streaming,
      },
    });
    useConfigStore().config = { ...configResponse, catalog_store: 'postgres' };
    const origin = mount(OriginPanel, { global: ctx.global });
    const stream = mount(ChangeStreamPanel, { global: ctx.global });
    await flushPromises();
    expect(origin.find('[data-testid=origin-store]').text()).toBe('PostgreSQL');
    expect(origin.text()).toContain('PostgreSQL 15.20');
    expect(stream.find('[data-testid=stream-state]').text()).toBe('streaming');
    expect(stream.text()).toContain('prod1, prod2');
    expect(stream.text()).toContain('Flux de modifications');
    // Each fact is one row of the panel's list: its label (dt) beside its value (dd).
    const facts = (w: typeof origin) =>
      w.findAll('dl.facts > div').map((row) => [row.get('dt').text(), row.get('dd').text()]);
    expect(facts(origin)).toEqual([
      ['Stockage du catalogue', 'PostgreSQL'],
      ['Base', expect.stringContaining('PostgreSQL 15.20')],
      ['Chargements depuis l’origine', expect.any(String)],
    ]);
    expect(facts(stream).map(([label]) => label)).toEqual([
      'Consommateur',
      'Retard du slot',
      'Commit → invalidation',
      'Événements',
      'Slots recréés',
    ]);
    expect(facts(stream)[2]?.[1]).toMatch(/^p50 .* · p99 .*$/);
    origin.unmount();
    stream.unmount();
  });

  it('say when no worker runs a consumer', async () => {
    const ctx = setupApp();
    ctx.fake.on('GET /readyz', {
      body: { status: 'ready', redis: 'up', database: 'up', change_stream: null },
    });
    useConfigStore().config = { ...configResponse, catalog_store: 'postgres' };
    const origin = mount(OriginPanel, { global: ctx.global });
    const stream = mount(ChangeStreamPanel, { global: ctx.global });
    await flushPromises();
    expect(stream.text()).toContain('Aucun worker ne consomme');
    origin.unmount();
    stream.unmount();
  });
});
