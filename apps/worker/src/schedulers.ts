/**
 * Job schedulers, upserted by id at every start: restarting (or running several workers) updates
 * the one scheduler in place instead of adding another.
 */
import { JOB } from '@app/redis-core';
import type { Queue } from 'bullmq';

export const REFRESH_SCHEDULER_ID = 'refresh-ttl-every';
/** Deduplication id of the start-up warm-all: workers starting together enqueue it once. */
export const WARM_ON_START_DEDUP_ID = 'warm-on-start';

export interface ScheduleSettings {
  /** 0 turns the periodic TTL refresh off (and removes an existing scheduler). */
  refreshEveryMs: number;
  warmOnStart: boolean;
}

export async function applySchedules(queue: Queue, settings: ScheduleSettings): Promise<void> {
  if (settings.refreshEveryMs > 0) {
    await queue.upsertJobScheduler(
      REFRESH_SCHEDULER_ID,
      { every: settings.refreshEveryMs },
      {
        name: JOB.refresh,
        data: {},
        // The next run comes soon anyway: no retries, and keep only a short trail of runs.
        opts: {
          attempts: 1,
          removeOnComplete: { count: 50, age: 3600 },
          removeOnFail: { count: 100, age: 24 * 3600 },
        },
      },
    );
  } else {
    await queue.removeJobScheduler(REFRESH_SCHEDULER_ID);
  }
  if (settings.warmOnStart) {
    await queue.add(JOB.warmAll, {}, { deduplication: { id: WARM_ON_START_DEDUP_ID } });
  }
}
