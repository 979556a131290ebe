import type { ProbeResult, Replication } from '@app/redis-core';
import type { Logger } from 'pino';

export interface ProbeSchedule {
  /** The newest probe any API instance stored (null before the first). Marks the status as watched. */
  latest(): ProbeResult | null;
  stop(): void;
}

export interface ProbeScheduleOptions {
  replication: Pick<Replication, 'sharedProbe'>;
  /** REPLICATION_PROBE_EVERY_SECONDS in ms; 0 = never probe on its own. */
  everyMs: number;
  /** How long one probe waits for the token on the replicas. */
  timeoutMs: number;
  /** Nobody read the status for this long: the schedule pauses until someone does. */
  idleMs?: number;
  logger: Logger;
}

/**
 * The API probes replication itself, so a viewer sees a live arrival time without writing
 * anything (the on-demand probe is admin-only). The probe runs only while someone reads the
 * status (the monitor's stream, GET /api/replication), and at most once per period across every
 * API instance: replication.sharedProbe takes a short lock, and the instances that did not get it
 * read the result the winner stored.
 */
export function createProbeSchedule(opts: ProbeScheduleOptions): ProbeSchedule {
  const idleMs = opts.idleMs ?? 30_000;
  let latest: ProbeResult | null = null;
  let watchedAt = 0;
  /** A loop is running (probing or waiting for its next round). */
  let active = false;
  let stopped = false;
  let wake: (() => void) | null = null;
  let timer: NodeJS.Timeout | undefined;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
      timer.unref();
    });

  async function loop(): Promise<void> {
    // Nobody read the status for idleMs: stop until someone does.
    while (!stopped && Date.now() - watchedAt <= idleMs) {
      try {
        const shared = await opts.replication.sharedProbe({
          everyMs: opts.everyMs,
          timeoutMs: opts.timeoutMs,
        });
        if (shared) latest = shared;
      } catch (err) {
        opts.logger.warn({ err }, 'periodic replication probe failed');
      }
      if (!stopped) await pause(opts.everyMs);
    }
    active = false;
  }

  return {
    latest() {
      watchedAt = Date.now();
      if (opts.everyMs > 0 && !active && !stopped) {
        active = true;
        void loop();
      }
      return latest;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
    },
  };
}
