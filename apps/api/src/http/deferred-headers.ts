import { ServerResponse } from 'node:http';
import type { Response } from 'express';

/**
 * Headers every response carries (the request id, the security headers) are queued on the
 * response and written with its head, in one go, instead of one `setHeader` each as the request
 * arrives. Node validates, lower-cases and stores each `setHeader` call in a per-response map that
 * it walks again when it writes the head; the API's hottest route (sendJson) hands the whole head
 * to `writeHead` as one list instead, and 9 `setHeader` calls cost more than that whole head
 * (node:http, measured side by side). Every other response gets the queued headers when Node
 * writes its head: `writeHead`, which `end`, `write` and `flushHeaders` go through, is wrapped
 * once on the app's response prototype (Express gives every response of an app that prototype).
 * The queue lives in `res.locals`, an object Express makes per response anyway: with the queue
 * and a `writeHead` added to each response object instead, the profile showed about 5 µs of CPU
 * per request in adding them (the objects stay in V8's fast mode; the cause was not pinned down).
 *
 * A header the app sets itself with `setHeader` before the head is written wins over a queued one
 * of the same name, as it did when the queued ones were set first and then overwritten.
 */
const PENDING = Symbol('deferredHeaders');
type Queue = (readonly string[])[];
type Locals = { [PENDING]?: Queue | undefined };
const nodeWriteHead = ServerResponse.prototype.writeHead as (
  this: ServerResponse,
  ...a: unknown[]
) => ServerResponse;

/** Queues `flat` ([name, value, name, value…], kept by reference: never change it afterwards). */
export function deferHeaders(res: Response, flat: readonly string[]): void {
  const proto = Object.getPrototypeOf(res) as { writeHead?: unknown } | null;
  const locals = res.locals as Locals | undefined;
  if (locals === undefined || proto === null || proto === ServerResponse.prototype) {
    // Not a response of an Express app: set them now.
    for (let i = 0; i < flat.length; i += 2) res.setHeader(flat[i]!, flat[i + 1]!);
    return;
  }
  if (proto.writeHead !== writeHeadWithDeferred) {
    Object.defineProperty(proto, 'writeHead', {
      value: writeHeadWithDeferred,
      writable: true,
      configurable: true,
    });
  }
  const queue = locals[PENDING];
  if (queue === undefined) locals[PENDING] = [flat];
  else queue.push(flat);
}

/** The queued headers of `res`, removed from the queue: the caller writes them (in its `writeHead`). */
export function takeDeferredHeaders(res: ServerResponse): string[] | undefined {
  const locals = (res as { locals?: Locals }).locals;
  const queue = locals?.[PENDING];
  if (queue === undefined) return undefined;
  (locals as Locals)[PENDING] = undefined;
  const head: string[] = [];
  for (const flat of queue) {
    for (let i = 0; i < flat.length; i += 2) {
      const name = flat[i] as string;
      if (!res.hasHeader(name)) head.push(name, flat[i + 1] as string);
    }
  }
  return head;
}

function writeHeadWithDeferred(
  this: ServerResponse,
  statusCode: unknown,
  reason?: unknown,
  headers?: unknown,
) {
  const head = takeDeferredHeaders(this);
  if (head !== undefined) for (let i = 0; i < head.length; i += 2) this.setHeader(head[i]!, head[i + 1]!);
  return nodeWriteHead.call(this, statusCode, reason, headers);
}
