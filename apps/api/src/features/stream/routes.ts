import { type AnyRoute, defineRoute } from '../../http/route.js';
import type { StreamHub } from './stream-hub.js';

export function streamRoutes(hub: StreamHub): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/stream',
      tag: 'stream',
      summary: 'Server-sent events: stats, replication and jobs every second, job on each job event',
      description:
        'Events: `stats` (StatsResponse), `replication` (ReplicationResponse), `jobs` (JobsResponse), `job` (one BullMQ event). A payload `{error, code}` means that source failed this second; the stream stays open. Heartbeat comments every 15 s.',
      responses: { 200: { description: 'An endless text/event-stream', contentType: 'text/event-stream' } },
      handler: (_input, req, res) => hub.handle(req, res),
    }),
  ];
}
