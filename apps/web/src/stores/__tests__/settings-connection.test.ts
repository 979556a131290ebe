import { beforeEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import { setupApp } from '../../testing/setup-app.js';
import { useConnectionStore } from '../connection.js';
import { useSettingsStore } from '../settings.js';

describe('settings store', () => {
  beforeEach(() => {
    sessionStorage.clear();
    localStorage.clear();
  });

  it('defaults to French and remembers the chosen language in localStorage', async () => {
    setupApp();
    const settings = useSettingsStore();
    expect(settings.locale).toBe('fr');
    settings.setLocale('en');
    await nextTick();
    expect(localStorage.getItem('monitor.locale')).toBe('en');
    setupApp(); // a fresh page
    expect(useSettingsStore().locale).toBe('en');
  });

  it('keeps the admin token in sessionStorage only', async () => {
    setupApp();
    const settings = useSettingsStore();
    settings.setToken('  tok  ');
    await nextTick();
    expect(settings.adminToken).toBe('tok');
    expect(sessionStorage.getItem('monitor.adminToken')).toBe('tok');
    expect(localStorage.getItem('monitor.adminToken')).toBeNull();
    settings.setToken('');
    await nextTick();
    expect(settings.hasToken).toBe(false);
    expect(sessionStorage.getItem('monitor.adminToken')).toBeNull();
  });
});

describe('connection store', () => {
  it('shows the API down on a network failure and clears it on the next answer', async () => {
    const { fake, client } = setupApp();
    const connection = useConnectionStore();
    fake.setOffline(true);
    await client.getConfig().catch(() => undefined);
    expect(connection.problem).toBe('api-down');
    fake.setOffline(false);
    fake.on('GET /readyz', { body: { status: 'ready', redis: 'up' } });
    await connection.checkReadiness();
    expect(connection.problem).toBeNull();
  });

  it('shows Redis down from /readyz and from a 503 Redis code', async () => {
    const { fake, client } = setupApp();
    const connection = useConnectionStore();
    fake.on('GET /readyz', { status: 503, body: { status: 'unavailable', redis: 'down' } });
    await connection.checkReadiness();
    expect(connection.problem).toBe('redis-down');
    fake.on('GET /readyz', { body: { status: 'ready', redis: 'up' } });
    await connection.checkReadiness();
    expect(connection.problem).toBeNull();
    fake.on('GET /api/stats', { status: 503, body: { error: 'down', code: 'E_CACHE_UNAVAILABLE' } });
    await client.getStats().catch(() => undefined);
    expect(connection.problem).toBe('redis-down');
  });

  it('treats an open stream as proof the API is back', () => {
    setupApp();
    const connection = useConnectionStore();
    connection.apiReachable = false;
    connection.setStream('reconnecting', Date.now() + 1000);
    expect(connection.reconnecting).toBe(true);
    connection.setStream('open', null);
    expect(connection.problem).toBeNull();
  });
});
