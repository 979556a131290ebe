/**
 * The worker's configuration: the shared AppConfig (loadConfig, including its `worker` section)
 * plus the few worker-only knobs it does not carry, validated here with the same rules (a bad
 * value fails at start with ConfigError naming the variable).
 */
import { type AppConfig, ConfigError, loadConfig } from '@app/redis-core';
import { z } from 'zod';
import type { WorkerSettings } from './create-worker.js';

/** Unprefixed names from the project issue, accepted when the WORKER_ one is not set. */
const ALIASES: Record<string, string> = {
  REFRESH_EVERY_SECONDS: 'WORKER_REFRESH_EVERY_SECONDS',
  WARM_ON_START: 'WORKER_WARM_ON_START',
  REFRESH_THRESHOLD_RATIO: 'WORKER_REFRESH_THRESHOLD_RATIO',
};

function withAliases(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const [alias, name] of Object.entries(ALIASES)) {
    if ((out[name] ?? '') === '' && (out[alias] ?? '') !== '') out[name] = out[alias];
  }
  return out;
}

function int(min: number, max: number) {
  const message = `must be an integer ${min}-${max}`;
  return z
    .string()
    .trim()
    .regex(/^\d+$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message))
    .optional();
}

const extraSchema = z.object({
  WORKER_LOCK_DURATION_MS: int(1000, 3_600_000),
  WORKER_STALLED_INTERVAL_MS: int(500, 3_600_000),
  WORKER_HEARTBEAT_MS: int(200, 60_000),
  WORKER_REFRESH_LIMIT: int(1, 100_000),
  WORKER_HOT_WINDOW_SECONDS: int(1, 86_400),
});

export interface WorkerConfig {
  app: AppConfig;
  settings: WorkerSettings;
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const merged = withAliases(env);
  const app = loadConfig(merged);
  const blankAsUnset = Object.fromEntries(
    Object.keys(extraSchema.shape).map((k) => [k, (merged[k] ?? '').trim() === '' ? undefined : merged[k]]),
  );
  const parsed = extraSchema.safeParse(blankAsUnset);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue?.path[0] ?? 'environment'), issue?.message ?? 'invalid value');
  }
  const e = parsed.data;
  const ttlMs = app.cacheTtlSeconds * 1000;
  return {
    app,
    settings: {
      concurrency: app.worker.concurrency,
      refreshEveryMs: app.worker.refreshEverySeconds * 1000,
      warmOnStart: app.worker.warmOnStart,
      thresholdRatio: app.worker.refreshThresholdRatio,
      ttlMs,
      // By default a key is hot when it was read within the last TTL period.
      hotWindowMs: (e.WORKER_HOT_WINDOW_SECONDS ?? app.cacheTtlSeconds) * 1000,
      limit: e.WORKER_REFRESH_LIMIT ?? 1000,
      graceMs: app.graceSeconds * 1000,
      lockDurationMs: e.WORKER_LOCK_DURATION_MS ?? 30_000,
      stalledIntervalMs: e.WORKER_STALLED_INTERVAL_MS ?? 30_000,
      heartbeatMs: e.WORKER_HEARTBEAT_MS ?? 2000,
      heartbeatTtlMs: 10_000,
    },
  };
}
