import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeImageSigningStatusCommand, DescribeImagesCommand, ECRClient, ImageDetail, RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { collectInventory, inventoryMetricData, publishInventory } from '../../lib/inventory/collect';
import { InventoryOptions } from '../../lib/inventory/summary';

const NOW = new Date('2026-06-01T00:00:00Z');
const OPTIONS: InventoryOptions = { repositoryName: 'repo', stalePullDays: 90, storagePricePerGbMonthUsd: 0.1, releaseTagPatterns: ['v*'], now: NOW };
const image = (i: number, tagged = true): ImageDetail => ({
  imageDigest: `sha256:${String(i).padStart(64, '0')}`,
  imageTags: tagged ? [`v1.0.${i}`] : undefined,
  imageSizeInBytes: 1000 + i,
  imagePushedAt: new Date(NOW.getTime() - (10_000 - i) * 60_000),
});

const ecrMock = mockClient(ECRClient);
const cwMock = mockClient(CloudWatchClient);
beforeEach(() => {
  ecrMock.reset();
  cwMock.reset();
});

describe('collectInventory (mocked SDK)', () => {
  test('pages through DescribeImages 1,000 at a time, following nextToken', async () => {
    // GIVEN three pages: 1000 + 1000 + 500 images, the last 500 untagged
    const pages: Record<string, { imageDetails: ImageDetail[]; nextToken?: string }> = {
      first: { imageDetails: Array.from({ length: 1000 }, (_, i) => image(i)), nextToken: 't1' },
      t1: { imageDetails: Array.from({ length: 1000 }, (_, i) => image(1000 + i)), nextToken: 't2' },
      t2: { imageDetails: Array.from({ length: 500 }, (_, i) => image(2000 + i, false)) },
    };
    const seen: unknown[] = [];
    ecrMock.on(DescribeImagesCommand).callsFake((input: { nextToken?: string }) => {
      seen.push({ ...input }); // the paginator reuses its input object: copy it as sent
      return pages[input.nextToken ?? 'first'];
    });
    // WHEN
    const s = await collectInventory(new ECRClient({ region: 'us-east-1' }), OPTIONS);
    // THEN every page was requested with the maximum page size, and every image counted once
    expect(seen).toEqual([
      { repositoryName: 'repo', maxResults: 1000 },
      { repositoryName: 'repo', maxResults: 1000, nextToken: 't1' },
      { repositoryName: 'repo', maxResults: 1000, nextToken: 't2' },
    ]);
    expect(s).toMatchObject({ imageCount: 2500, taggedImageCount: 2000, untaggedImageCount: 500, largestImageSizeBytes: 1000 + 2499, newestImageSizeBytes: 1000 + 2499 });
    expect(s.totalSizeBytes).toBe(2500 * 1000 + (2499 * 2500) / 2);
    expect(s.newestRelease?.tag).toBe('v1.0.1999');
  });

  test('an empty repository (no imageDetails at all) is zeros', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({});
    const s = await collectInventory(new ECRClient({ region: 'us-east-1' }), OPTIONS);
    expect(s).toMatchObject({ imageCount: 0, totalSizeBytes: 0, estimatedMonthlyStorageCostUsd: 0, releaseSizeChangePercent: null });
  });

  test('a missing repository rejects with the service error', async () => {
    ecrMock.on(DescribeImagesCommand).rejects(new RepositoryNotFoundException({ message: 'not found', $metadata: {} }));
    await expect(collectInventory(new ECRClient({ region: 'us-east-1' }), OPTIONS)).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
  });
});

describe('collectInventory with the signing check (mocked SDK)', () => {
  const PROFILE = 'arn:aws:signer:us-east-1:123456789012:/signing-profiles/better_call_buffet';
  const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
  const img = (n: number, tags: string[] | undefined, pushed: Date, extra: Partial<ImageDetail> = {}): ImageDetail =>
    ({ imageDigest: `sha256:${String(n).padStart(64, '0')}`, imageTags: tags, imageSizeInBytes: 100, imagePushedAt: pushed, ...extra });

  test('checks the release images pushed in the window only, counts the unsigned ones, publishes the figure', async () => {
    // GIVEN a signed release, a FAILED one, one pushed before the window, an untagged image and a signature artifact
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [
      img(1, ['v1.0.1'], minutesAgo(60)),
      img(2, ['v1.0.2'], minutesAgo(50)),
      img(3, ['v0.9.0'], minutesAgo(600)),
      img(4, undefined, minutesAgo(40)),
      img(5, undefined, minutesAgo(60), { artifactMediaType: 'application/vnd.cncf.notary.signature', subjectManifestDigest: `sha256:${'1'.padStart(64, '0')}` }),
    ] });
    ecrMock.on(DescribeImageSigningStatusCommand).callsFake((input: { imageId: { imageDigest: string } }) => ({
      signingStatuses: input.imageId.imageDigest.endsWith('2')
        ? [{ signingProfileArn: PROFILE, status: 'FAILED', failureCode: 'AccessDenied', failureReason: 'no signer:SignPayload' }]
        : [{ signingProfileArn: PROFILE, status: 'COMPLETE' }],
    }));
    cwMock.on(PutMetricDataCommand).resolves({});
    // WHEN the window is the last 150 minutes
    const s = await collectInventory(new ECRClient({ region: 'us-east-1' }), { ...OPTIONS, signing: { profileArn: PROFILE, lookbackMinutes: 150 } });
    // THEN only v1.0.1 and v1.0.2 were checked; v1.0.2 is unsigned, with ECR's reason
    expect(ecrMock.commandCalls(DescribeImageSigningStatusCommand).map((c) => c.args[0].input.imageId?.imageDigest?.slice(-1)).sort()).toEqual(['1', '2']);
    expect(s.unsignedReleaseImageCount).toBe(1);
    expect(s.signing?.unsigned).toEqual([{ digest: `sha256:${'2'.padStart(64, '0')}`, tag: 'v1.0.2', pushedAt: minutesAgo(50).toISOString(), reason: expect.stringMatching(/FAILED \(AccessDenied: no signer:SignPayload\)/) }]);
    // and the signature counts as an artifact (quota), not as an untagged image
    expect(s).toMatchObject({ imageCount: 5, signatureCount: 1, untaggedImageCount: 1, taggedImageCount: 3 });
    await publishInventory(new CloudWatchClient({ region: 'us-east-1' }), 'Test/NS', s);
    const data = cwMock.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData ?? [];
    expect(data.find((d) => d.MetricName === 'UnsignedReleaseImageCount')).toMatchObject({ Value: 1, Unit: 'Count' });
    expect(data.find((d) => d.MetricName === 'SignatureCount')).toMatchObject({ Value: 1, Unit: 'Count' });
  });

  test('with nothing pushed in the window: no call, and a published 0 (the alarm returns to OK)', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [img(1, ['v1.0.1'], minutesAgo(600))] });
    const s = await collectInventory(new ECRClient({ region: 'us-east-1' }), { ...OPTIONS, signing: { profileArn: PROFILE, lookbackMinutes: 150 } });
    expect(ecrMock.commandCalls(DescribeImageSigningStatusCommand)).toHaveLength(0);
    expect(s.unsignedReleaseImageCount).toBe(0);
    expect(inventoryMetricData(s).find((d) => d.MetricName === 'UnsignedReleaseImageCount')?.Value).toBe(0);
  });
});

describe('publishInventory (mocked SDK)', () => {
  test('one PutMetricData in the namespace, every metric with the RepositoryName dimension and its unit', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [image(1), image(2), image(3, false)] });
    cwMock.on(PutMetricDataCommand).resolves({});
    const s = await collectInventory(new ECRClient({ region: 'us-east-1' }), OPTIONS);
    const sent = await publishInventory(new CloudWatchClient({ region: 'us-east-1' }), 'Test/NS', s);
    const calls = cwMock.commandCalls(PutMetricDataCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0].args[0].input;
    expect(input.Namespace).toBe('Test/NS');
    expect(sent).toBe(11);
    const byName = Object.fromEntries((input.MetricData ?? []).map((d) => [d.MetricName, d]));
    expect(byName.RepositorySizeBytes).toMatchObject({ Value: 3006, Unit: 'Bytes', Dimensions: [{ Name: 'RepositoryName', Value: 'repo' }], Timestamp: NOW });
    expect(byName.ImageCount).toMatchObject({ Value: 3, Unit: 'Count' });
    expect(byName.UntaggedImageCount).toMatchObject({ Value: 1, Unit: 'Count' });
    expect(byName.ReleaseSizeChangePercent).toMatchObject({ Unit: 'Percent', Value: expect.closeTo((1002 - 1001) / 1001 * 100, 3) });
    expect(byName.EstimatedMonthlyStorageCostUsd.Unit).toBe('None');
  });

  test('no release pair: ReleaseSizeChangePercent is not published (0 would claim "no change")', () => {
    const data = inventoryMetricData({ ...emptySummary(), releaseSizeChangePercent: null });
    expect(data.map((d) => d.MetricName)).not.toContain('ReleaseSizeChangePercent');
    // Every metric but the two with no value: the release change and the signing figure (no signing check ran).
    expect(data).toHaveLength(10);
    expect(data.map((d) => d.MetricName)).not.toContain('UnsignedReleaseImageCount');
  });
});

function emptySummary() {
  return {
    repositoryName: 'repo', imageCount: 0, taggedImageCount: 0, untaggedImageCount: 0, totalSizeBytes: 0, largestImageSizeBytes: 0,
    newestImageSizeBytes: 0, staleImageCount: 0, staleImageSizeBytes: 0, stalePullDays: 90, estimatedMonthlyStorageCostUsd: 0,
    signatureCount: 0, unsignedReleaseImageCount: null,
    storagePricePerGbMonthUsd: 0.1, releaseSizeChangePercent: null, newestRelease: null, previousRelease: null, generatedAt: NOW.toISOString(),
  };
}
