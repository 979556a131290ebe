// Prints how long each package's test task (or the task named by argv[3]) took, from the newest
// turbo run summary (.turbo/runs/*.json, written when TURBO_RUN_SUMMARY=true), longest first, so
// growth is visible. Usage: node .ci/test-durations.mjs [summary dir] [task]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve(process.argv[2] ?? '.turbo/runs');
const taskName = process.argv[3] ?? 'test';
let files = [];
try {
  files = readdirSync(dir).filter((f) => f.endsWith('.json'));
} catch {
  // No summary (turbo did not get to write one): nothing to print.
}
if (files.length === 0) {
  console.log(`no turbo run summary in ${dir}`);
  process.exit(0);
}
const newest = files
  .map((f) => path.join(dir, f))
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
const summary = JSON.parse(readFileSync(newest, 'utf8'));

const rows = summary.tasks
  .filter((task) => task.task === taskName)
  .map((task) => {
    const run = task.execution;
    const seconds = run?.startTime && run?.endTime ? (run.endTime - run.startTime) / 1000 : null;
    const state = !run ? 'not run' : run.exitCode === 0 ? 'ok' : `exit ${run.exitCode}`;
    return { name: task.package, seconds, state };
  })
  .sort((a, b) => (b.seconds ?? -1) - (a.seconds ?? -1));

const width = Math.max(...rows.map((r) => r.name.length), 5);
const fmt = (s) => (s === null ? '-' : `${s.toFixed(1)} s`).padStart(9);
for (const r of rows) console.log(`  ${r.name.padEnd(width)} ${fmt(r.seconds)}  ${r.state}`);
const total = rows.reduce((sum, r) => sum + (r.seconds ?? 0), 0);
console.log(`  ${'total'.padEnd(width)} ${fmt(total)}`);
