// The package's one entry point. Each module is described in docs/redis-core.md.

export * from './cache/index.js';
export * from './catalog/index.js';
export * from './config/index.js';
export * from './connections/index.js';
export * from './errors.js';
export * from './history/index.js';
export * from './keys/index.js';
export * from './queues/index.js';
export * from './replication/index.js';
export * from './stats/index.js';
