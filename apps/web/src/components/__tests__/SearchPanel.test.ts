import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useConfigStore } from '../../stores/config.js';
import { useSettingsStore } from '../../stores/settings.js';
import { configResponse, dataResponse, smartphone } from '../../testing/fixtures.js';
import { setupApp } from '../../testing/setup-app.js';
import SearchPanel from '../SearchPanel.vue';

describe('SearchPanel', () => {
  beforeEach(() => {
    sessionStorage.clear();
    localStorage.clear();
  });
  afterEach(() => vi.useRealTimers());

  function setup() {
    const ctx = setupApp();
    ctx.fake.on('GET /api/history', { body: { recent: [], top: [] } });
    let reads = 0;
    ctx.fake.on('GET /api/data/prod1', () => {
      reads += 1;
      return {
        body:
          reads === 1
            ? dataResponse({ response_time: 51.3 })
            : dataResponse({ source: 'cache', ttl: 58, response_time: 0.42 }),
      };
    });
    useConfigStore().config = { ...configResponse };
    const wrapper = mount(SearchPanel, { global: ctx.global });
    return { ...ctx, wrapper };
  }

  it('shows database then cache with the response time, and a TTL that counts down', async () => {
    const { wrapper } = setup();
    await wrapper.get('[data-testid=search-input]').setValue('prod1');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid=source-badge]').text()).toBe('base de données');
    expect(wrapper.get('[data-testid=response-time]').text()).toContain('51');
    expect(wrapper.text()).toContain('Smartphone Premium');
    expect(wrapper.text()).toContain('pas de TTL');

    // Fake only the clock and the countdown's interval; promises and fetch keep real timers.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid=source-badge]').text()).toBe('cache');
    const ttl = () => Number(wrapper.get('[data-testid=ttl-value]').attributes('data-remaining-ms'));
    const first = ttl();
    expect(first).toBeGreaterThan(57_000);
    expect(first).toBeLessThanOrEqual(58_000);
    vi.advanceTimersByTime(2000);
    await wrapper.vm.$nextTick();
    expect(ttl()).toBeLessThanOrEqual(first - 1900);
    expect(wrapper.get('[data-testid=ttl-value]').text()).toMatch(/^5[56],\d s$/);
  });

  it('says when the id does not exist, and refuses an impossible one', async () => {
    const { wrapper, fake } = setup();
    fake.on('GET /api/data/ghost', {
      status: 404,
      body: { error: 'Produit non trouvé', code: 'E_NOT_FOUND' },
    });
    await wrapper.get('[data-testid=search-input]').setValue('ghost');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid=search-error]').text()).toContain('Aucun produit « ghost »');
    await wrapper.get('[data-testid=search-input]').setValue('a b');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid=search-error]').text()).toContain('Identifiant invalide');
  });

  it('suggests products by name and searches the picked one with the keyboard', async () => {
    vi.useFakeTimers();
    const { wrapper, fake } = setup();
    fake.on('GET /api/db/search', {
      body: { query: 'Smart', count: 1, products: [smartphone], source: 'cache', response_time: 1 },
    });
    const input = wrapper.get('[data-testid=search-input]');
    await input.setValue('Smart');
    await input.trigger('input');
    vi.advanceTimersByTime(250);
    vi.useRealTimers();
    await flushPromises();
    const options = wrapper.findAll('[role=option]');
    expect(options).toHaveLength(1);
    expect(input.attributes('aria-expanded')).toBe('true');
    await input.trigger('keydown', { key: 'ArrowDown' });
    expect(input.attributes('aria-activedescendant')).toBe(options[0]!.attributes('id'));
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(fake.callsTo('GET /api/data/prod1')).toHaveLength(1);
    expect((input.element as HTMLInputElement).value).toBe('prod1');
  });

  it('offers invalidation only with an admin token, and shows the origin delay banner', async () => {
    const { wrapper, fake } = setup();
    fake.on('DELETE /api/data/prod1', { body: { invalidated: true } });
    await wrapper.get('[data-testid=search-input]').setValue('prod1');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid=invalidate]').attributes('disabled')).toBeDefined();
    useSettingsStore().setToken('tok');
    await flushPromises();
    await wrapper.get('[data-testid=invalidate]').trigger('click');
    await flushPromises();
    expect(fake.callsTo('DELETE /api/data/prod1')).toHaveLength(1);
    expect(wrapper.text()).toContain('Entrée invalidée');

    expect(wrapper.find('[data-testid=origin-delay-banner]').exists()).toBe(false);
    useConfigStore().config = { ...configResponse, origin_delay_ms: 300 };
    await flushPromises();
    expect(wrapper.get('[data-testid=origin-delay-banner]').text()).toContain('300 ms');
  });
});
