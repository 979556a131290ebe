import { type AnyRoute, defineRoute } from '../../http/route.js';
import { errors } from '../../http/schemas.js';
import type { StreamHub } from './stream-hub.js';

export function streamRoutes(hub: StreamHub, bounds: { perClient: number; total: number }): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/stream',
      tag: 'stream',
      summary: 'Server-sent events: stats, replication and jobs every second, job on each job event',
      description: `Events: \`stats\` (StatsResponse), \`replication\` (ReplicationResponse), \`jobs\` (JobsResponse), \`job\` (one BullMQ event). \`replication\` is also sent between ticks, as soon as a Redis node's connection drops or comes back. A payload \`{error, code}\` means that source failed this second; the stream stays open. Heartbeat comments every 15 s. At most ${bounds.perClient} open streams per client address and ${bounds.total} in all (STREAM_MAX_PER_CLIENT, STREAM_MAX_TOTAL): beyond, 429 E_TOO_MANY_STREAMS with Retry-After. A client that stops reading is dropped; every stream ends after 10 minutes and EventSource reconnects.`,
      responses: {
        200: { description: 'An endless text/event-stream', contentType: 'text/event-stream' },
        ...errors.rateLimited,
      },
      handler: (_input, req, res) => hub.handle(req, res),
    }),
  ];
}
