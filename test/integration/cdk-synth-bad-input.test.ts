import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CdkRun, runCdk } from '../helpers/run-cdk';

/**
 * The bad-input matrix (test/bad-input.test.ts) through the real CDK CLI: `cdk synth` must exit non-zero,
 * print the configuration error without a stack trace, and write no template.
 */
describe('the real `cdk synth` on bad context', () => {
  const synthInto = async (outdir: string, args: string[]) => ({ ...(await runCdk(['synth', '--quiet', '--output', outdir, ...args])), outdir });

  const cliCases: Array<{ name: string; args: string[]; message: RegExp }> = [
    { name: '-c env=nope', args: ['-c', 'env=nope'], message: /Configuration error: unknown environment -c env="nope"; valid environments: dev, staging, prod/ },
    { name: "-c imageTag='bad tag'", args: ['-c', 'env=dev', '-c', 'imageTag=bad tag'], message: /Configuration error: dev\.imageTag "bad tag" is not a valid ECR image tag/ },
    { name: '-c imageTag=latest for prod', args: ['-c', 'env=prod', '-c', 'imageTag=latest'], message: /Configuration error: prod\.imageTag "latest" is a moving tag/ },
    // Used to pass config validation and fail in the construct with a stack trace.
    { name: '-c imageTag=v1-latest for prod', args: ['-c', 'env=prod', '-c', 'imageTag=v1-latest'], message: /Configuration error: prod\.imageTag "v1-latest" is a moving tag/ },
    // The registry follows the CLI's account (registry.account unset): pinning a service stack elsewhere would
    // build the image URI from the wrong account.
    { name: '-c account=222222222222 with registry.account unset', args: ['-c', 'env=prod', '-c', 'account=222222222222'], message: /Configuration error: prod\.account is "222222222222" .*but registry\.account is unset.*Set registry\.account/ },
    { name: '-c githubRepository=owner/repo (a placeholder)', args: ['-c', 'env=prod', '-c', 'githubRepository=owner/repo'], message: /Configuration error: registry\.ciPushRole\.githubRepository "owner\/repo" is a placeholder/ },
  ];
  let work: string;
  let results: Array<CdkRun & { outdir: string }>;
  let created: CdkRun & { outdir: string };
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-cli-'));
    // Each case gets an output directory that exists (and is empty) before the run; one more run gets a
    // path that does not exist yet, as `cdk.out` usually does not. All run concurrently: each CLI start
    // costs seconds.
    const dirs = cliCases.map((_c, i) => path.join(work, `existing-${i}`));
    dirs.forEach((d) => fs.mkdirSync(d));
    [created, ...results] = await Promise.all([
      synthInto(path.join(work, 'created-by-the-cli'), ['-c', 'env=nope']),
      ...cliCases.map((c, i) => synthInto(dirs[i], c.args)),
    ]);
  }, 180_000);
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
});
