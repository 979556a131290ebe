/** The hand-written parts of docs/benchmarks.md (the tables around them are generated). */
export const INTRO = `
How our cache compares with what a user would pick instead (bentocache, cache-manager with
@keyv/redis) and with the limit (a raw ioredis GET + JSON.parse, Express with one GET,
redis-benchmark), measured side by side in one run of \`pnpm bench\`.

Method: every suite starts its own redis-server(s) through @app/testing (never the shared
6379); variants run in interleaved rounds (A B C, B C A, …) so machine noise hits all alike;
each figure is the median over rounds with the min–max spread, and ratios are taken per
round (both sides measured in the same round) before their median.
`;

export const ANALYSIS = `
See the targets table above.
`;
