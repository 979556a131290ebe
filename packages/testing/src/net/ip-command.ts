import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs `ip …` (iproute2); the error names the command and what ip printed. */
export async function ip(args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('ip', args, { timeout: 10_000 });
    return stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`ip ${args.join(' ')} failed: ${stderr.trim() || String(err)}`);
  }
}

/** Synchronous and silent: for process-exit handlers, where nothing asynchronous runs. */
export function ipSync(args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: 'ignore', timeout: 5_000 });
  } catch {
    // already gone, or nothing more can be done while exiting
  }
}

/** Several `ip` commands in one namespace, one process (`ip -n <ns> -batch -`). */
export function ipBatch(netns: string, commands: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('ip', ['-n', netns, '-batch', '-'], { timeout: 10_000 }, (err, _out, stderr) => {
      if (err) reject(new Error(`ip -n ${netns} -batch failed: ${stderr.trim() || String(err)}`));
      else resolve();
    });
    child.stdin?.end(`${commands.join('\n')}\n`);
  });
}
