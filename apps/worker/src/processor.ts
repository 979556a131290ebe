/**
 * The one BullMQ processor: validates the payload against the shared schema (a bad payload can
 * never succeed, so it fails at once with UnrecoverableError: no retry), then runs the job.
 */
import { isJobName, JOB, type JobName, type JobSummary, parseJobPayload } from '@app/redis-core';
import { type Job, UnrecoverableError } from 'bullmq';
import { type RefreshDeps, type RefreshSettings, refreshHotEntries } from './refresh.js';
import { type ReportProgress, type WarmDeps, warmAll, warmCategory, warmTop } from './warm.js';

export type JobDeps = WarmDeps & RefreshDeps;

export function validateJob(job: Pick<Job, 'name' | 'data'>): { name: JobName; payload: unknown } {
  if (!isJobName(job.name)) throw new UnrecoverableError(`unknown job name '${job.name}'`);
  try {
    return { name: job.name, payload: parseJobPayload(job.name, job.data) };
  } catch (err) {
    throw new UnrecoverableError(err instanceof Error ? err.message : String(err));
  }
}

export function createProcessor(deps: JobDeps, refresh: RefreshSettings) {
  return async (job: Job): Promise<JobSummary> => {
    const { name, payload } = validateJob(job);
    const report: ReportProgress = (progress) => job.updateProgress(progress);
    switch (name) {
      case JOB.warmAll:
        return warmAll(deps, payload as { batchSize?: number }, report);
      case JOB.warmCategory:
        return warmCategory(deps, payload as { category: string; batchSize?: number }, report);
      case JOB.warmTop:
        return warmTop(deps, payload as { n: number }, report);
      case JOB.refresh: {
        const p = payload as { limit?: number; thresholdRatio?: number };
        return refreshHotEntries(
          deps,
          {
            ...refresh,
            limit: p.limit ?? refresh.limit,
            thresholdRatio: p.thresholdRatio ?? refresh.thresholdRatio,
          },
          report,
        );
      }
    }
  };
}
