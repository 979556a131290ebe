import { redactUrl } from '@app/redis-core/config';

export { redactUrl };

/** Redis the user runs themselves, described by the same variables the apps read. */
export interface ExternalRedis {
  description: string;
  tryCommands: string[];
}

const set = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

function cliTarget(url: string): string {
  try {
    const u = new URL(url);
    // `-u` keeps user and password (shown redacted) in one argument, as redis-cli expects.
    return u.username || u.password ? `-u ${redactUrl(url)}` : `-h ${u.hostname} -p ${u.port || '6379'}`;
  } catch {
    return `-u ${url}`;
  }
}

/**
 * Null when no Redis is configured (the orchestrator then starts its own). Precedence follows
 * @app/redis-core's config: cluster nodes, then sentinels, then REDIS_URL (+ replicas).
 */
export function externalRedisFrom(env: NodeJS.ProcessEnv): ExternalRedis | null {
  if (set(env.REDIS_CLUSTER_NODES)) {
    const first = env.REDIS_CLUSTER_NODES.split(',')[0]!
      .trim()
      .replace(/^rediss?:\/\//, '');
    const [host, port] = [first.slice(0, first.lastIndexOf(':')), first.slice(first.lastIndexOf(':') + 1)];
    return {
      description: `cluster ${env.REDIS_CLUSTER_NODES}`,
      tryCommands: [`redis-cli -c -h ${host} -p ${port} CLUSTER INFO`],
    };
  }
  if (set(env.REDIS_SENTINELS)) {
    const name = env.REDIS_SENTINEL_NAME?.trim() || 'mymaster';
    const first = env.REDIS_SENTINELS.split(',')[0]!.trim();
    const [host, port] = [first.slice(0, first.lastIndexOf(':')), first.slice(first.lastIndexOf(':') + 1)];
    return {
      description: `sentinels ${env.REDIS_SENTINELS} (master name ${name})`,
      tryCommands: [`redis-cli -h ${host} -p ${port} SENTINEL get-master-addr-by-name ${name}`],
    };
  }
  if (set(env.REDIS_URL)) {
    const replicas = (env.REDIS_REPLICA_URLS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return {
      description:
        `master ${redactUrl(env.REDIS_URL)}` +
        (replicas.length ? `, replicas ${replicas.map(redactUrl).join(', ')}` : ''),
      tryCommands: [
        `redis-cli ${cliTarget(env.REDIS_URL)} SET test "Hello Redis"`,
        ...(replicas[0] ? [`redis-cli ${cliTarget(replicas[0])} GET test`] : []),
        `redis-cli ${cliTarget(env.REDIS_URL)} GET db:product:prod1`,
      ],
    };
  }
  return null;
}
