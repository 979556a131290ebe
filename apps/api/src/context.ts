import type { AppDeps } from './deps.js';
import type { AppMetrics } from './features/metrics/metrics.js';

/** What a feature's routes get: the injected services plus per-app state built by createApp. */
export interface AppContext extends AppDeps {
  metrics: AppMetrics;
}
