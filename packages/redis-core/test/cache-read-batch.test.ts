import { cleanupAll, type RedisServer, startRedis } from '@app/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEntryReader, MAX_READ_BATCH, MIN_SPLIT } from '../src/cache/read-batch.js';

let server: RedisServer;
let client: Redis;
let raw: Redis;

async function calls(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of (await raw.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    out.set(m[1]!, Number(m[2]));
  return out;
}

function delta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const d: Record<string, number> = {};
  for (const [k, v] of after)
    if (v - (before.get(k) ?? 0) > 0 && k !== 'info') d[k] = v - (before.get(k) ?? 0);
  return d;
}

beforeAll(async () => {
  server = await startRedis();
  client = server.client();
  raw = server.client();
});

afterAll(async () => {
  await cleanupAll();
});

describe('batched entry reads', () => {
  it('sends reads of one loop turn as one EVALSHA and answers each with its value and PTTL', async () => {
    const reader = createEntryReader(client);
    await raw.set('data:b1', '{"a":1}', 'PX', 60_000);
    await raw.set('data:b2', '"two"');
    // Loads the script once (NOSCRIPT → EVAL) outside the measured part.
    await Promise.all([reader.read('data:b1'), reader.read('data:b2')]);
    const before = await calls();
    const [one, two, missing] = await Promise.all([
      reader.read('data:b1'),
      reader.read('data:b2'),
      reader.read('data:none'),
    ]);
    const d = delta(before, await calls());
    expect(d.evalsha).toBe(1);
    // Inside the script: one MGET for the three values and a PTTL each (no GET: no key of another type).
    expect(d.mget).toBe(1);
    expect(d.pttl).toBe(3);
    expect(d.get).toBeUndefined();
    expect(one[0]).toBe('{"a":1}');
    expect(one[1]).toBeGreaterThan(50_000);
    expect(two).toEqual(['"two"', -1]);
    expect(missing).toEqual([null, -2]);
  });

  it('sends a lone read as GET + PTTL in one socket write, without the script', async () => {
    const reader = createEntryReader(client);
    const before = await calls();
    expect(await reader.read('data:b2')).toEqual(['"two"', -1]);
    expect(await reader.read('data:none')).toEqual([null, -2]);
    const [value, pttl] = await reader.read('data:b1');
    expect(value).toBe('{"a":1}');
    expect(pttl).toBeGreaterThan(50_000);
    expect(delta(before, await calls())).toEqual({ get: 3, pttl: 3 });

    // Both commands wait in the corked socket and leave together when it is uncorked.
    const stream = client.stream;
    const uncork = stream.uncork.bind(stream);
    const buffered: number[] = [];
    stream.uncork = () => {
      buffered.push(stream.writableLength);
      uncork();
    };
    try {
      expect(await reader.read('data:b2')).toEqual(['"two"', -1]);
    } finally {
      stream.uncork = uncork;
    }
    expect(buffered).toHaveLength(1);
    expect(buffered[0]).toBe(
      '*2\r\n$3\r\nget\r\n$7\r\ndata:b2\r\n*2\r\n$4\r\npttl\r\n$7\r\ndata:b2\r\n'.length,
    );
  });

  it('sends a read at once when nothing is in flight (no event-loop hop), reads asked together still in one call', async () => {
    const reader = createEntryReader(client);
    const sent: string[] = [];
    const spied = client.sendCommand.bind(client);
    client.sendCommand = ((command: { name: string; args: unknown[] }) => {
      if (command.name === 'evalsha') sent.push(`evalsha ${command.args[1]}`);
      else if (command.name === 'get' || command.name === 'pttl') sent.push(command.name);
      return spied(command as never);
    }) as typeof client.sendCommand;
    try {
      // Scheduled before the read: it runs first in the check phase, so the read is on the wire
      // only if it left without waiting for setImmediate (no event-loop hop while idle).
      let sentAtImmediate = -1;
      setImmediate(() => {
        sentAtImmediate = sent.length;
      });
      const first = reader.read('data:b1');
      await new Promise((resolve) => setImmediate(resolve));
      const later = [reader.read('data:b2'), reader.read('data:none'), reader.read('data:b1')];
      await Promise.all([first, ...later]);
      expect(sentAtImmediate).toBe(2);
      expect(sent).toEqual(['get', 'pttl', 'evalsha 3']);
    } finally {
      client.sendCommand = spied;
    }
  });

  it('fails a lone read of a key of the wrong type, and the next read still works', async () => {
    const reader = createEntryReader(client);
    await raw.rpush('data:list1', 'x');
    await expect(reader.read('data:list1')).rejects.toThrow(/WRONGTYPE/);
    expect(await reader.read('data:b2')).toEqual(['"two"', -1]);
  });

  it('answers a lone read sent before the connection is up (offline queue)', async () => {
    const late = server.client({ lazyConnect: true });
    try {
      const reader = createEntryReader(late);
      expect(late.status).toBe('wait');
      expect(await reader.read('data:b2')).toEqual(['"two"', -1]);
    } finally {
      late.disconnect();
    }
  });

  it('fails only the read of a key of the wrong type', async () => {
    const reader = createEntryReader(client);
    await raw.rpush('data:list', 'x');
    const results = await Promise.allSettled([
      reader.read('data:b2'),
      reader.read('data:list'),
      reader.read('data:b1'),
    ]);
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: ['"two"', -1] });
    expect(results[1].status).toBe('rejected');
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
    expect(results[2]).toMatchObject({ status: 'fulfilled' });
  });

  it('splits a large turn into bounded script calls and keeps every answer in place', async () => {
    const reader = createEntryReader(client);
    const n = MAX_READ_BATCH * 2 + 3;
    const p = raw.pipeline();
    for (let i = 0; i < n; i++) p.set(`data:many${i}`, String(i));
    await p.exec();
    const before = await calls();
    const reads = await Promise.all(Array.from({ length: n }, (_, i) => reader.read(`data:many${i}`)));
    expect(reads.map(([v]) => Number(v))).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(delta(before, await calls()).evalsha).toBe(3);
  });

  it('sends a turn of MIN_SPLIT reads or more as two calls, so Node and Redis overlap', async () => {
    const reader = createEntryReader(client);
    const p = raw.pipeline();
    for (let i = 0; i < MIN_SPLIT; i++) p.set(`data:split${i}`, String(i));
    await p.exec();
    let before = await calls();
    const reads = await Promise.all(
      Array.from({ length: MIN_SPLIT }, (_, i) => reader.read(`data:split${i}`)),
    );
    expect(reads.map(([v]) => Number(v))).toEqual(Array.from({ length: MIN_SPLIT }, (_, i) => i));
    let d = delta(before, await calls());
    expect(d.evalsha).toBe(2);
    expect(d.pttl).toBe(MIN_SPLIT);
    before = await calls();
    await Promise.all(Array.from({ length: MIN_SPLIT - 1 }, (_, i) => reader.read(`data:split${i}`)));
    d = delta(before, await calls());
    expect(d.evalsha).toBe(1);
  });

  it('rejects every waiting read when the connection is gone', async () => {
    const lost = server.client({ maxRetriesPerRequest: 0, retryStrategy: () => null });
    const reader = createEntryReader(lost);
    await lost.ping();
    lost.disconnect();
    const results = await Promise.allSettled([reader.read('data:b1'), reader.read('data:b2')]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    await expect(reader.read('data:b1')).rejects.toThrow();
  });
});
