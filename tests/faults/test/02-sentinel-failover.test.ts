/**
 * 2. Sentinel failover. A master with two replicas, three sentinels (quorum 2) with the
 * down-after and failover timeouts of infra/redis/sentinel.conf, the API configured through
 * REDIS_SENTINELS. Under steady writes and reads the master is SIGKILLed; later it comes back
 * (and must be demoted, not written to). Measured: how long writes are refused, what every
 * client got meanwhile, READONLY errors after the switch, reads served during the outage, and
 * which acknowledged writes the new master has.
 */
import { cleanupAll, type RedisServer, startReplicated, startSentinels, waitUntil } from '@app/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../src/api.js';
import { histogram, percentile, round, sleep } from '../src/http.js';
import { confNumber } from '../src/infra-conf.js';
import { readonlyAnswers, steadyLoad } from '../src/load.js';
import { recordResult } from '../src/results.js';

const DOWN_AFTER_MS = confNumber('sentinel.conf', /down-after-milliseconds\s+\S+\s+(\d+)/);
const FAILOVER_TIMEOUT_MS = confNumber('sentinel.conf', /failover-timeout\s+\S+\s+(\d+)/);
const COMMAND_TIMEOUT_MS = 1000; // the shipped default (REDIS_COMMAND_TIMEOUT_MS)
const CLIENT_TIMEOUT_MS = 10_000;

let api: RunningApi | undefined;
afterAll(async () => {
  await api?.close();
  await cleanupAll();
});

describe('sentinel failover under steady writes', () => {
  it('writes resume on the new master within 15 s; only 2xx/503, no READONLY, reads keep working', async () => {
    const rep = await startReplicated({ replicas: 2, appendonly: true });
    const sentinels = await startSentinels({
      master: rep.master,
      quorum: 2,
      downAfterMs: DOWN_AFTER_MS,
      failoverTimeoutMs: FAILOVER_TIMEOUT_MS,
    });
    api = await startApi(
      {
        REDIS_SENTINELS: sentinels.addresses,
        REDIS_SENTINEL_NAME: sentinels.name,
        RATE_LIMIT_PER_MINUTE: '1000000',
      },
      { seed: true },
    );
    expect(api.config.commandTimeoutMs).toBe(COMMAND_TIMEOUT_MS);
    await waitUntil(() => api?.services.connections.reader() !== api?.services.connections.writer, 10_000);

    const load = steadyLoad({
      base: api.base,
      writers: 4,
      readers: 2,
      readPaths: ['/api/db/product/prod1', '/api/db/product/prod2', '/api/db/list?limit=5'],
      timeoutMs: CLIENT_TIMEOUT_MS,
      idPrefix: 'sf',
      pauseMs: 5,
    });
    await sleep(2000);
    const killedAt = Date.now();
    await rep.master.kill();
    await waitUntil(async () => (await sentinels.currentMaster()).port !== rep.master.port, 30_000);
    const promotedAt = Date.now();
    const newMasterPort = (await sentinels.currentMaster()).port;
    const promoted = rep.replicas.find((r) => r.port === newMasterPort) as RedisServer;
    const survivor = rep.replicas.find((r) => r.port !== newMasterPort) as RedisServer;
    await waitUntil(
      () => load.log.some((c) => c.kind === 'write' && c.status === 201 && c.startedAt > killedAt),
      20_000,
    );
    await sleep(3000);
    // The old master comes back with its old data and thinks it is a master until the sentinels
    // demote it: any write that reached it would be lost. Traffic keeps running through this.
    const restartedAt = Date.now();
    await rep.master.start();
    await waitUntil(async () => /role:slave/.test(await rep.master.client().info('replication')), 20_000);
    await sleep(2000);
    await load.stop();

    const log = load.log;
    const after = log.filter((c) => c.startedAt >= killedAt);
    const firstWriteBack = after.find((c) => c.kind === 'write' && (c.status === 201 || c.status === 200));
    const writeResumeMs = (firstWriteBack?.endedAt ?? Number.POSITIVE_INFINITY) - killedAt;
    const outage = log.filter(
      (c) => c.startedAt >= killedAt && c.startedAt <= (firstWriteBack?.endedAt ?? 0),
    );
    const outageReads = outage.filter((c) => c.kind === 'read');
    const switchAt = firstWriteBack?.endedAt ?? promotedAt;
    const readonlyAfterSwitch = readonlyAnswers(log.filter((c) => c.startedAt >= switchAt));

    // Every write acknowledged after the switch is on the new master; those acknowledged before
    // the kill are there unless they had not reached a replica yet (asynchronous replication).
    const newMaster = promoted.client();
    const ackedIds = [...load.acked.keys()];
    const present = await newMaster.mget(ackedIds.map((id) => `db:product:${id}`));
    const lost = ackedIds.filter((_, i) => present[i] == null);
    const lostAfterSwitch = lost.filter((id) => (load.acked.get(id)?.at ?? 0) >= switchAt);
    const consistency = await api.services.catalog.checkConsistency();
    const survivorRole = /role:slave/.test(await survivor.client().info('replication'));

    recordResult('02-sentinel-failover', {
      fault:
        'SIGKILL of the master (2 replicas, 3 sentinels quorum 2) under 4 writers + 2 readers; old master restarted later',
      down_after_ms: DOWN_AFTER_MS,
      command_timeout_ms: COMMAND_TIMEOUT_MS,
      promoted_after_ms: promotedAt - killedAt,
      writes_resumed_after_ms: writeResumeMs,
      calls: log.length,
      statuses: histogram(log),
      statuses_during_outage: histogram(outage),
      max_latency_ms: round(Math.max(...log.map((c) => c.ms))),
      p99_latency_during_outage_ms: round(
        percentile(
          outage.map((c) => c.ms),
          99,
        ),
      ),
      client_timeouts: log.filter((c) => c.status === 0).length,
      readonly_after_switch: readonlyAfterSwitch.length,
      reads_during_outage: {
        total: outageReads.length,
        ok: outageReads.filter((c) => c.status === 200).length,
      },
      failed_reads: outageReads
        .filter((c) => c.status !== 200)
        .map((c) => ({
          path: c.path,
          status: c.status,
          ms: round(c.ms),
          started_after_kill_ms: c.startedAt - killedAt,
        })),
      acknowledged_writes: ackedIds.length,
      lost_acknowledged_total: lost.length,
      lost_acknowledged_after_switch: lostAfterSwitch.length,
      old_master_restarted_after_ms: restartedAt - killedAt,
      consistency_ok: consistency.ok,
    });

    expect(writeResumeMs).toBeLessThan(15_000);
    expect(log.filter((c) => ![200, 201, 503].includes(c.status))).toEqual([]);
    expect(
      log
        .filter((c) => c.status === 503)
        .every((c) => (c.body as { code?: string }).code === 'E_REDIS_UNAVAILABLE'),
    ).toBe(true);
    // No call hangs: each is bounded by the command timeout (+ HTTP and scheduling slack).
    expect(Math.max(...log.map((c) => c.ms))).toBeLessThan(COMMAND_TIMEOUT_MS + 1000);
    expect(readonlyAfterSwitch).toEqual([]);
    expect(outageReads.length).toBeGreaterThan(0);
    // Reads are served by a replica throughout; the only misses allowed are reads in flight on
    // the replica at the instant Sentinel promotes or reconfigures it (its clients are killed):
    // they get a 503 within the command timeout. Measured: 0 to 2 per run.
    const failedReads = outageReads.filter((c) => c.status !== 200);
    expect(failedReads.length).toBeLessThanOrEqual(Math.ceil(0.005 * outageReads.length));
    expect(failedReads.every((c) => c.status === 503 && c.ms < COMMAND_TIMEOUT_MS + 500)).toBe(true);
    expect(lostAfterSwitch).toEqual([]);
    // Asynchronous replication: only a write acknowledged in the master's last moments, not yet
    // on the promoted replica, can go; at most one per writer loop (the one in flight).
    expect(lost.length).toBeLessThanOrEqual(4);
    expect(consistency.ok).toBe(true);
    expect(survivorRole).toBe(true);
  }, 120_000);
});
