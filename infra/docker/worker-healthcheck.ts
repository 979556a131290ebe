/**
 * Docker health check of a worker container: healthy while a worker process on this host has a
 * fresh heartbeat in Redis (the same record the API's /api/jobs shows). Bundled next to the
 * worker (dist/healthcheck/index.js) by infra/Dockerfile; configured by the same environment.
 */
import { hostname } from 'node:os';
import { createConnections, createKeyspace, loadConfig, readWorkerStatus } from '@app/redis-core';

const config = loadConfig();
const connections = createConnections(config.topology, { commandTimeoutMs: 2_000 });
let healthy = false;
try {
  const keys = createKeyspace({ cluster: config.topology.kind === 'cluster' });
  const status = await readWorkerStatus(connections.writer, keys);
  healthy = status.workers.some((w) => w.host === hostname());
  if (!healthy) console.error(`no fresh heartbeat from a worker on ${hostname()}`);
} catch (err) {
  console.error(`health check failed: ${(err as Error).message}`);
} finally {
  await connections.close().catch(() => undefined);
}
process.exit(healthy ? 0 : 1);
