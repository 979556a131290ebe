/**
 * The catalog consistency checker as a command anyone can run against their Redis:
 *
 *   REDIS_URL=redis://127.0.0.1:6379 pnpm --filter @app/faults check-consistency
 *
 * Configured by the same environment as the apps (REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES,
 * REDIS_PASSWORD…, read by loadConfig). It reads the catalog on the master only and writes
 * nothing. Prints a JSON report; exit 0 when every index matches the products, 1 when it finds
 * problems, 2 when it cannot run (bad configuration, Redis unreachable). Run it on a quiet
 * catalog: writes running meanwhile can show as transient problems.
 */
import { createCatalog, createConnections, createKeyspace, loadConfig } from '@app/redis-core';

async function main(): Promise<number> {
  const config = loadConfig(process.env);
  // A full scan of a big catalog takes longer than a request's command timeout.
  const connections = createConnections(config.topology, {
    commandTimeoutMs: Math.max(config.commandTimeoutMs, 30_000),
  });
  try {
    const keys = createKeyspace({ cluster: connections.isCluster });
    const catalog = createCatalog({ connections, keys });
    const started = performance.now();
    const report = await catalog.checkConsistency();
    const ms = Math.round(performance.now() - started);
    process.stdout.write(`${JSON.stringify({ ...report, ms }, null, 2)}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await connections.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`check-consistency: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
