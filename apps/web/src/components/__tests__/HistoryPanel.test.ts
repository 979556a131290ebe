import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { useSearchStore } from '../../stores/search.js';
import { dataResponse } from '../../testing/fixtures.js';
import { setupApp } from '../../testing/setup-app.js';
import HistoryPanel from '../HistoryPanel.vue';

describe('HistoryPanel', () => {
  it('lists each recent query once, the top ones with counts, and searches again on click', async () => {
    const ctx = setupApp();
    const now = Date.now();
    ctx.fake.on('GET /api/history', {
      body: {
        recent: [
          { query: 'prod1', at: now - 1000 },
          { query: 'prod2', at: now - 2000 },
          { query: 'prod1', at: now - 3000 },
        ],
        top: [
          { query: 'prod1', count: 5 },
          { query: 'prod2', count: 1 },
        ],
      },
    });
    ctx.fake.on('GET /api/data/prod2', {
      body: dataResponse({ data: { ...dataResponse().data, id: 'prod2' } }),
    });
    const wrapper = mount(HistoryPanel, { global: ctx.global });
    await flushPromises();
    const recent = wrapper.findAll('[data-testid=history-recent] li');
    expect(recent.map((li) => li.find('button').text())).toEqual(['prod1', 'prod2']);
    const top = wrapper.findAll('[data-testid=history-top] li');
    expect(top[0]?.text()).toContain('5 fois');

    await recent[1]!.find('button').trigger('click');
    await flushPromises();
    expect(ctx.fake.callsTo('GET /api/data/prod2')).toHaveLength(1);
    expect(useSearchStore().result?.id).toBe('prod2');
    wrapper.unmount();
  });
});
