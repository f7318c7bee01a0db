import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeRepositoriesCommand, ECRClient, GetRegistryScanningConfigurationCommand } from '@aws-sdk/client-ecr';
import { SNSClient } from '@aws-sdk/client-sns';
import { scopedMockClient } from '../helpers/aws-mock';
import { runDoctorCli, USAGE } from '../../lib/cli/doctor';
import { LoadedConfig } from '../../lib/config/load';
import { DoctorPlan } from '../../lib/doctor/plan';
import { doctorPlan } from '../../lib/doctor/synth';

/**
 * `npm run doctor`: usage errors before anything runs, then one run against mocked AWS APIs through the real
 * in-process synth (once for the spec). The checks themselves are tested in test/doctor/doctor.spec.ts.
 */
const cf = scopedMockClient(CloudFormationClient);
const cw = scopedMockClient(CloudWatchClient);
const sns = scopedMockClient(SNSClient);
const trail = scopedMockClient(CloudTrailClient);
const ecr = scopedMockClient(ECRClient);
const mocks = [cf, cw, sns, trail, ecr];
let synthesized: DoctorPlan | undefined;
const plans: string[] = [];
/** The real plan, synthesized once; records which environment and context each run asked for. */
function planOnce(config: LoadedConfig, envName: string): DoctorPlan {
  plans.push(`${envName} ${config.registry.ciPushRole?.githubRepository ?? '-'}`);
  synthesized ??= doctorPlan(config, envName);
  return synthesized;
}

async function doctor(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runDoctorCli(argv, { io: { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } }, plan: planOnce, now: new Date('2026-12-01T12:00:00Z') });
  return { code, stdout, stderr };
}

beforeEach(() => {
  for (const m of mocks) m.reset();
});

describe('npm run doctor: arguments', () => {
  test('--help prints the usage and exits 0, checking nothing', async () => {
    expect(await doctor('--help')).toEqual({ code: 0, stdout: USAGE, stderr: '' });
    expect(USAGE).toMatch(/^Usage:\n {2}npm run doctor -- --env ENV/);
    expect(plans).toEqual([]);
  });

  test.each([
    [['--env', 'prod', '--verbose'], 'doctor: unknown flag "--verbose"'],
    [['prod'], 'doctor: unexpected argument "prod"'],
    [[], 'doctor: --env is required: one of dev, staging, prod'],
    [['--env'], 'doctor: --env needs a value'],
    [['--env', 'nope'], 'doctor: --env "nope" is not an environment: use one of dev, staging, prod'],
    [['--env', 'dev', '--env', 'prod'], 'doctor: --env given twice; give it once'],
    [['--env', 'dev', '--hours', '0'], 'doctor: --hours "0" must be a whole number of hours from 1 to 336'],
    [['--env', 'dev', '-c', 'env=prod'], 'doctor: choose the environment with --env, not -c env=...'],
    [['--env', 'dev', '--context', 'colour=blue'], 'doctor: --context "colour" is not a context key the app reads: use imageTag, imageDigest, account, network, githubRepository'],
    [['--env', 'dev', '-c', 'githubRepository'], 'doctor: -c "githubRepository" is not KEY=VALUE'],
  ])('%j exits 2 with the reason and the usage, nothing on stdout', async (argv, message) => {
    expect(await doctor(...argv)).toEqual({ code: 2, stdout: '', stderr: `${message}\n\n${USAGE}` });
    expect(plans).toEqual([]);
  });

  test('bad context is a configuration error naming the value: exit 2', async () => {
    const r = await doctor('--env', 'dev', '-c', 'githubRepository=your-org/better-call-buffet');
    expect(r).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(/^doctor: Configuration error: .*"your-org\/better-call-buffet" is a placeholder/) });
    expect(plans).toEqual([]);
  });
});

describe('npm run doctor: a run', () => {
  test('one line per check, a summary, and exit 1 when a check fails', async () => {
    // GIVEN a registry stack that was never deployed, and a deployed service stack
    cf.on(DescribeStacksCommand, { StackName: 'BetterCallBuffet-Registry' }).rejects(Object.assign(new Error('Stack with id BetterCallBuffet-Registry does not exist'), { name: 'ValidationError' }));
    cf.on(DescribeStacksCommand, { StackName: 'BetterCallBuffet-staging-Service' }).resolves({
      Stacks: [{ StackName: 'BetterCallBuffet-staging-Service', StackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/BetterCallBuffet-staging-Service/x', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }],
    });
    cf.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [] });
    ecr.on(GetRegistryScanningConfigurationCommand).resolves({ scanningConfiguration: { scanType: 'BASIC', rules: [] } });
    // WHEN
    const r = await doctor('--env', 'staging', '-c', 'githubRepository=acme-corp/buffet', '--hours', '12');
    // THEN
    expect(plans).toEqual(['staging acme-corp/buffet']);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('doctor: staging: BetterCallBuffet-Registry (us-east-1) and BetterCallBuffet-staging-Service (us-east-1), expecting what this code synthesizes');
    expect(lines[1]).toBe('FAIL  stack BetterCallBuffet-Registry: not deployed in us-east-1 -> fix: deploy it: npx cdk deploy BetterCallBuffet-Registry --exclusively -c githubRepository=acme-corp/buffet');
    expect(lines[2]).toBe('PASS  stack BetterCallBuffet-staging-Service: CREATE_COMPLETE in us-east-1, account 111122223333, 0 resources');
    expect(lines).toContain('SKIP  alarm better-call-buffet-registry-pull-anomaly: stack BetterCallBuffet-Registry is not deployed');
    expect(lines).toContain('PASS  registry scanning in us-east-1: BASIC, as registry.settings.scanType says; no registry rules, so each repository\'s own scan-on-push setting applies');
    expect(lines.every((l, i) => i === 0 || i === lines.length - 1 || /^(PASS|FAIL|SKIP|ERROR) /.test(l))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^doctor: 2 passed, 1 failed, \d+ skipped, 0 could not run$/);
    expect(r).toMatchObject({ code: 1, stderr: '' });
    // Nothing else was asked of an account whose registry stack is missing.
    for (const m of [cw, sns, trail]) expect(m.calls()).toHaveLength(0);
    expect(ecr.commandCalls(DescribeRepositoriesCommand)).toHaveLength(0);
  });

  test('no credentials: exit 3, one line saying what to check, no check lines', async () => {
    cf.on(DescribeStacksCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const r = await doctor('--env', 'staging');
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('doctor: AWS error, no checks could run: CredentialsProviderError: Could not load credentials from any providers. Check the credentials: AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, `aws sso login`, or the role the pipeline assumes (standard AWS credential chain)\n');
    expect(r.stdout).not.toMatch(/^(PASS|FAIL|SKIP)/m);
  });
});
