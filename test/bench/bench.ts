/**
 * `npm run bench [-- --runs N] [-- --validation on|off|both]`: wall time of synthesizing the app, run
 * exactly as cdk.json's app command runs it (CDK_OUTDIR + CDK_CONTEXT_JSON, as the CLI passes them),
 * median of N runs, next to:
 *   - a bare CDK app with one empty stack (target: all environments <= 1.3x the bare floor);
 *   - the real app over 3 vs 30 generated environments (target: 30 envs <= 1.5x 3 envs).
 * Prints numbers; never asserts (timings belong in benchmarks, not tests).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
function flag(name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}
const runs = Number(flag('runs', '3'));
const validation = flag('validation', 'on');
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a positive integer, got ${flag('runs', '')}`);
  process.exit(2);
}
if (!['on', 'off', 'both'].includes(validation)) {
  console.error(`--validation must be on, off or both, got ${validation}`);
  process.exit(2);
}

const cdkJson = JSON.parse(fs.readFileSync(path.join(root, 'cdk.json'), 'utf8')) as { app: string; context: Record<string, unknown> };
const appCommand = cdkJson.app.split(' ');
const entry = appCommand[appCommand.length - 1];

function timeOnce(file: string, env: Record<string, string>): number {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const context = { ...cdkJson.context, 'aws:cdk:enable-path-metadata': true };
  const start = process.hrtime.bigint();
  const r = spawnSync(appCommand[0], [...appCommand.slice(1, -1), file], {
    cwd: root,
    env: { ...process.env, ...env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  fs.rmSync(outdir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${file} failed (${r.status}):\n${r.stderr}`);
  return ms;
}

function median(file: string, env: Record<string, string>): number {
  timeOnce(file, env); // warm the file-system cache and swc's transpile cache
  const times = Array.from({ length: runs }, () => timeOnce(file, env)).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(`node ${process.version}, ${os.cpus().length} cores, median of ${runs} runs (+1 warm-up) each, app command: ${cdkJson.app}`);
for (const setting of validation === 'both' ? ['on', 'off'] : [validation]) {
  const env = { CDK_VALIDATION: setting === 'on' ? 'true' : 'false' };
  const bare = median('test/bench/bare-app.ts', env);
  const all = median(entry, env);
  const three = median('test/bench/many-envs-app.ts', { ...env, BENCH_ENVS: '3' });
  const threeNoNag = median('test/bench/many-envs-app.ts', { ...env, BENCH_ENVS: '3', BENCH_NAG: 'false' });
  const threeNoGuard = median('test/bench/many-envs-app.ts', { ...env, BENCH_ENVS: '3', BENCH_GUARD: 'false' });
  const thirty = median('test/bench/many-envs-app.ts', { ...env, BENCH_ENVS: '30' });
  console.log(`\nCDK built-in template validation ${setting}:`);
  console.log(`  bare app, 1 empty stack          ${fmt(bare)}`);
  console.log(`  all environments (6 stacks)      ${fmt(all)}   ratio ${(all / bare).toFixed(2)}x (target <= 1.30x)`);
  console.log(`  3 generated environments         ${fmt(three)}   (cdk-nag off: ${fmt(threeNoNag)}, so cdk-nag costs ${fmt(three - threeNoNag)})`);
  console.log(`                                   (Control Tower checks off: ${fmt(threeNoGuard)}, so they cost ${fmt(three - threeNoGuard)})`);
  console.log(`  30 generated environments        ${fmt(thirty)}   ratio ${(thirty / three).toFixed(2)}x (target <= 1.50x)`);
}
