import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from '../../App.vue';
import {
  configResponse,
  jobsResponse,
  node,
  replicationResponse,
  statsResponse,
} from '../../testing/fixtures.js';
import { setupApp } from '../../testing/setup-app.js';

/** The browser's EventSource, replaced so the test plays the server's side of GET /api/stream. */
class FakeEventSource {
  static last: FakeEventSource | null = null;
  onopen: ((e: Event) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  listeners = new Map<string, (e: MessageEvent) => void>();
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(type: string, fn: (e: MessageEvent) => void) {
    this.listeners.set(type, fn);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, payload: unknown) {
    this.listeners.get(type)?.(new MessageEvent(type, { data: JSON.stringify(payload) }));
  }
}

function setup() {
  const ctx = setupApp();
  const { fake } = ctx;
  fake.on('GET /api/config', { body: configResponse });
  fake.on('GET /api/stats', { body: statsResponse() });
  fake.on('GET /api/stats/series', { body: { points: [] } });
  fake.on('GET /api/replication', { body: replicationResponse() });
  fake.on('GET /api/jobs', { body: jobsResponse() });
  fake.on('GET /api/history', {
    body: { recent: [{ query: 'prod1', at: Date.now() }], top: [{ query: 'prod1', count: 3 }] },
  });
  fake.on('GET /readyz', { body: { status: 'ready', redis: 'up' } });
  fake.on('GET /api/cache/keys', { body: { cursor: '0', keys: [] } });
  fake.on('GET /api/db/categories', { body: { categories: [{ category: 'electronics', count: 1 }] } });
  fake.on('GET /api/db/products', {
    body: { count: 0, products: [], next_cursor: null, source: 'database', response_time: 1 },
  });
  const wrapper = mount(App, { global: ctx.global, attachTo: document.body });
  return { ...ctx, wrapper };
}

describe('App (live monitor)', () => {
  beforeEach(() => {
    localStorage.clear();
    sessionStorage.clear();
    vi.stubGlobal('EventSource', FakeEventSource);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    document.body.innerHTML = '';
  });

  it('subscribes to /api/stream and turns a replica red when an event says it is down', async () => {
    const { wrapper } = setup();
    await flushPromises();
    const source = FakeEventSource.last!;
    expect(source.url).toBe('/api/stream');
    source.onopen?.(new Event('open'));
    await flushPromises();
    expect(wrapper.get('[data-testid=stream-state]').attributes('data-state')).toBe('open');
    expect(wrapper.get('[data-role=replica]').attributes('data-health')).toBe('ok');
    // With replicas the panel states the split-brain guard's trade-off (writes need a replica).
    expect(wrapper.get('[data-testid=write-guard]').text()).toContain('min-replicas-to-write 1');

    source.emit('replication', replicationResponse({ replicas: [node({ up: false, link_status: 'down' })] }));
    await flushPromises();
    const replica = wrapper.get('[data-role=replica]');
    expect(replica.attributes('data-health')).toBe('down');
    expect(replica.classes()).toContain('node--down');
    expect(replica.text()).toContain('hors ligne');
    wrapper.unmount();
    expect(source.closed).toBe(true);
  });

  it('moves a job progress bar on job events and updates the stats gauges', async () => {
    const { wrapper } = setup();
    await flushPromises();
    const source = FakeEventSource.last!;
    source.emit('job', { event: 'active', id: '3', name: 'warm-all', at: Date.now() });
    source.emit('job', { event: 'progress', id: '3', name: 'warm-all', progress: 40, at: Date.now() });
    await flushPromises();
    const bar = wrapper.get('[data-job-id="3"] [role=progressbar]');
    expect(bar.attributes('aria-valuenow')).toBe('40');
    source.emit('job', {
      event: 'completed',
      id: '3',
      name: 'warm-all',
      result: { items: 3 },
      at: Date.now(),
    });
    await flushPromises();
    expect(wrapper.get('[data-job-id="3"] [role=progressbar]').attributes('aria-valuenow')).toBe('100');

    source.emit('stats', statsResponse({ hits: 9, misses: 1, hit_ratio: 0.9, requests: 10 }));
    await flushPromises();
    expect(wrapper.get('[data-testid=gauge-total]').text()).toContain('90');
    expect(wrapper.get('[data-testid=hits]').text()).toBe('9');
    wrapper.unmount();
  });

  it('switches to English, remembers it, and back to French', async () => {
    const { wrapper } = setup();
    await flushPromises();
    expect(wrapper.text()).toContain('Moniteur de cache Redis');
    expect(document.documentElement.lang).toBe('fr');
    await wrapper.get('[data-testid=lang-en]').trigger('click');
    await flushPromises();
    expect(wrapper.text()).toContain('Redis Cache Monitor');
    expect(wrapper.get('[data-testid=lang-en]').attributes('aria-pressed')).toBe('true');
    expect(localStorage.getItem('monitor.locale')).toBe('en');
    expect(document.documentElement.lang).toBe('en');
    await wrapper.get('[data-testid=lang-fr]').trigger('click');
    await flushPromises();
    expect(wrapper.text()).toContain('Recherche');
    wrapper.unmount();
  });

  it('shows a banner when the API stops answering and when Redis is down', async () => {
    const { wrapper, fake } = setup();
    await flushPromises();
    expect(wrapper.find('[data-testid=banner-api-down]').exists()).toBe(false);
    FakeEventSource.last!.emit('stats', { error: 'Redis unavailable', code: 'E_REDIS_UNAVAILABLE' });
    await flushPromises();
    expect(wrapper.get('[data-testid=banner-redis-down]').text()).toContain('Redis est indisponible');

    fake.setOffline(true);
    await wrapper.get('[data-testid=search-input]').setValue('prod1');
    await wrapper.get('form[role=search]').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid=banner-api-down]').text()).toContain("L'API ne répond pas");
    wrapper.unmount();
  });

  it('keeps the admin token typed in the settings for this tab', async () => {
    const { wrapper } = setup();
    await flushPromises();
    await wrapper.get('[data-testid=settings-toggle]').trigger('click');
    await wrapper.get('[data-testid=token-input]').setValue('letmein');
    await wrapper.get('[data-testid=settings] form').trigger('submit');
    await flushPromises();
    expect(sessionStorage.getItem('monitor.adminToken')).toBe('letmein');
    expect(wrapper.get('[data-testid=warm-all]').attributes('disabled')).toBeUndefined();
    wrapper.unmount();
  });
});
