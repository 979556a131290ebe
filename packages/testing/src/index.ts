export { dockerAvailable } from './container-server.js';
export { Host, type Placement, type Tunnel } from './net/host.js';
export { type NetnsSupport, netnsSupport } from './net/netns-support.js';
export { createNetwork, type Network } from './net/network.js';
export { freePort } from './ports.js';
export { postgresBin, postgresBinDir } from './postgres-binaries.js';
export { PostgresServer, type StartPostgresOptions, startPostgres } from './postgres-server.js';
export { ProcessRedisServer, redisServerBin } from './process-server.js';
export { cleanupAll, registerCleanup } from './registry.js';
export {
  type Cluster,
  type Replicated,
  type Sentinels,
  type StartRedisOptions,
  startCluster,
  startRedis,
  startReplicated,
  startSentinels,
  waitForLinkUp,
  waitUntil,
} from './topologies.js';
export {
  type StartTestRedisOptions,
  startTestRedis,
  TEST_TOPOLOGY_VARIABLE,
  type TestRedis,
  type TestTopologyKind,
  testTopologyKind,
} from './topology-from-env.js';
export type { RedisServer, ServerRole } from './types.js';
