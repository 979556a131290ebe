import { z } from 'zod';
import { cacheSourceSchema, productResponseSchema } from '../../http/schemas.js';

export const dataResponseSchema = z
  .object({
    data: productResponseSchema,
    source: cacheSourceSchema,
    response_time: z.number().meta({ description: 'Milliseconds, 2 decimals' }),
    ttl: z.number().int().optional().meta({ description: 'Seconds left on the cache entry' }),
    cache_down: z.boolean().optional().meta({ description: 'The cache was unusable; the origin answered' }),
    stale: z.boolean().optional().meta({ description: 'Served from the grace window while refreshing' }),
    origin_delay_ms: z
      .number()
      .int()
      .meta({ description: 'Simulated origin delay (ORIGIN_DELAY_MS), applied on misses' }),
  })
  .meta({ id: 'DataResponse' });

export const invalidateResponseSchema = z
  .object({ invalidated: z.boolean() })
  .meta({ id: 'InvalidateResponse' });
