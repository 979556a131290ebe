import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import { errors } from '../../http/schemas.js';
import type { ReplicationView } from './replication-view.js';

const nodeStatus = z
  .object({
    url: z.string(),
    role: z.enum(['master', 'replica', 'unknown']),
    up: z.boolean(),
    link_status: z.enum(['up', 'down']).optional(),
    offset: z.number(),
    lag_bytes: z.number().nullable(),
    last_io_seconds_ago: z.number().nullable(),
    connected_replicas: z.number().int().optional(),
    error: z.string().optional(),
  })
  .meta({ id: 'NodeStatus' });

const probeResponse = z
  .object({
    token: z.string(),
    written_at: z.number().int(),
    error: z.string().optional().meta({ description: 'The token could not be written (master down)' }),
    results: z.array(
      z.object({
        url: z.string(),
        arrived_ms: z.number().nullable().meta({ description: 'null: not arrived within the timeout' }),
        error: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'ProbeResponse' });

export const replicationResponse = z
  .object({
    topology: z.enum(['standalone', 'replicated', 'sentinel', 'cluster']),
    master: nodeStatus,
    replicas: z.array(nodeStatus),
    shards: z
      .array(
        z.object({
          master: nodeStatus,
          replicas: z.array(nodeStatus),
          slots: z.array(z.tuple([z.number(), z.number()])),
        }),
      )
      .optional(),
    checked_at: z.number().int(),
    last_probe: probeResponse.optional(),
  })
  .meta({ id: 'ReplicationResponse' });

const probeBody = z
  .object({ timeout_ms: z.number().int().min(50).max(10_000).optional() })
  .strict()
  .optional();

export function replicationRoutes(view: ReplicationView): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/replication',
      tag: 'replication',
      summary: 'Role, link, offsets and lag of the master and every replica, with the latest probe',
      responses: { 200: { description: 'Status', schema: replicationResponse }, ...errors.unavailable },
      handler: async (_input, _req, res) => {
        res.json(await view.status());
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/replication/probe',
      tag: 'replication',
      admin: true,
      summary: 'Write a token on the master and time its arrival on each replica',
      description:
        'Admin only: it writes to the master. Everyone sees the periodic probe the API runs itself (REPLICATION_PROBE_EVERY_SECONDS) as `last_probe` of GET /api/replication.',
      request: { body: probeBody },
      responses: {
        200: { description: 'Arrival per replica', schema: probeResponse },
        ...errors.badRequest,
        ...errors.unauthorized,
        ...errors.unavailable,
      },
      handler: async ({ body }, _req, res) => {
        res.json(await view.probe(body?.timeout_ms));
      },
    }),
  ];
}
