import type { ErrorCode } from './common.js';
import type { JobName, JobsResponse } from './jobs.js';
import type { ReplicationResponse } from './replication.js';
import type { StatsResponse } from './stats.js';

/** Payload of an event whose computation failed (Redis down); the stream stays open. */
export interface StreamErrorPayload {
  error: string;
  code: ErrorCode;
}

export type JobEventKind = 'added' | 'active' | 'progress' | 'completed' | 'failed';

/** SSE `job` event, pushed on each BullMQ queue event. */
export interface JobEvent {
  event: JobEventKind;
  id: string;
  name?: JobName;
  progress?: number | object;
  result?: unknown;
  failed_reason?: string;
  /** Epoch ms when the API saw the event. */
  at: number;
}

/** Event name → payload, for a typed EventSource listener. */
export interface StreamEvents {
  stats: StatsResponse | StreamErrorPayload;
  replication: ReplicationResponse | StreamErrorPayload;
  jobs: JobsResponse | StreamErrorPayload;
  job: JobEvent;
}
export type StreamEventName = keyof StreamEvents;

/** Narrowing helper for SSE payloads. */
export type StreamPayload<E extends StreamEventName> = StreamEvents[E];
