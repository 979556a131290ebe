import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import pc from 'picocolors';
import { type ProcessGroup, signalGroup, stopGroup } from './process-group.js';

export interface AppSpec {
  /** Prefix of every output line: `api`, `worker`, `web`. */
  name: string;
  color: (text: string) => string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface AppExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Width of the name column, so prefixed lines from every child stay aligned. */
const PREFIX_WIDTH = 6;

/** Writes `name │ line` for every line a child prints, in the child's colour. */
export function prefixer(name: string, color: (text: string) => string, out: NodeJS.WritableStream) {
  const prefix = `${color(name.padEnd(PREFIX_WIDTH))}${pc.dim('│')} `;
  return (line: string) => out.write(`${prefix}${line}\n`);
}

/**
 * One app (API, worker, Vite) as a child process in its own group, output prefixed. `exited`
 * resolves when the child ends, whoever ended it.
 */
export class AppProcess implements ProcessGroup {
  readonly name: string;
  readonly exited: Promise<AppExit>;
  #child: ChildProcess;

  constructor(spec: AppSpec, out: NodeJS.WritableStream = process.stdout) {
    this.name = spec.name;
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { FORCE_COLOR: '1', ...spec.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    const print = prefixer(spec.name, spec.color, out);
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', print);
    }
    this.exited = new Promise((resolve) => {
      child.once('error', (err) => {
        print(pc.red(`cannot start ${spec.command}: ${err.message}`));
        resolve({ name: spec.name, code: 127, signal: null });
      });
      child.once('exit', (code, signal) => resolve({ name: spec.name, code, signal }));
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** SIGTERM to the group (the apps shut down gracefully on it), SIGKILL after the timeout. */
  async stop(timeoutMs = 8_000): Promise<void> {
    if (this.#child.pid !== undefined) await stopGroup(this.#child.pid, timeoutMs);
  }

  killNow(): void {
    if (this.#child.pid !== undefined) signalGroup(this.#child.pid, 'SIGKILL');
  }
}
