import type { JobSummary } from '@app/api-types';
import { describe, expect, it } from 'vitest';
import { jobsResponse } from '../../testing/fixtures.js';
import { setupApp } from '../../testing/setup-app.js';
import { progressPercent, useJobsStore } from '../jobs.js';
import { useSettingsStore } from '../settings.js';

function job(overrides: Partial<JobSummary> = {}): JobSummary {
  return {
    id: '1',
    name: 'warm-all',
    state: 'active',
    progress: 10,
    data: {},
    result: null,
    failed_reason: null,
    attempts_made: 0,
    created_at: 1000,
    finished_at: null,
    ...overrides,
  };
}

describe('progressPercent', () => {
  it('reads numbers and the object shapes a worker reports', () => {
    expect(progressPercent(42)).toBe(42);
    expect(progressPercent(140)).toBe(100);
    expect(progressPercent({ percent: 30 })).toBe(30);
    expect(progressPercent({ done: 5, total: 20 })).toBe(25);
    expect(progressPercent({ processed: 1, total: 0 })).toBe(0);
    expect(progressPercent(null)).toBe(0);
  });
});

describe('jobs store', () => {
  it('moves a job forward on live events, up to completion', () => {
    setupApp();
    const jobs = useJobsStore();
    jobs.ingest(jobsResponse({ jobs: [job({ id: '5', state: 'waiting', progress: 0 })] }));
    jobs.applyEvent({ event: 'active', id: '5', at: 2000 });
    jobs.applyEvent({ event: 'progress', id: '5', progress: 60, at: 2100 });
    expect(jobs.jobs[0]).toMatchObject({ state: 'active', progress: 60 });
    jobs.applyEvent({ event: 'completed', id: '5', result: { items: 3, ms: 12 }, at: 2200 });
    expect(jobs.jobs[0]).toMatchObject({
      state: 'completed',
      progress: 100,
      finished_at: 2200,
      result: { items: 3, ms: 12 },
    });
  });

  it('adds a job it hears about first through an event', () => {
    setupApp();
    const jobs = useJobsStore();
    jobs.applyEvent({
      event: 'progress',
      id: '8',
      name: 'warm-category',
      progress: { done: 1, total: 4 },
      at: 5,
    });
    expect(jobs.jobs).toHaveLength(1);
    expect(jobs.jobs[0]).toMatchObject({ id: '8', name: 'warm-category', state: 'active' });
  });

  it('does not let an older snapshot undo a finished job', () => {
    setupApp();
    const jobs = useJobsStore();
    jobs.ingest(jobsResponse({ jobs: [job({ id: '5' })] }));
    jobs.applyEvent({ event: 'completed', id: '5', at: 3000 });
    jobs.ingest(jobsResponse({ jobs: [job({ id: '5', state: 'active', progress: 80 })] }));
    expect(jobs.jobs[0]?.state).toBe('completed');
  });

  it('records a failure reason', () => {
    setupApp();
    const jobs = useJobsStore();
    jobs.applyEvent({ event: 'failed', id: '9', name: 'refresh-ttl', failed_reason: 'Redis down', at: 1 });
    expect(jobs.jobs[0]).toMatchObject({ state: 'failed', failed_reason: 'Redis down' });
  });

  it('enqueues with the admin token and lists the new job at once', async () => {
    const { fake } = setupApp();
    fake.on('POST /api/jobs/warm-all', {
      status: 202,
      body: { id: '12', name: 'warm-all', state: 'waiting' },
    });
    useSettingsStore().setToken('tok');
    const jobs = useJobsStore();
    const queued = await jobs.warmAll();
    expect(queued?.id).toBe('12');
    expect(fake.callsTo('POST /api/jobs/warm-all')[0]?.headers.Authorization).toBe('Bearer tok');
    expect(jobs.jobs[0]).toMatchObject({ id: '12', state: 'waiting', progress: 0 });
    expect(jobs.pending).toBeNull();
  });

  it('keeps a refused enqueue as an action error', async () => {
    const { fake } = setupApp();
    fake.on('POST /api/jobs/warm-top', { status: 401, body: { error: 'no', code: 'E_UNAUTHORIZED' } });
    const jobs = useJobsStore();
    expect(await jobs.warmTop(5)).toBeNull();
    expect(fake.callsTo('POST /api/jobs/warm-top')[0]?.body).toEqual({ n: 5 });
    expect(jobs.actionError?.code).toBe('E_UNAUTHORIZED');
  });

  it('exposes the worker heartbeat state', () => {
    setupApp();
    const jobs = useJobsStore();
    expect(jobs.workerAlive).toBeNull();
    jobs.ingest(
      jobsResponse({ worker: { alive: false, last_heartbeat: null, last_results: {}, workers: [] } }),
    );
    expect(jobs.workerAlive).toBe(false);
  });
});
