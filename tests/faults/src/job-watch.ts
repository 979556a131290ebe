import {
  createJobProducer,
  createQueueEvents,
  type JobProducer,
  type JobView,
  type Keyspace,
  type RedisConnections,
} from '@app/redis-core';

/** Job ids in the order the queue's events announced them. */
export interface JobsSeen {
  completed: string[];
  stalled: string[];
  failed: string[];
}

export interface JobWatch {
  producer: JobProducer;
  seen: JobsSeen;
  /** Closes the queue events, then the producer. */
  close(): Promise<void>;
}

/**
 * A job producer on the connections' queue Redis and the queue's events, listening before it
 * returns: every job announced completed, stalled or failed from then on is in `seen`.
 */
export async function watchJobs(connections: RedisConnections, keys: Keyspace): Promise<JobWatch> {
  const deps = { connection: connections.queueConnectionOptions(), prefix: keys.jobsPrefix };
  const producer = createJobProducer(deps as Parameters<typeof createJobProducer>[0]);
  const events = createQueueEvents(deps as Parameters<typeof createQueueEvents>[0]);
  await events.waitUntilReady();
  const seen: JobsSeen = { completed: [], stalled: [], failed: [] };
  events.on('completed', ({ jobId }: { jobId: string }) => seen.completed.push(jobId));
  events.on('stalled', ({ jobId }: { jobId: string }) => seen.stalled.push(jobId));
  events.on('failed', ({ jobId }: { jobId: string }) => seen.failed.push(jobId));
  return {
    producer,
    seen,
    async close() {
      await events.close().catch(() => undefined);
      await producer.close();
    },
  };
}

/** How many items a warm job has done (its progress), 0 before it reports any. */
export async function jobProgress(producer: JobProducer, jobId: string): Promise<number> {
  const view = await producer.get(jobId);
  return (view?.progress as { done?: number } | undefined)?.done ?? 0;
}

/** How often the queue announced one job stalled, completed and failed, and how it ended. */
export function jobRuns(seen: JobsSeen, jobId: string, done: JobView | null) {
  const count = (ids: string[]) => ids.filter((id) => id === jobId).length;
  return {
    stalled_events: count(seen.stalled),
    completed_events: count(seen.completed),
    failed_events: count(seen.failed),
    final_state: done?.state,
    items_in_result: (done?.result as { items?: number } | null)?.items,
  };
}
