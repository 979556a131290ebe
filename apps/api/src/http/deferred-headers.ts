import { ServerResponse } from 'node:http';

/**
 * Headers every response carries (the request id, the security headers) are queued on the
 * response and written with its head, in one go, instead of one `setHeader` each as the request
 * arrives. Node validates, lower-cases and stores each `setHeader` call in a per-response map that
 * it walks again when it writes the head; the API's hottest route (sendJson) hands the whole head
 * to `writeHead` as one list instead, and 9 `setHeader` calls cost more than that whole head
 * (node:http, measured side by side). Every other response gets the queued headers when Node
 * writes its head (`writeHead`, which `end`, `write` and `flushHeaders` go through).
 *
 * A header the app sets itself with `setHeader` before the head is written wins over a queued one
 * of the same name, as it did when the queued ones were set first and then overwritten.
 */
const PENDING = Symbol('deferredHeaders');
type Deferring = ServerResponse & { [PENDING]?: (readonly string[])[] };
const nodeWriteHead = ServerResponse.prototype.writeHead;

/** Queues `flat` ([name, value, name, value…], kept by reference: never change it afterwards). */
export function deferHeaders(res: ServerResponse, flat: readonly string[]): void {
  const deferring = res as Deferring;
  const pending = deferring[PENDING];
  if (pending !== undefined) {
    pending.push(flat);
    return;
  }
  deferring[PENDING] = [flat];
  // An own property: this response's head, whoever writes it, goes through the queue first.
  (deferring as { writeHead: unknown }).writeHead = writeHeadWithDeferred;
}

/** The queued headers of `res`, removed from the queue: the caller writes them (in its `writeHead`). */
export function takeDeferredHeaders(res: ServerResponse): string[] | undefined {
  const deferring = res as Deferring;
  const pending = deferring[PENDING];
  if (pending === undefined) return undefined;
  deferring[PENDING] = undefined;
  const head: string[] = [];
  for (const flat of pending) {
    for (let i = 0; i < flat.length; i += 2) {
      const name = flat[i] as string;
      if (!res.hasHeader(name)) head.push(name, flat[i + 1] as string);
    }
  }
  return head;
}

function writeHeadWithDeferred(this: Deferring, ...args: unknown[]): ServerResponse {
  const head = takeDeferredHeaders(this);
  if (head !== undefined) for (let i = 0; i < head.length; i += 2) this.setHeader(head[i]!, head[i + 1]!);
  return (nodeWriteHead as (...a: unknown[]) => ServerResponse).apply(this, args);
}
