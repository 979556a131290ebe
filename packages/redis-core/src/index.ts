// The package's one entry point. Each module is described in docs/redis-core.md.

export * from './cache.js';
export * from './catalog.js';
export * from './config.js';
export * from './connections.js';
export * from './errors.js';
export * from './history.js';
export * from './keys.js';
export * from './products.js';
export * from './queues.js';
export * from './replication.js';
export * from './stats.js';
