import type { Cluster, Redis } from 'ioredis';
import { execPipeline } from '../guard.js';
import { cacheScripts } from './scripts.js';

/**
 * The hit path's Redis read (GET + PTTL of one entry), coalesced only when reads pile up:
 * - nothing in flight: the reads of the current synchronous run leave at once (from
 *   `process.nextTick`), so a lone caller pays no event-loop hop. Waiting for the loop's check
 *   phase made our hit 0.72x the best peer at 1 read in flight (docs/benchmarks.md);
 * - reads in flight: the reads asked for during the rest of the loop turn are collected and
 *   leave together from `setImmediate`.
 * A call of two reads or more is ONE `EVALSHA` of `read-n.lua` carrying its keys (one MGET, a
 * PTTL each inside), answered by one reply: measured (docs/benchmarks.md) a batch costs the Node
 * process about half the CPU of a plain GET per read (one command object, one socket write, one
 * reply for the whole batch) and Redis less than GET + PTTL per read.
 * A call of one read is a plain GET and PTTL written to the socket together (one write, corked):
 * Node builds and parses two small commands for about the CPU of the script call with one key,
 * while Redis runs them in about a fifth of the script's time (EVALSHA of one key: ~5 µs of
 * Redis CPU against ~1 µs for GET + PTTL, INFO commandstats). At 1 read in flight Redis' time
 * is on every read's path, so that is the lone read's latency. Redis runs the commands of one
 * client's query buffer back to back, so the two arrive and run together, as the script's do.
 * (ioredis' Pipeline object, the other way to send them in one write, costs Node more.)
 * Every read is one round trip.
 *
 * A key Redis refuses (WRONGTYPE) fails only its own read. Redis Cluster keeps one pipelined
 * GET + PTTL per read: a script's keys must share a slot, and cache keys are spread on purpose.
 */
export type EntryRead = [raw: string | null, pttl: number];

export interface EntryReader {
  read(key: string): Promise<EntryRead>;
}

/** Keys per script call: bounds how long one call keeps Redis busy, and lets calls overlap. */
export const MAX_READ_BATCH = 32;
/**
 * From this many reads a turn goes out as at least two calls, of equal size: Node handles the
 * first reply while Redis runs the second call, so the two processes work at the same time
 * instead of in turns. With one call per turn the
 * batch cycle is Node's CPU + Redis' CPU; split, it is closer to the larger of the two (measured
 * with 64 reads in flight: 150k -> 200k hits/s, in the profile run of the benchmark harness).
 */
export const MIN_SPLIT = 8;
/** The script's marker (in place of a PTTL) for a key whose GET failed; the value slot holds the error. */
const READ_ERROR = -3;

interface Waiter {
  key: string;
  resolve(read: EntryRead): void;
  reject(err: unknown): void;
}

const asRaw = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

export function createEntryReader(client: Redis | Cluster): EntryReader {
  async function readOne(key: string): Promise<EntryRead> {
    const [raw, pttl] = await execPipeline(client.pipeline().get(key).pttl(key));
    return [asRaw(raw), Number(pttl)];
  }
  if ((client as Cluster).isCluster) return { read: readOne };

  let pending: Waiter[] = [];
  let scheduled = false;
  /** Calls sent and not answered yet: 0 means a new read can leave without waiting. */
  let inFlight = 0;

  function sendMany(batch: Waiter[]): void {
    inFlight++;
    cacheScripts.readMany
      .run(
        client,
        batch.map((w) => w.key),
        [],
      )
      .then(
        (reply) => {
          inFlight--;
          const values = reply as unknown[];
          for (let i = 0; i < batch.length; i++) {
            const waiter = batch[i] as Waiter;
            const pttl = Number(values[2 * i + 1]);
            if (pttl === READ_ERROR) waiter.reject(new Error(String(values[2 * i])));
            else waiter.resolve([asRaw(values[2 * i]), pttl]);
          }
        },
        (err: unknown) => {
          inFlight--;
          for (const waiter of batch) waiter.reject(err);
        },
      );
  }

  /** One read: GET and PTTL in one socket write (corked), without the script. */
  function sendOne(waiter: Waiter): void {
    inFlight++;
    const { key } = waiter;
    // `stream` is absent or not writable while (re)connecting: the commands then wait in
    // ioredis' offline queue and are sent, in order, once the connection is ready.
    const stream = (client as Redis).stream;
    const cork = stream?.writable === true;
    if (cork) stream.cork();
    let value: Promise<string | null>;
    let pttl: Promise<number>;
    try {
      value = (client as Redis).get(key);
      pttl = (client as Redis).pttl(key);
    } finally {
      if (cork) stream.uncork();
    }
    // No named closure per read: tsx (keepNames) would wrap each one in a defineProperty call.
    value.then(
      (raw) =>
        pttl.then(
          (ms) => {
            inFlight--;
            waiter.resolve([asRaw(raw), Number(ms)]);
          },
          (err: unknown) => {
            inFlight--;
            waiter.reject(err);
          },
        ),
      // A refused GET (WRONGTYPE) fails this read alone; its PTTL is answered all the same.
      (err: unknown) =>
        pttl.then(
          () => {
            inFlight--;
            waiter.reject(err);
          },
          () => {
            inFlight--;
            waiter.reject(err);
          },
        ),
    );
  }

  function flush(): void {
    scheduled = false;
    const all = pending;
    pending = [];
    if (all.length === 1) {
      sendOne(all[0] as Waiter);
      return;
    }
    const calls = Math.max(Math.ceil(all.length / MAX_READ_BATCH), all.length >= MIN_SPLIT ? 2 : 1);
    const size = Math.ceil(all.length / calls);
    for (let i = 0; i < all.length; i += size) {
      sendMany(calls === 1 ? all : all.slice(i, i + size));
    }
  }

  return {
    read(key) {
      return new Promise<EntryRead>((resolve, reject) => {
        pending.push({ key, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          // Idle: leave after the current synchronous run (its reads still share one call).
          // Busy: setImmediate, so the reads started by every socket event of this loop turn
          // (many HTTP requests) share one call instead of one call per request.
          if (inFlight === 0) process.nextTick(flush);
          else setImmediate(flush);
        }
      });
    },
  };
}
