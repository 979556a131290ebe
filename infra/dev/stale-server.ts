import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

export interface StaleServer {
  /** The server's pid file: the pid on its first line (redis.pid, postmaster.pid). */
  pidFile: string;
  /** What the process's command line must contain to be taken for that server (pids get reused). */
  command: string;
  /** The server's clean-shutdown signal: SIGTERM for Redis, SIGINT (fast shutdown) for PostgreSQL. */
  signal: NodeJS.Signals;
  /** SIGKILL after this long. */
  timeoutMs: number;
}

/**
 * A server left running by an earlier run that was killed hard still holds its data dir: two
 * servers on the same files would corrupt them. Stop it first, but only after checking the pid
 * really runs `command`. A pid file whose process is gone is removed.
 */
export async function stopStaleServer({ pidFile, command, signal, timeoutMs }: StaleServer): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]?.trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  let running = '';
  try {
    running = execFileSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' });
  } catch {
    rmSync(pidFile, { force: true }); // no such process: the pid file is stale
    return;
  }
  if (!running.includes(command)) return;
  process.stderr.write(`stopping ${command} pid ${pid} left by an earlier run (${pidFile})\n`);
  process.kill(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(pid, 'SIGKILL');
}
