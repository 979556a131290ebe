import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const benchRoot = fileURLToPath(new URL('../..', import.meta.url));

export async function machineInfo(): Promise<Record<string, string | number>> {
  const cpu = cpus();
  let redis = 'unknown';
  try {
    redis = (await exec(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--version'])).stdout.trim();
  } catch {
    // reported as unknown
  }
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    redis,
    loadAverageAtStart: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}

function versionOf(name: string, from = benchRoot): string {
  try {
    const file = `${from}/node_modules/${name}/package.json`;
    return JSON.parse(readFileSync(file, 'utf8')).version as string;
  } catch {
    return 'unknown';
  }
}

export function versions(): Record<string, string> {
  const names = ['ioredis', 'bentocache', 'cache-manager', '@keyv/redis', 'keyv', 'autocannon', 'express'];
  return {
    ...Object.fromEntries(names.map((n) => [n, versionOf(n)])),
    'lru-cache (redis-core)': versionOf('lru-cache', `${benchRoot}/../packages/redis-core`),
  };
}
