/** Periodic liveness beat (readWorkerStatus on the API side); a failed beat is logged, never fatal. */
import { removeWorkerHeartbeat, type WorkerHeartbeat, writeWorkerHeartbeat } from '@app/redis-core';
import type { Keyspace, Logger, RedisClient } from './ports.js';

export interface HeartbeatDeps {
  redis: RedisClient;
  keys: Pick<Keyspace, 'workerHeartbeat' | 'worker'>;
  logger: Logger;
  intervalMs: number;
  ttlMs: number;
  describe(): Omit<WorkerHeartbeat, 'at'>;
}

export function startHeartbeat(deps: HeartbeatDeps): { stop(): Promise<void> } {
  let failing = false;
  const beat = async () => {
    try {
      await writeWorkerHeartbeat(deps.redis, deps.keys, deps.describe(), deps.ttlMs);
      if (failing) deps.logger.info({}, 'worker heartbeat restored');
      failing = false;
    } catch (err) {
      if (!failing) deps.logger.warn({ err: (err as Error).message }, 'worker heartbeat failed');
      failing = true;
    }
  };
  void beat();
  const timer = setInterval(beat, deps.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await removeWorkerHeartbeat(deps.redis, deps.keys, deps.describe().workerId).catch(() => undefined);
    },
  };
}
