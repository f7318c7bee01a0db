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

  test('a missing repository: exit 1, one line naming it', async () => {
    ecrMock.on(DescribeImagesCommand).rejects(new RepositoryNotFoundException({ message: 'no such repo', $metadata: {} }));
    const r = await run('--repository', 'nope', '--region', 'eu-west-1');
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'inventory: repository "nope" does not exist in eu-west-1 (or belongs to another registry): check --repository and --region\n' });
  });

  test('no credentials: exit 1, says how to provide them', async () => {
    const e = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    ecrMock.on(DescribeImagesCommand).rejects(e);
    const r = await run('--repository', 'repo', '--region', 'us-east-1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^inventory: no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/);
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
  ])('bad input %j exits 2 with nothing on stdout', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(ecrMock.calls()).toHaveLength(0);
  });
});
