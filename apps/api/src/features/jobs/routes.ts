import { JOB, type JobName, jobPayloadSchemas } from '@app/redis-core';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import { errors, queryInt } from '../../http/schemas.js';
import { withTimeout } from '../../http/timeout.js';
import { enqueuedBody, queueTimeoutMs, readJobs } from './jobs-view.js';

const jobNames = z.enum([JOB.warmAll, JOB.warmCategory, JOB.warmTop, JOB.refresh]);
const jobStates = z.enum([
  'waiting',
  'active',
  'completed',
  'failed',
  'delayed',
  'prioritized',
  'waiting-children',
  'unknown',
]);

const enqueuedResponse = z
  .object({ id: z.string(), name: jobNames, state: jobStates })
  .meta({ id: 'JobEnqueuedResponse' });

export const jobsResponse = z
  .object({
    jobs: z.array(
      z.object({
        id: z.string(),
        name: jobNames,
        state: jobStates,
        progress: z.union([z.number(), z.record(z.string(), z.unknown())]),
        data: z.unknown(),
        result: z.unknown(),
        failed_reason: z.string().nullable(),
        attempts_made: z.number().int(),
        created_at: z.number().int(),
        finished_at: z.number().int().nullable(),
      }),
    ),
    worker: z.object({
      alive: z.boolean(),
      last_heartbeat: z.number().int().nullable(),
      last_results: z.record(z.string(), z.unknown()),
      workers: z.array(z.record(z.string(), z.unknown())),
    }),
  })
  .meta({ id: 'JobsResponse' });

const jobsQuery = z.object({ limit: queryInt(1, 500).optional() });

// The worker parses the same schemas: producer and consumer cannot drift.
const enqueueRoutes: { path: string; name: JobName; summary: string }[] = [
  { path: '/api/jobs/warm-all', name: JOB.warmAll, summary: 'Warm the cache with every product' },
  { path: '/api/jobs/warm-category', name: JOB.warmCategory, summary: 'Warm the cache with one category' },
  { path: '/api/jobs/warm-top', name: JOB.warmTop, summary: 'Warm the n most read products' },
  {
    path: '/api/jobs/refresh',
    name: JOB.refresh,
    summary: 'Refresh the TTL of hot entries about to expire, now',
  },
];

export function jobRoutes(ctx: AppContext): AnyRoute[] {
  const timeoutMs = queueTimeoutMs(ctx.config.commandTimeoutMs);
  return [
    ...enqueueRoutes.map(({ path, name, summary }) => {
      const schema = jobPayloadSchemas[name];
      // warm-category and warm-top need a body; the others accept none.
      const body = name === JOB.warmCategory || name === JOB.warmTop ? schema : schema.optional();
      return defineRoute({
        method: 'post',
        path,
        tag: 'jobs',
        admin: true,
        summary,
        description: `Enqueues a \`${name}\` job (BullMQ queue \`cache-jobs\`) for the worker.`,
        request: { body },
        responses: {
          202: { description: 'Enqueued', schema: enqueuedResponse },
          ...errors.badRequest,
          ...errors.unauthorized,
          ...errors.unavailable,
        },
        handler: async (input, _req, res) => {
          const job = await withTimeout(ctx.jobs.enqueue(name, input.body), timeoutMs, `enqueueing ${name}`);
          res.status(202).json(enqueuedBody(job));
        },
      });
    }),
    defineRoute({
      method: 'get',
      path: '/api/jobs',
      tag: 'jobs',
      summary: 'Recent jobs with state and progress, and the worker status',
      request: { query: jobsQuery },
      responses: {
        200: { description: 'Jobs and worker', schema: jobsResponse },
        ...errors.badRequest,
        ...errors.unavailable,
      },
      handler: async ({ query }, _req, res) => {
        res.json(await readJobs(ctx, query.limit ?? 20));
      },
    }),
  ];
}
