/**
 * BullMQ needs `maxmemory-policy noeviction` on its Redis: under any evicting policy a full Redis
 * silently drops job keys (locks, job hashes), which loses or duplicates jobs. The worker checks at
 * start and the API's /readyz reuses the same check.
 */
import type { Cluster, Redis } from 'ioredis';

export interface QueuePolicyCheck {
  ok: boolean;
  /** The policy reported by Redis (the first offending node's in a cluster), null when unreadable. */
  policy: string | null;
  /** A sentence for logs and /readyz when `ok` is false. */
  warning?: string;
}

async function readPolicy(client: Redis): Promise<string | null> {
  // INFO first: the least-privilege `app`/`worker` users may run INFO but not CONFIG, and a
  // refused CONFIG GET would be logged by Redis (ACL LOG) at every start and readiness check.
  const info = await client.info('memory');
  const fromInfo = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (fromInfo) return fromInfo;
  try {
    // Servers that do not report it in INFO: CONFIG GET answers [name, value].
    const reply = (await client.call('CONFIG', 'GET', 'maxmemory-policy')) as unknown;
    if (Array.isArray(reply) && typeof reply[1] === 'string') return reply[1];
  } catch {
    /* CONFIG disabled or refused */
  }
  return null;
}

export async function checkQueueRedisPolicy(client: Redis | Cluster): Promise<QueuePolicyCheck> {
  const nodes: Redis[] = client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  let first: string | null = null;
  for (const node of nodes) {
    const policy = await readPolicy(node);
    first ??= policy;
    if (policy !== 'noeviction') {
      return {
        ok: false,
        policy,
        warning:
          policy === null
            ? 'could not read maxmemory-policy of the queue Redis; BullMQ needs noeviction'
            : `queue Redis maxmemory-policy is '${policy}', BullMQ needs 'noeviction': under memory pressure job keys may be evicted and jobs lost`,
      };
    }
  }
  return { ok: true, policy: first };
}
