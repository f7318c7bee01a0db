import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeImagesCommand, ECRClient, RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { runInventoryCli, USAGE } from '../../lib/cli/inventory';

const NOW = new Date('2026-06-01T00:00:00Z');
const ecrMock = mockClient(ECRClient);
const cwMock = mockClient(CloudWatchClient);

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runInventoryCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, {
    clients: () => ({ ecr: new ECRClient({ region: 'us-east-1' }), cloudwatch: new CloudWatchClient({ region: 'us-east-1' }) }),
    now: () => NOW,
  });
  return { code, stdout, stderr };
}

beforeEach(() => {
  ecrMock.reset();
  cwMock.reset();
});

describe('npm run inventory', () => {
  test('prints one JSON object whose figures are numbers', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({
      imageDetails: [
        { imageDigest: 'sha256:a', imageTags: ['v1.0.0'], imageSizeInBytes: 2 * 1024 ** 3, imagePushedAt: new Date('2026-05-01T00:00:00Z') },
        { imageDigest: 'sha256:b', imageSizeInBytes: 1024 ** 3, imagePushedAt: new Date('2026-05-02T00:00:00Z') },
      ],
    });
    const r = await run('--repository', 'better-call-buffet-prod', '--region', 'us-east-1');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      repositoryName: 'better-call-buffet-prod',
      imageCount: 2,
      taggedImageCount: 1,
      untaggedImageCount: 1,
      totalSizeBytes: 3 * 1024 ** 3,
      largestImageSizeBytes: 2 * 1024 ** 3,
      estimatedMonthlyStorageCostUsd: 0.3,
    });
    for (const k of ['imageCount', 'taggedImageCount', 'untaggedImageCount', 'totalSizeBytes', 'largestImageSizeBytes', 'estimatedMonthlyStorageCostUsd']) {
      expect(typeof out[k]).toBe('number');
    }
    expect(cwMock.commandCalls(PutMetricDataCommand)).toHaveLength(0);
  });

  test('--publish also sends the metrics, to --namespace', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [] });
    cwMock.on(PutMetricDataCommand).resolves({});
    const r = await run('--repository', 'repo', '--publish', '--namespace', 'Mine/Inventory');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).published).toEqual({ namespace: 'Mine/Inventory', metrics: 10 });
    expect(cwMock.commandCalls(PutMetricDataCommand)[0].args[0].input.Namespace).toBe('Mine/Inventory');
  });

  test('--release-pattern given twice: both patterns mark releases', async () => {
    // GIVEN two images whose tags match one pattern each
    ecrMock.on(DescribeImagesCommand).resolves({
      imageDetails: [
        { imageDigest: 'sha256:a', imageTags: ['v1.0.0'], imageSizeInBytes: 1024 ** 3, imagePushedAt: new Date('2026-05-01T00:00:00Z') },
        { imageDigest: 'sha256:b', imageTags: ['rel-2'], imageSizeInBytes: 2 * 1024 ** 3, imagePushedAt: new Date('2026-05-02T00:00:00Z') },
      ],
    });
    // WHEN both patterns are given
    const both = JSON.parse((await run('--repository', 'repo', '--release-pattern', 'v*', '--release-pattern=rel-*')).stdout);
    // THEN the two images are consecutive releases, 100% apart; with either pattern alone there is one release
    expect(both).toMatchObject({ releaseSizeChangePercent: 100, newestRelease: { tag: 'rel-2' }, previousRelease: { tag: 'v1.0.0' } });
    expect(JSON.parse((await run('--repository', 'repo', '--release-pattern', 'rel-*')).stdout).releaseSizeChangePercent).toBeNull();
  });

  test('a missing repository: exit 3 (an AWS answer), one line naming it', async () => {
    ecrMock.on(DescribeImagesCommand).rejects(new RepositoryNotFoundException({ message: 'no such repo', $metadata: {} }));
    const r = await run('--repository', 'nope', '--region', 'eu-west-1');
    expect(r).toEqual({ code: 3, stdout: '', stderr: 'inventory: repository "nope" does not exist in eu-west-1 (or belongs to another registry): check --repository and --region\n' });
  });

  test.each<[string, Error, RegExp]>([
    ['no credentials', Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      /^inventory: no AWS credentials found: set AWS_PROFILE .* or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; for a local emulator set AWS_ENDPOINT_URL and any test credentials \(region us-east-1, /],
    ['an unreachable endpoint', Object.assign(new Error('getaddrinfo ENOTFOUND moto.invalid'), { code: 'ENOTFOUND', $metadata: { attempts: 1 } }),
      /^inventory: cannot reach the AWS endpoint \(ENOTFOUND: getaddrinfo ENOTFOUND moto\.invalid\): check AWS_ENDPOINT_URL/],
    ['access denied', Object.assign(new Error('not authorized to perform ecr:DescribeImages'), { name: 'AccessDeniedException', $metadata: {} }),
      /^inventory: access denied \(AccessDeniedException: not authorized to perform ecr:DescribeImages\): the caller needs ecr:DescribeImages on the repository/],
    ['throttling past every retry', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { attempts: 8 } }),
      /^inventory: AWS throttled the requests and 8 attempts failed \(ThrottlingException: Rate exceeded\): retry later/],
  ])('%s: exit 3, one line saying what to check', async (_what, error, message) => {
    ecrMock.on(DescribeImagesCommand).rejects(error);
    const r = await run('--repository', 'repo', '--region', 'us-east-1');
    expect(r).toMatchObject({ code: 3, stdout: '' });
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });

  test('--help prints the usage and exits 0', async () => {
    expect(await run('--help')).toEqual({ code: 0, stdout: USAGE, stderr: '' });
  });

  test.each([
    [['--repository', 'repo', '--verbose'], /unknown flag "--verbose"/],
    [['--repo', 'x'], /unknown flag "--repo"/],
    [[], /--repository NAME is required/],
    [['--repository', 'Bad Name'], /--repository "Bad Name" is not a valid ECR repository name/],
    [['--repository', 'repo', '--region', 'mars'], /--region "mars" is not an AWS region name/],
    [['--repository', 'repo', '--stale-days', '0'], /--stale-days "0" must be a positive whole number of days/],
    [['--repository', 'repo', '--price', '-1'], /--price "-1" must be a non-negative price/],
    [['--repository', 'repo', '--namespace', 'AWS/ECR'], /--namespace "AWS\/ECR" must not start with AWS\//],
    [['--repository'], /flag --repository needs a value/],
    [['--repository', 'repo', '--publish=false'], /^inventory: --publish takes no value, got "--publish=false": give --publish to publish the metrics, leave it out not to\n$/],
  ])('bad input %j exits 2 with nothing on stdout', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(ecrMock.calls()).toHaveLength(0);
  });
});
