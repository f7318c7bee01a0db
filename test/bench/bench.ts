/**
 * `npm run bench [-- --runs N] [-- --validation on|off|both] [-- --apps main|all]`: the time to synthesize the
 * app, run exactly as cdk.json's app command runs it (CDK_OUTDIR + CDK_CONTEXT_JSON, as the CLI passes them),
 * median of N runs after a warm-up, next to:
 *   - the floor: the peer below compiled to plain JavaScript (tsc), run with plain node: the same resource types
 *     in the same numbers and stacks, with what CDK itself costs and nothing of ours (target: <= 1.15x); the
 *     app is timed warm (cfn-guard's answers for its templates remembered, lib/governance/guard-memo.ts) and
 *     cold (CONTROL_TOWER_CACHE=off: cfn-guard judges every template);
 *   - the peer (test/bench/peer/): what a user would write with `cdk init app --language typescript`, the registry
 *     stack with a NodejsFunction bundled by the local esbuild, its settings and replica stacks and three service
 *     stacks, run as cdk init's
 *     cdk.json runs it (ts-node, type-checked), no cdk-nag, no Control Tower checks (target: <= 0.5x);
 *   - with `--apps all` (default): the real app over 3 and 30 generated environments (target: 30 <= 1.5x 3), and
 *     the 3 without cdk-nag and without the Control Tower checks, to show what each costs.
 * Wall time and CPU time (user + system, of the synth and of the processes it waited for: cfn-guard, esbuild)
 * are both printed: on a shared machine wall time moves with everyone else's load, CPU time much less.
 * Prints numbers; never asserts (timings belong in benchmarks, not tests).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const USAGE = `Usage: npm run bench [-- --runs N] [-- --validation on|off|both] [-- --apps main|all]
  --runs N          median of N timed runs per app, after one warm-up (default 3)
  --validation V    CDK's built-in template validation: on (default), off or both
  --apps A          main: the app, its floor and its peer; all (default): also the generated environments
  --help            this text
`;

const root = path.resolve(__dirname, '..', '..');

function parseArgs(argv: readonly string[]): { runs: number; validation: string; apps: string } {
  const out = { runs: 3, validation: 'on', apps: 'all' };
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
    } else if (flag === '--apps') {
      if (!['main', 'all'].includes(value)) fail(`--apps must be main or all, got ${value}`);
      out.apps = value;
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
const { runs, validation, apps } = parseArgs(argv);

const cdkJson = JSON.parse(fs.readFileSync(path.join(root, 'cdk.json'), 'utf8')) as { app: string; context: Record<string, unknown> };
const appCommand = cdkJson.app.split(' ');
const entry = appCommand[appCommand.length - 1];

interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** An app to time: the command line after `node`, and its environment. */
interface Subject {
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
}

const PEER_DIR = 'test/bench/peer';
/** Compiled at the same depth as test/bench/peer, so the peer finds lib/inventory/handler.ts the same way. */
const FLOOR_DIR = 'node_modules/.cache/bench-floor';

const ours: Subject = { args: [...appCommand.slice(1, -1), entry] };
// cdk init's cdk.json: `npx ts-node --prefer-ts-exts bin/<app>.ts`, type-checked, with its own tsconfig.json.
const peer: Subject = { args: ['-r', 'ts-node/register', `${PEER_DIR}/bin/peer.ts`], env: { TS_NODE_PROJECT: `${PEER_DIR}/tsconfig.json` } };
const floor: Subject = { args: [`${FLOOR_DIR}/bin/peer.js`] };
const manyEnvs = (envs: number, extra: Record<string, string> = {}): Subject => ({ args: [...appCommand.slice(1, -1), 'test/bench/many-envs-app.ts'], env: { BENCH_ENVS: String(envs), ...extra } });

/** The floor is the peer compiled to JavaScript: compile it now (not timed). */
function compileFloor(): void {
  fs.rmSync(path.join(root, FLOOR_DIR), { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', `${PEER_DIR}/tsconfig.json`, '--outDir', FLOOR_DIR, '--inlineSourceMap', 'false', '--inlineSources', 'false'], { cwd: root, encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`compiling the peer to the floor failed:\n${tsc.stdout}${tsc.stderr}`);
}

function timeOnce(subject: Subject, env: Record<string, string>): Timing {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const cpuFile = path.join(outdir, 'cpu-ms');
  const context = { ...cdkJson.context, 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true };
  const start = process.hrtime.bigint();
  // Every run reports its own CPU time, preloaded before anything else.
  const r = spawnSync(process.execPath, ['-r', './test/bench/cpu-report.js', ...subject.args], {
    cwd: root,
    env: { ...process.env, ...env, ...subject.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context), BENCH_CPU_FILE: cpuFile },
    encoding: 'utf8',
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const cpuMs = r.status === 0 ? Number(fs.readFileSync(cpuFile, 'utf8')) : NaN;
  fs.rmSync(outdir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${subject.args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return { wallMs, cpuMs };
}

function median(subject: Subject, env: Record<string, string>): Timing {
  timeOnce(subject, env); // warm the file-system cache and swc's transpile cache
  const times = Array.from({ length: runs }, () => timeOnce(subject, env));
  const mid = <T>(xs: T[]) => xs[Math.floor(xs.length / 2)];
  return { wallMs: mid(times.map((t) => t.wallMs).sort((a, b) => a - b)), cpuMs: mid(times.map((t) => t.cpuMs).sort((a, b) => a - b)) };
}

const fmt = (t: Timing) => `${(t.cpuMs / 1000).toFixed(2)} s CPU (${(t.wallMs / 1000).toFixed(2)} s wall)`;
const ratio = (a: Timing, b: Timing) => `${(a.cpuMs / b.cpuMs).toFixed(2)}x CPU, ${(a.wallMs / b.wallMs).toFixed(2)}x wall`;
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${load()}, median of ${runs} runs (+1 warm-up) each, app command: ${cdkJson.app}`);
compileFloor();
for (const setting of validation === 'both' ? ['on', 'off'] : [validation]) {
  const env = { CDK_VALIDATION: setting === 'on' ? 'true' : 'false' };
  const floorTime = median(floor, env);
  const peerTime = median(peer, env);
  // Warm: cfn-guard's answers for these templates are remembered (every synth after the first of the same
  // templates); cold: CONTROL_TOWER_CACHE=off, cfn-guard judges every template, as after a change to all of them.
  const all = median(ours, env);
  const cold = median(ours, { ...env, CONTROL_TOWER_CACHE: 'off' });
  console.log(`\nCDK built-in template validation ${setting}:`);
  console.log(`  floor: the peer compiled to JavaScript, plain node         ${fmt(floorTime)}`);
  console.log(`  peer: cdk init style, ts-node type-check, no cdk-nag        ${fmt(peerTime)}`);
  console.log(`  all environments (6 stacks)                                 ${fmt(all)}`);
  console.log(`    vs the floor ${ratio(all, floorTime)} (target <= 1.15x); vs the peer ${ratio(all, peerTime)} (target <= 0.50x)`);
  console.log(`  the same, cfn-guard judging every template (cold)           ${fmt(cold)}`);
  console.log(`    vs the floor ${ratio(cold, floorTime)}; vs the peer ${ratio(cold, peerTime)}`);
  if (apps === 'all') {
    const three = median(manyEnvs(3), env);
    const threeNoNag = median(manyEnvs(3, { BENCH_NAG: 'false' }), env);
    // What the Control Tower checks cost when cfn-guard runs (cold), against the same app without them.
    const threeCold = median(manyEnvs(3, { CONTROL_TOWER_CACHE: 'off' }), env);
    const threeNoGuard = median(manyEnvs(3, { BENCH_GUARD: 'false' }), env);
    const thirty = median(manyEnvs(30), env);
    console.log(`  3 generated environments                                    ${fmt(three)}`);
    const cost = (off: Timing) => `${((three.cpuMs - off.cpuMs) / 1000).toFixed(2)} s CPU (${((three.wallMs - off.wallMs) / 1000).toFixed(2)} s wall)`;
    console.log(`    cdk-nag off: ${fmt(threeNoNag)}; cdk-nag costs ${cost(threeNoNag)}`);
    console.log(`    Control Tower checks off: ${fmt(threeNoGuard)}; they cost ${cost(threeNoGuard)} with cfn-guard's answers remembered, ${((threeCold.cpuMs - threeNoGuard.cpuMs) / 1000).toFixed(2)} s CPU (${((threeCold.wallMs - threeNoGuard.wallMs) / 1000).toFixed(2)} s wall) cold`);
    console.log(`  30 generated environments                                   ${fmt(thirty)}   ratio ${ratio(thirty, three)} (target <= 1.50x)`);
  }
}
console.log(`\nload average at the end: ${load()}`);
