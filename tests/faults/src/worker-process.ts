import { type ChildProcess, spawn } from 'node:child_process';
import { waitUntil } from '@app/testing';
import { repoRoot } from './infra-conf.js';

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
}

const running = new Set<ChildProcess>();

/**
 * The worker as it ships: `node --import tsx apps/worker/src/index.ts`, configured by its
 * environment only. Resolves once it logged that it started.
 */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/worker/src/index.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      LOG_LEVEL: 'info',
      WORKER_WARM_ON_START: 'false',
      WORKER_REFRESH_EVERY_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  await waitUntil(() => output.join('').includes('cache worker started'), 30_000).catch(() => {
    throw new Error(`worker process did not start:\n${output.join('').slice(-3000)}`);
  });
  return {
    child,
    pid: child.pid as number,
    output,
    exited,
    isRunning: () => child.exitCode === null && child.signalCode === null,
  };
}

/** SIGKILL every worker process still running (afterAll). */
export function killWorkerProcesses(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
