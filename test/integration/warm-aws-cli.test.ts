import { spawnSync } from 'child_process';
import * as os from 'os';
import { WarmAwsCli } from '../e2e/lib/warm-aws-cli';

/**
 * The e2e's warm AWS CLI (test/e2e/lib/warm-aws-cli.ts) must answer exactly what a spawned `aws` answers: the same
 * exit code, stdout and stderr, for a success, an AWS-side error and a usage error (no emulator needed).
 */
describe('the warm AWS CLI of the e2e', () => {
  const env = { PATH: process.env.PATH, HOME: os.tmpdir(), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1', AWS_EC2_METADATA_DISABLED: 'true' };
  const options = { env, cwd: os.tmpdir(), timeoutMs: 60_000 };
  let cli: WarmAwsCli | undefined;
  beforeAll(async () => {
    cli = await WarmAwsCli.start(env, os.tmpdir());
  }, 60_000);
  afterAll(() => cli?.stop());

  const calls = [
    ['--version'],
    ['sts', 'get-caller-identity', '--endpoint-url', 'http://127.0.0.1:9'],
    ['ecr', 'describe-repositories', '--no-such-flag'],
    ['no-such-command'],
  ];

  test.each(calls.map((c) => [c.join(' '), c]))('aws %s: same exit code, stdout and stderr as a spawned aws', async (_title, args) => {
    expect(cli).toBeDefined();
    const spawned = spawnSync('aws', args as string[], { env, cwd: os.tmpdir(), encoding: 'utf8' });
    const warm = await cli!.run(args as string[], options);
    expect({ code: warm.code, stdout: warm.stdout, stderr: warm.stderr }).toEqual({ code: spawned.status, stdout: spawned.stdout, stderr: spawned.stderr });
  }, 60_000);

  test('a call with another environment is refused (the driver was built with the first)', async () => {
    await expect(cli!.run(['--version'], { ...options, env: { ...env, AWS_PROFILE: 'other' } })).rejects.toThrow(/environment it started with/);
  });
});
