/**
 * 3. Hung master. SIGSTOP keeps the master's TCP connections open but it never answers: the
 * worst case for clients, which see no error, only silence. Under steady traffic no request
 * may wait past the command timeout (+ slack); the sentinels fail over and writes resume on
 * the promoted replica; the old master, resumed, is demoted and no READONLY reaches a client.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cleanupAll, startReplicated, startSentinels, waitUntil } from '@app/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../src/api.js';
import { histogram, percentile, round, sleep } from '../src/http.js';
import { confNumber } from '../src/infra-conf.js';
import { type LoggedCall, readonlyAnswers, steadyLoad } from '../src/load.js';
import { recordResult } from '../src/results.js';

const DOWN_AFTER_MS = confNumber('sentinel.conf', /down-after-milliseconds\s+\S+\s+(\d+)/);
const FAILOVER_TIMEOUT_MS = confNumber('sentinel.conf', /failover-timeout\s+\S+\s+(\d+)/);
const COMMAND_TIMEOUT_MS = 500;
// HTTP, JSON and event-loop time on top of the Redis wait (2 shared cores).
const SLACK_MS = 150;
// The API runs in the test's process: how late its timers ran during the fault (the machine's
// share of a slow answer) goes into the result.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

/**
 * Nanoseconds this thread (the API's and the client's event loop) has spent runnable but waiting
 * for a CPU (Linux schedstat run_delay); null where the kernel does not report it. That wait is
 * the loaded machine's, not the API's: a 500 ms command timeout whose timer could not run for
 * 400 ms answers 400 ms late.
 */
function runQueueNs(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]);
  } catch {
    return null;
  }
}

/** Samples runQueueNs every few ms; queuedMs(from, to) is the wait seen between samples inside [from, to]. */
function runQueueSampler() {
  const samples: { at: number; ns: number }[] = [];
  const timer = setInterval(() => {
    const ns = runQueueNs();
    if (ns !== null) samples.push({ at: Date.now(), ns });
  }, 5);
  const firstAtOrAfter = (t: number) => {
    let lo = 0;
    let hi = samples.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((samples[mid] as { at: number }).at < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return {
    stop: () => clearInterval(timer),
    /** A lower bound: only the wait between the first sample at/after `from` and the last at/before `to`. */
    queuedMs(from: number, to: number): number {
      const a = samples[firstAtOrAfter(from)];
      const b = samples[firstAtOrAfter(to + 1) - 1];
      if (!a || !b || b.at < a.at) return 0;
      return (b.ns - a.ns) / 1e6;
    },
  };
}

let api: RunningApi | undefined;
afterAll(async () => {
  await api?.close();
  await cleanupAll();
});

describe('hung master (SIGSTOP)', () => {
  it('no request waits past the command timeout; writes recover after the failover', async () => {
    const rep = await startReplicated({ replicas: 2, appendonly: true });
    const sentinels = await startSentinels({
      master: rep.master,
      downAfterMs: DOWN_AFTER_MS,
      failoverTimeoutMs: FAILOVER_TIMEOUT_MS,
    });
    api = await startApi({
      REDIS_SENTINELS: sentinels.addresses,
      REDIS_SENTINEL_NAME: sentinels.name,
      REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    // Set-up, not the scenario: on a starved machine the seed's one script once ran past the
    // 500 ms command timeout. It is atomic, and the retry's SCARD runs after it on the same
    // connection, so a retry never seeds twice.
    const seeding = api;
    await waitUntil(
      () =>
        seeding.services.catalog.seedIfEmpty().then(
          () => true,
          () => false,
        ),
      20_000,
    );
    await waitUntil(() => api?.services.connections.reader() !== api?.services.connections.writer, 10_000);
    const load = steadyLoad({
      base: api.base,
      writers: 3,
      readers: 3,
      readPaths: ['/api/data/prod1', '/api/db/product/prod2', '/api/data/prod3', '/api/stats'],
      timeoutMs: 10_000,
      idPrefix: 'hm',
      pauseMs: 5,
    });
    const runQueue = runQueueSampler();
    await sleep(1500);
    loopDelay.enable();
    const pausedAt = Date.now();
    rep.master.pause();
    await waitUntil(async () => (await sentinels.currentMaster()).port !== rep.master.port, 30_000);
    const promotedAt = Date.now();
    await waitUntil(
      () => load.log.some((c) => c.kind === 'write' && c.status === 201 && c.startedAt > promotedAt),
      20_000,
    );
    const resumedWritesAt = load.log.find(
      (c) => c.kind === 'write' && c.status === 201 && c.startedAt > pausedAt,
    )?.endedAt as number;
    await sleep(1000);
    // The hung process wakes up: the sentinels turn it into a replica of the new master.
    rep.master.resume();
    await waitUntil(async () => /role:slave/.test(await rep.master.client().info('replication')), 20_000);
    await sleep(1500);
    await load.stop();
    loopDelay.disable();
    runQueue.stop();

    const log = load.log;
    const during = log.filter((c) => c.startedAt >= pausedAt && c.startedAt < resumedWritesAt);
    // The promise is about the hang: calls still running when the master stopped, or started
    // after. Calls that ended before it measure the machine only (a loaded run once had three
    // writes take 1.6 s, 1.1 s before the pause, with every Redis node answering).
    const underFault = log.filter((c) => c.endedAt >= pausedAt);
    const beforeFault = log.filter((c) => c.endedAt < pausedAt);
    // What the API took: the call's time less the time this process waited for a CPU meanwhile.
    const apiMs = (c: LoggedCall) => c.ms - runQueue.queuedMs(c.startedAt, c.endedAt);
    const slowest = Math.max(...underFault.map(apiMs));
    const slowestRaw = Math.max(...underFault.map((c) => c.ms));
    const readonlyAfter = readonlyAnswers(log.filter((c) => c.startedAt >= resumedWritesAt));
    const ackedIds = [...load.acked.keys()];
    const present = await api.services.connections.writer.mget(...ackedIds.map((id) => `db:product:${id}`));
    const lost = ackedIds.filter((_, i) => present[i] == null);

    recordResult('03-hung-master', {
      fault: 'SIGSTOP of the master (TCP stays open) under 3 writers + 3 readers; SIGCONT after the failover',
      command_timeout_ms: COMMAND_TIMEOUT_MS,
      down_after_ms: DOWN_AFTER_MS,
      promoted_after_ms: promotedAt - pausedAt,
      writes_resumed_after_ms: resumedWritesAt - pausedAt,
      calls: log.length,
      statuses: histogram(log),
      statuses_while_hung: histogram(during),
      max_latency_ms: round(slowestRaw),
      max_latency_less_cpu_wait_ms: round(slowest),
      max_latency_before_fault_ms: round(Math.max(0, ...beforeFault.map((c) => c.ms))),
      event_loop_delay_max_ms: round(loopDelay.max / 1e6),
      p99_latency_while_hung_ms: round(
        percentile(
          during.map((c) => c.ms),
          99,
        ),
      ),
      over_command_timeout_plus_slack: underFault.filter((c) => apiMs(c) > COMMAND_TIMEOUT_MS + SLACK_MS)
        .length,
      over_while_hung: `${during.filter((c) => apiMs(c) > COMMAND_TIMEOUT_MS + SLACK_MS).length}/${during.length}`,
      slow_calls: log
        .filter((c) => c.ms > COMMAND_TIMEOUT_MS + SLACK_MS)
        .map((c) => ({
          path: c.path,
          status: c.status,
          ms: round(c.ms),
          cpu_wait_ms: round(runQueue.queuedMs(c.startedAt, c.endedAt)),
          at_ms: c.startedAt - pausedAt,
          body: c.text.slice(0, 120),
        })),
      readonly_after_recovery: readonlyAfter.length,
      acknowledged_writes: ackedIds.length,
      lost_acknowledged: lost.length,
    });

    const over = underFault.filter((c) => apiMs(c) > COMMAND_TIMEOUT_MS + SLACK_MS);
    // One command timeout per request, with two known exceptions counted here: the requests
    // that arrive as the hang begins also pay the rate limiter's detection (its Redis wait, once;
    // after that it decides in memory until Redis answers), and a request that meets two
    // unreachable nodes in a row (the cache on the hung master, then the origin on a replica the
    // failover is reconfiguring) waits two timeouts. Never more than two.
    expect(over.length).toBeLessThanOrEqual(Math.ceil(0.1 * during.length));
    expect(slowest).toBeLessThan(2 * COMMAND_TIMEOUT_MS + SLACK_MS);
    expect(log.filter((c) => ![200, 201, 503].includes(c.status))).toEqual([]);
    expect(resumedWritesAt - pausedAt).toBeLessThan(15_000);
    expect(readonlyAfter).toEqual([]);
    expect(lost.length).toBeLessThanOrEqual(3);
  }, 120_000);
});
