/**
 * `npm run bench [-- --runs N] [-- --validation on|off|both]`: wall time of synthesizing the app, run
 * exactly as cdk.json's app command runs it (CDK_OUTDIR + CDK_CONTEXT_JSON, as the CLI passes them),
 * median of N runs, next to:
 *   - the floor: test/bench/floor-app.js, one stack holding one of each resource type the app uses, plain
 *     compiled JavaScript (no ts-node), no cdk-nag (target: all environments <= 1.15x the floor);
 *   - the real app over 3 vs 30 generated environments (target: 30 envs <= 1.5x 3 envs), and with
 *     cdk-nag off, to show what cdk-nag costs.
 * Prints numbers; never asserts (timings belong in benchmarks, not tests).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const USAGE = `Usage: npm run bench [-- --runs N] [-- --validation on|off|both]
  --runs N          median of N timed runs per app, after one warm-up (default 3)
  --validation V    CDK's built-in template validation: on (default), off or both
  --help            this text
`;

const root = path.resolve(__dirname, '..', '..');

function parseArgs(argv: readonly string[]): { runs: number; validation: string } {
  const out = { runs: 3, validation: 'on' };
  const fail = (msg: string): never => {
    process.stderr.write(`bench: ${msg}\n${USAGE}`);
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--runs') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) fail(`--runs must be a positive integer, got ${value}`);
      out.runs = n;
    } else if (flag === '--validation') {
      if (!['on', 'off', 'both'].includes(value)) fail(`--validation must be on, off or both, got ${value}`);
      out.validation = value;
    } else {
      fail(`unknown argument "${flag}"`);
    }
    i++;
  }
  return out;
}

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const { runs, validation } = parseArgs(argv);

const cdkJson = JSON.parse(fs.readFileSync(path.join(root, 'cdk.json'), 'utf8')) as { app: string; context: Record<string, unknown> };
const appCommand = cdkJson.app.split(' ');
const entry = appCommand[appCommand.length - 1];

interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

function timeOnce(file: string, env: Record<string, string>): Timing {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const cpuFile = path.join(outdir, 'cpu-ms');
  const context = { ...cdkJson.context, 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true };
  // The floor is plain JavaScript: plain node, no ts-node. Every run reports its own CPU time.
  const node = ['node', '-r', './test/bench/cpu-report.js'];
  const command = file.endsWith('.js') ? [...node, file] : [...node, ...appCommand.slice(1, -1), file];
  const start = process.hrtime.bigint();
  const r = spawnSync(command[0], command.slice(1), {
    cwd: root,
    env: { ...process.env, ...env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context), BENCH_CPU_FILE: cpuFile },
    encoding: 'utf8',
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const cpuMs = r.status === 0 ? Number(fs.readFileSync(cpuFile, 'utf8')) : NaN;
  fs.rmSync(outdir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${file} failed (${r.status}):\n${r.stderr}`);
  return { wallMs, cpuMs };
}

function median(file: string, env: Record<string, string>): Timing {
  timeOnce(file, env); // warm the file-system cache and swc's transpile cache
  const times = Array.from({ length: runs }, () => timeOnce(file, env));
  const mid = <T>(xs: T[]) => xs[Math.floor(xs.length / 2)];
  return { wallMs: mid(times.map((t) => t.wallMs).sort((a, b) => a - b)), cpuMs: mid(times.map((t) => t.cpuMs).sort((a, b) => a - b)) };
}

const fmt = (t: Timing) => `${(t.cpuMs / 1000).toFixed(2)} s CPU (${(t.wallMs / 1000).toFixed(2)} s wall)`;
const ratio = (a: Timing, b: Timing) => `${(a.cpuMs / b.cpuMs).toFixed(2)}x CPU, ${(a.wallMs / b.wallMs).toFixed(2)}x wall`;
console.log(`node ${process.version}, ${os.cpus().length} cores, median of ${runs} runs (+1 warm-up) each, app command: ${cdkJson.app}`);
for (const setting of validation === 'both' ? ['on', 'off'] : [validation]) {
  const env = { CDK_VALIDATION: setting === 'on' ? 'true' : 'false' };
  const floor = median('test/bench/floor-app.js', env);
  const all = median(entry, env);
  const three = median('test/bench/many-envs-app.ts', { ...env, BENCH_ENVS: '3' });
  const threeNoNag = median('test/bench/many-envs-app.ts', { ...env, BENCH_ENVS: '3', BENCH_NAG: 'false' });
  const threeNoGuard = median('test/bench/many-envs-app.ts', { ...env, BENCH_ENVS: '3', BENCH_GUARD: 'false' });
  const thirty = median('test/bench/many-envs-app.ts', { ...env, BENCH_ENVS: '30' });
  console.log(`\nCDK built-in template validation ${setting}:`);
  console.log(`  floor: 1 stack, every resource type, plain JS, no cdk-nag   ${fmt(floor)}`);
  console.log(`  all environments (6 stacks)                                 ${fmt(all)}   ratio ${ratio(all, floor)} (target <= 1.15x)`);
  console.log(`  3 generated environments                                    ${fmt(three)}   (cdk-nag off: ${fmt(threeNoNag)}; cdk-nag costs ${((three.cpuMs - threeNoNag.cpuMs) / 1000).toFixed(2)} s CPU)`);
  console.log(`  30 generated environments                                   ${fmt(thirty)}   ratio ${ratio(thirty, three)} (target <= 1.50x)`);
  console.log(`                                                              (Control Tower checks off: ${fmt(threeNoGuard)}; they cost ${((three.cpuMs - threeNoGuard.cpuMs) / 1000).toFixed(2)} s CPU)`);
}
