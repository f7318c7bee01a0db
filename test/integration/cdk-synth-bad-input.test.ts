import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from '../helpers/app';

/**
 * The bad-input matrix (test/bad-input.test.ts) through the real CDK CLI: `cdk synth` must exit non-zero,
 * print the configuration error without a stack trace, and write no template.
 */
describe('the real `cdk synth` on bad context', () => {
  const cdk = path.join(REPO_ROOT, 'node_modules', '.bin', 'cdk');
  const runCdk = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string; outdir: string }>((resolve) => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-cli-'));
      const child = spawn(cdk, ['synth', '--quiet', '--output', outdir, ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, CDK_VALIDATION: 'false', CDK_DISABLE_VERSION_CHECK: '1' },
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.stdout.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr, outdir }));
    });

  // They run concurrently: each CLI start costs a few seconds.
  const cliCases: Array<[string, string[], RegExp]> = [
    ['-c env=nope', ['-c', 'env=nope'], /Configuration error: unknown environment -c env="nope"; valid environments: dev, staging, prod/],
    ["-c imageTag='bad tag'", ['-c', 'env=dev', '-c', 'imageTag=bad tag'], /Configuration error: dev\.imageTag "bad tag" is not a valid ECR image tag/],
    ['-c imageTag=latest for prod', ['-c', 'env=prod', '-c', 'imageTag=latest'], /Configuration error: prod\.imageTag "latest" is a moving tag/],
    ['-c githubRepository=owner/repo (a placeholder)', ['-c', 'env=prod', '-c', 'githubRepository=owner/repo'], /Configuration error: registry\.ciPushRole\.githubRepository "owner\/repo" is a placeholder/],
  ];
  let results: Array<{ code: number | null; stderr: string; outdir: string }>;
  beforeAll(async () => {
    results = await Promise.all(cliCases.map(([, args]) => runCdk(args)));
  }, 60_000);
  afterAll(() => results?.forEach((r) => fs.rmSync(r.outdir, { recursive: true, force: true })));

  test.each(cliCases.map((c, i) => [...c, i] as const))('%s exits non-zero, names the value, writes no template', (_name, _args, message, i) => {
    const { code, stderr, outdir } = results[i];
    expect(code).not.toBe(0);
    expect(stderr).toMatch(message);
    // No stack trace for a configuration error: the message is the whole story.
    expect(stderr).not.toMatch(/at Object\.<anonymous>|node:internal/);
    expect(fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'))).toEqual([]);
  });
});
