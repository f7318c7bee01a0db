import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { inPool } from '../../lib/util/pool';
import { CdkRun, runCdk } from '../helpers/run-cdk';

/**
 * The bad-input matrix (test/bad-input.spec.ts) through the real CDK CLI: `cdk synth` must exit non-zero,
 * print the configuration error without a stack trace, and write no template. Every case here fails before
 * anything is synthesized, so each run costs only the CLI and app start.
 */
describe('the real `cdk synth` on bad context', () => {
  const synthInto = async (outdir: string, args: string[], env: Record<string, string> = {}) => ({ ...(await runCdk(['synth', '--quiet', '--output', outdir, ...args], undefined, env)), outdir });

  /**
   * Configuration a user would write in lib/config/environments.ts, handed to the CLI as a test overlay
   * (lib/config/overlay.ts), which is merged and validated exactly like the shipped configuration.
   */
  const OVERLAYS = {
    // Misspelt and missing fields: `cdk synth` runs transpile-only, so no type-check would see them.
    fields: { registry: { replicaRegoin: 'us-west-2' }, prod: { imageRegoin: 'us-west-2' }, dev: { task: { secrets: [{}] } } },
    // Values that used to pass (or fail at deploy, or in a construct with a stack trace).
    values: {
      registry: {
        alarms: { emails: ['oncall@example.com', 'oncall@example.com'], imageCountQuotaFraction: 0 },
        inventory: { stalePullDays: 0 },
        ciPushRole: { environments: ['dev', 'dev'] },
      },
      dev: { task: { user: '10001:10001x', environment: { BIG: 'x'.repeat(70_000) } } },
      prod: { task: { memoryMiB: '2048' } },
    },
  };

  const cliCases: Array<{ name: string; args: (work: string) => string[]; env?: Record<string, string>; message: RegExp }> = [
    { name: '-c env=nope', args: () => ['-c', 'env=nope'], message: /Configuration error: unknown environment -c env="nope"; valid environments: dev, staging, prod/ },
    { name: "-c imageTag='bad tag'", args: () => ['-c', 'env=dev', '-c', 'imageTag=bad tag'], message: /Configuration error: dev\.imageTag "bad tag" is not a valid ECR image tag/ },
    { name: '-c imageTag=latest for prod', args: () => ['-c', 'env=prod', '-c', 'imageTag=latest'], message: /Configuration error: prod\.imageTag "latest" is a moving tag/ },
    // Used to pass config validation and fail in the construct with a stack trace.
    { name: '-c imageTag=v1-latest for prod', args: () => ['-c', 'env=prod', '-c', 'imageTag=v1-latest'], message: /Configuration error: prod\.imageTag "v1-latest" is a moving tag/ },
    { name: '-c githubRepository=owner/repo (a placeholder)', args: () => ['-c', 'env=prod', '-c', 'githubRepository=owner/repo'], message: /Configuration error: registry\.ciPushRole\.githubRepository "owner\/repo" is a placeholder/ },
    // Used to be ignored: prod synthesized with the configured tag.
    { name: '-c env=prod -c imgeTag=latest (a misspelt key)', args: () => ['-c', 'env=prod', '-c', 'imgeTag=latest'], message: /Configuration error: unknown context key -c imgeTag: did you mean -c imageTag\? This app reads env, imageTag, / },
    // Used to synthesize prod: the CLI keeps the last value before the app starts.
    { name: '-c env=dev -c env=prod', args: () => ['-c', 'env=dev', '-c', 'env=prod'], message: /Configuration error: -c env is given 2 times with different values \("dev", "prod"\): the CDK CLI would silently use the last one; pass -c env once/ },
    { name: 'misspelt config fields and an empty secret', args: (work) => ['-c', `testConfigOverlay=${path.join(work, 'fields.json')}`], message: /Configuration error: 5 configuration problems:\n/ },
    // The registry follows the CLI's account (registry.account unset): pinning a service stack elsewhere would
    // build the image URI from the wrong account.
    // A misspelt `off` must not silently reuse remembered Control Tower answers.
    { name: 'CONTROL_TOWER_CACHE=of (the Control Tower answers memo)', args: () => ['-c', 'env=dev'], env: { CONTROL_TOWER_CACHE: 'of' }, message: /Configuration error: CONTROL_TOWER_CACHE="of" is not a setting of the Control Tower answers memo: use on, off or refresh/ },
    { name: '-c account=222222222222 with registry.account unset', args: () => ['-c', 'env=prod', '-c', 'account=222222222222'], message: /Configuration error: prod\.account is "222222222222" .*but registry\.account is unset.*Set registry\.account/ },
  ];
  let work: string;
  let results: Array<CdkRun & { outdir: string }>;
  let created: CdkRun & { outdir: string };
  let values: CdkRun & { outdir: string };
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-cli-'));
    for (const [name, overlay] of Object.entries(OVERLAYS)) fs.writeFileSync(path.join(work, `${name}.json`), JSON.stringify(overlay));
    // Each case gets an output directory that exists (and is empty) before the run; two more runs get a path
    // that does not exist yet, as `cdk.out` usually does not. Four run at a time: each run is a CDK CLI plus the
    // app (several CPU-seconds), and all at once on a busy 2-core machine starve each other past the CLI's timeout.
    const dirs = cliCases.map((_c, i) => path.join(work, `existing-${i}`));
    dirs.forEach((d) => fs.mkdirSync(d));
    [created, values, ...results] = await inPool(4, [
      () => synthInto(path.join(work, 'created-by-the-cli'), ['-c', 'env=nope']),
      () => synthInto(path.join(work, 'values-created-by-the-cli'), ['-c', `testConfigOverlay=${path.join(work, 'values.json')}`]),
      ...cliCases.map((c, i) => () => synthInto(dirs[i], c.args(work), c.env)),
    ]);
  }, 300_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test.each(cliCases.map((c, i) => ({ ...c, i })))('$name exits 1, names the value, writes no template', ({ message, i }) => {
    const { code, output, outdir } = results[i];
    expect({ code, output }).toEqual({ code: 1, output: expect.stringMatching(message) });
    // No stack trace for a configuration error: the message is the whole story.
    expect(output).not.toMatch(/at Object\.<anonymous>|node:internal|^\s+at /m);
    // A directory that existed before the run is left where it was, and empty.
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  test('an output directory the CLI created for a failed run is removed, not left behind empty', () => {
    expect(created.code).toBe(1);
    expect(created.output).toMatch(/Configuration error: unknown environment/);
    expect(fs.existsSync(created.outdir)).toBe(false);
  });

  test('misspelt fields name the nearest known field; an empty secret names what it lacks', () => {
    const { output } = results[cliCases.findIndex((c) => c.name.startsWith('misspelt config fields'))];
    expect(output).toContain('- registry.replicaRegoin is not a field of registry: did you mean replicaRegion? (fields: account, region, ');
    expect(output).toContain('- prod.imageRegoin is not a field of prod: did you mean imageRegion? (fields: envName, account, region, ');
    expect(output).toContain('- dev.task.secrets[0].envVar is missing: add it (see docs/configuration.md)');
    expect(output).toContain('- dev.task.secrets[0].source is missing');
    expect(output).toContain('- dev.task.secrets[0].name is missing');
  });

  test('duplicate e-mails (was SubscriptionAlreadyExists and a cdk.out/error.txt), zero edges, a bad user, a quoted number and an oversized environment: one clean error, nothing left behind', () => {
    // GIVEN no output directory before the run (the usual `cdk.out`)
    const { code, output, outdir } = values;
    // THEN exit 1, every problem named, no stack trace, and no directory (so no error.txt) afterwards
    expect(code).toBe(1);
    expect(output).toMatch(/Configuration error: 7 configuration problems:\n/);
    for (const line of [
      '- registry.ciPushRole.environments lists "dev" twice: list each once',
      '- registry.alarms.imageCountQuotaFraction must be a fraction in (0, 1] or false to disable the alarm, got 0',
      '- registry.alarms.emails lists "oncall@example.com" twice (letter case aside): list each address once',
      '- registry.inventory.stalePullDays must be a whole number of days from 1 to 3650, got 0',
      '- dev.task.user must be a numeric non-root UID[:GID] like 10001:10001, got "10001:10001x"',
      '- prod.task.memoryMiB must be a number of MiB, got "2048" (a string): write 2048 without quotes',
    ]) expect(output).toContain(line);
    expect(output).toMatch(/- dev\.task\.environment and task\.secrets add up to 70,0\d\d bytes in the task definition, over the 61,440 this app allows: ECS refuses a task definition over 64 KiB at deploy/);
    expect(output).not.toMatch(/SubscriptionAlreadyExists|^\s+at /m);
    expect(fs.existsSync(outdir)).toBe(false);
  });
});
