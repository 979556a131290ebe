import {
  createNetwork,
  type RedisServer,
  registerCleanup,
  startReplicated,
  startSentinels,
  waitUntil,
} from '@app/testing';
import { replicatedDatabaseLines } from './database-guard.js';
import { startApiOnHost } from './host-apps.js';
import { histogram, round, sleep } from './http.js';
import { confNumber } from './infra-conf.js';
import { type LoggedCall, type SteadyLoad, steadyLoad } from './load.js';

const DOWN_AFTER_MS = confNumber('sentinel.conf', /down-after-milliseconds\s+\S+\s+(\d+)/);
const FAILOVER_TIMEOUT_MS = confNumber('sentinel.conf', /failover-timeout\s+\S+\s+(\d+)/);

export type SplitBrainFigures = {
  redis_args: string[];
  partition_ms: number;
  partition_applied_in_ms: number;
  promoted_after_ms: number | null;
  old_master_demoted_after_heal_ms: number;
  /** Side A: the old master's side; side B: the sentinels' and replicas' side. */
  side_a: SideFigures;
  side_b: SideFigures;
  acknowledged_total: number;
  lost_total: number;
  lost_ratio: number;
  /** How long after the cut the last write that was then lost had been acknowledged. */
  last_lost_ack_after_partition_ms: number | null;
  /** …and sent (the client's request left before the master answered it). */
  last_lost_write_sent_after_partition_ms: number | null;
  lost_acked_before_partition: number;
  max_latency_ms: number;
  client_timeouts: number;
  statuses_5xx_other_than_503: number;
};

interface SideFigures {
  statuses: Record<string, number>;
  /** Error codes of the refused writes (NOREPLICAS shows as E_REDIS_REFUSED). */
  refused_codes: Record<string, number>;
  acked_during_partition: number;
  lost: number;
  /** How long after the cut began the last write that was then lost had been acknowledged. */
  last_lost_ack_after_partition_ms: number | null;
  /** Last acknowledgement during the partition, after the cut (side A: the isolated master). */
  last_ack_during_partition_after_ms: number | null;
  first_ack_after_promotion_ms: number | null;
}

const sideFigures = (
  load: SteadyLoad,
  lost: Set<string>,
  partitionAt: number,
  healAt: number,
  promotedAt: number | null,
): SideFigures => {
  const during = [...load.acked.values()].filter((a) => a.at >= partitionAt && a.at <= healAt);
  const afterPromotion =
    promotedAt === null ? [] : during.filter((a) => a.at >= promotedAt).map((a) => a.at - partitionAt);
  const lostAcks = [...load.acked].filter(([id]) => lost.has(id)).map(([, a]) => a.at - partitionAt);
  const refusedCodes: Record<string, number> = {};
  for (const answer of load.log.filter((c) => c.status >= 400)) {
    const code = (answer.body as { code?: string } | null)?.code ?? String(answer.status);
    refusedCodes[code] = (refusedCodes[code] ?? 0) + 1;
  }
  return {
    statuses: histogram(load.log),
    refused_codes: refusedCodes,
    acked_during_partition: during.length,
    lost: lostAcks.length,
    last_lost_ack_after_partition_ms: lostAcks.length ? Math.max(...lostAcks) : null,
    last_ack_during_partition_after_ms: during.length
      ? Math.max(...during.map((a) => a.at)) - partitionAt
      : null,
    first_ack_after_promotion_ms: afterPromotion.length ? Math.min(...afterPromotion) : null,
  };
};

/**
 * Jepsen's Redis Sentinel case on the shipped code: six hosts on one switch. Side A: the master
 * (n1) and API instance A (a1). Side B: two replicas (n2, n3), three sentinels (n2, n3, n4) and
 * API instance B (a2). Both APIs follow the master through the sentinels (REDIS_SENTINELS).
 * Writers on both sides add new products for `writeMs`-long partition, then the network heals,
 * the sentinels demote the old master, and every acknowledged product is looked up on the
 * master the sentinels name. `redisArgs` are added to database.conf's lines on every node.
 */
export async function runSplitBrain(opts: { label: string; redisArgs: string[]; partitionMs: number }) {
  // Everything here (namespaces, servers, app processes) is removed by the caller's cleanupAll().
  const net = await createNetwork();
  {
    const [n1, a1, n2, n3, n4, a2] = await (async () => {
      const hosts = [];
      for (const name of ['n1', 'a1', 'n2', 'n3', 'n4', 'a2']) hosts.push(await net.addHost(name));
      return hosts;
    })();
    if (!n1 || !a1 || !n2 || !n3 || !n4 || !a2) throw new Error('hosts missing');
    const dataHosts = [n1, n2, n3];
    const rep = await startReplicated({
      replicas: 2,
      appendonly: true,
      configLines: replicatedDatabaseLines(),
      args: opts.redisArgs,
      place: (i) => (dataHosts[i] as typeof n1).placement(6379),
    });
    const sentinelHosts = [n2, n3, n4];
    const sentinels = await startSentinels({
      master: rep.master,
      quorum: 2,
      downAfterMs: DOWN_AFTER_MS,
      failoverTimeoutMs: FAILOVER_TIMEOUT_MS,
      place: (i) => (sentinelHosts[i] as typeof n1).placement(26379),
    });
    const env = { REDIS_SENTINELS: sentinels.addresses, REDIS_SENTINEL_NAME: sentinels.name };
    const [apiA, apiB] = await Promise.all([startApiOnHost(a1, env), startApiOnHost(a2, env)]);
    const load = (base: string, side: string) =>
      steadyLoad({
        base,
        writers: 2,
        readers: 0,
        readPaths: [],
        timeoutMs: 10_000,
        idPrefix: `${opts.label}-${side}`,
        pauseMs: 10,
      });
    const loadA = load(apiA.base, 'a');
    const loadB = load(apiB.base, 'b');
    // Stopped by cleanupAll() too, so a failing run leaves no client loop behind.
    registerCleanup(() => Promise.all([loadA.stop(), loadB.stop()]).then(() => {}));
    await sleep(2000);

    const partitionAt = Date.now();
    await net.partition([n1, a1], [n2, n3, n4, a2]);
    const partitionAppliedMs = Date.now() - partitionAt;
    let promotedAt: number | null = null;
    await waitUntil(async () => (await sentinels.currentMaster()).host !== n1.address, opts.partitionMs).then(
      () => {
        promotedAt = Date.now();
      },
      () => {},
    );
    await sleep(partitionAt + opts.partitionMs - Date.now());
    await net.heal();
    const healAt = Date.now();
    const oldMaster = rep.master.client();
    await waitUntil(
      async () => /role:slave[\s\S]*master_link_status:up/.test(await oldMaster.info('replication')),
      30_000,
      'the old master was not demoted after the heal',
    );
    const demotedAt = Date.now();
    // Both APIs write to the new master before the writers stop.
    const ackedAfter = (l: SteadyLoad) => [...l.acked.values()].some((a) => a.at > demotedAt + 500);
    await waitUntil(
      () => ackedAfter(loadA) && ackedAfter(loadB),
      20_000,
      'writes did not resume on both sides',
    );
    await Promise.all([loadA.stop(), loadB.stop()]);

    const current = await sentinels.currentMaster();
    const finalMaster = [rep.master, ...rep.replicas].find((s) => s.host === current.host) as RedisServer;
    const client = finalMaster.client();
    const acked = new Map([...loadA.acked, ...loadB.acked]);
    const ids = [...acked.keys()];
    const lost = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const present = await client.mget(chunk.map((id) => `db:product:${id}`));
      chunk.forEach((id, j) => {
        if (present[j] == null) lost.add(id);
      });
    }
    const lostAcks = [...lost].map((id) => acked.get(id)?.at ?? 0);
    const log: LoggedCall[] = [...loadA.log, ...loadB.log];
    const lostSent = log
      .filter((c) => c.productId !== undefined && lost.has(c.productId) && c.status >= 200 && c.status < 300)
      .map((c) => c.startedAt - partitionAt);
    const figures: SplitBrainFigures = {
      redis_args: opts.redisArgs,
      partition_ms: healAt - partitionAt,
      partition_applied_in_ms: partitionAppliedMs,
      promoted_after_ms: promotedAt === null ? null : (promotedAt as number) - partitionAt,
      old_master_demoted_after_heal_ms: demotedAt - healAt,
      side_a: sideFigures(loadA, lost, partitionAt, healAt, promotedAt),
      side_b: sideFigures(loadB, lost, partitionAt, healAt, promotedAt),
      acknowledged_total: acked.size,
      lost_total: lost.size,
      lost_ratio: round(lost.size / Math.max(1, acked.size), 3),
      last_lost_ack_after_partition_ms: lostAcks.length ? Math.max(...lostAcks) - partitionAt : null,
      last_lost_write_sent_after_partition_ms: lostSent.length ? Math.max(...lostSent) : null,
      lost_acked_before_partition: lostAcks.filter((at) => at < partitionAt).length,
      max_latency_ms: round(Math.max(...log.map((c) => c.ms))),
      client_timeouts: log.filter((c) => c.status === 0).length,
      statuses_5xx_other_than_503: log.filter((c) => c.status >= 500 && c.status !== 503).length,
    };
    return { figures, log };
  }
}
