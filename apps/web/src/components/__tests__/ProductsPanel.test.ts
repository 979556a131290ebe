import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import { useSettingsStore } from '../../stores/settings.js';
import { smartphone } from '../../testing/fixtures.js';
import { setupApp } from '../../testing/setup-app.js';
import ProductsPanel from '../ProductsPanel.vue';

describe('ProductsPanel', () => {
  beforeEach(() => sessionStorage.clear());

  function setup() {
    const ctx = setupApp();
    ctx.fake.on('GET /api/db/products', {
      body: { count: 1, products: [smartphone], next_cursor: null, source: 'cache', response_time: 0.8 },
    });
    ctx.fake.on('GET /api/db/categories', { body: { categories: [{ category: 'electronics', count: 1 }] } });
    ctx.fake.on('POST /api/db/add', (call) => ({
      status: 201,
      body: { message: 'ok', product: call.body, created: true },
    }));
    ctx.fake.on('DELETE /api/db/product/prod1', { body: { deleted: true } });
    return ctx;
  }

  it('keeps writes disabled without an admin token', async () => {
    const ctx = setup();
    const wrapper = mount(ProductsPanel, { global: ctx.global });
    await flushPromises();
    expect(wrapper.get('[data-testid=products-table]').text()).toContain('Smartphone Premium');
    expect(wrapper.get('[data-testid=product-add]').attributes('disabled')).toBeDefined();
    expect(wrapper.text()).toContain('Jeton administrateur requis');
  });

  it('adds a product through the form with the token', async () => {
    const ctx = setup();
    useSettingsStore().setToken('tok');
    const wrapper = mount(ProductsPanel, { global: ctx.global });
    await flushPromises();
    await wrapper.get('[data-testid=product-add]').trigger('click');
    const form = wrapper.get('[data-testid=product-form]');
    const inputs = form.findAll('input');
    await inputs[0]!.setValue('lamp-1'); // id
    await inputs[1]!.setValue('Desk Lamp'); // name
    await inputs[2]!.setValue('39.9'); // price
    await inputs[3]!.setValue('Home'); // category
    await inputs[4]!.setValue('LED, dimmable'); // features
    await form.trigger('submit');
    await flushPromises();
    const [post] = ctx.fake.callsTo('POST /api/db/add');
    expect(post?.headers.Authorization).toBe('Bearer tok');
    expect(post?.body).toEqual({
      id: 'lamp-1',
      name: 'Desk Lamp',
      price: 39.9,
      category: 'home',
      in_stock: true,
      features: ['LED', 'dimmable'],
    });
    expect(wrapper.find('[data-testid=product-form]').exists()).toBe(false);
  });

  it('asks before deleting', async () => {
    const ctx = setup();
    useSettingsStore().setToken('tok');
    const wrapper = mount(ProductsPanel, { global: ctx.global });
    await flushPromises();
    const deleteButton = () => wrapper.findAll('button').find((b) => b.text() === 'Supprimer')!;
    await deleteButton().trigger('click');
    expect(ctx.fake.callsTo('DELETE /api/db/product/prod1')).toHaveLength(0);
    expect(wrapper.text()).toContain('Supprimer prod1 ?');
    await deleteButton().trigger('click');
    await flushPromises();
    expect(ctx.fake.callsTo('DELETE /api/db/product/prod1')).toHaveLength(1);
  });
});
