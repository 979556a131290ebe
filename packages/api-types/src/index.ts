/**
 * Request and response shapes of the HTTP API (docs/http-api.md), shared by the Express server
 * and the Vue monitor so they cannot drift. Field names are snake_case like the seed's Flask app.
 * Types only: this package has no runtime code.
 */

export type * from './cache-keys.js';
export type * from './catalog.js';
export type * from './common.js';
export type * from './data.js';
export type * from './health.js';
export type * from './history.js';
export type * from './jobs.js';
export type * from './replication.js';
export type * from './stats.js';
export type * from './stream.js';
