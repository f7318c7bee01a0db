import { InventoryAccumulator, InventoryImage, InventoryOptions } from '../../lib/inventory/summary';

const NOW = new Date('2026-06-01T00:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const OPTIONS: InventoryOptions = { repositoryName: 'repo', stalePullDays: 30, storagePricePerGbMonthUsd: 0.1, releaseTagPatterns: ['v*'], now: NOW };

function summarize(images: InventoryImage[], options: Partial<InventoryOptions> = {}) {
  const acc = new InventoryAccumulator({ ...OPTIONS, ...options });
  images.forEach((i) => acc.add(i));
  return acc.summary();
}

describe('InventoryAccumulator', () => {
  test('an empty repository is all zeros, with no release figure', () => {
    expect(summarize([])).toMatchObject({
      imageCount: 0, taggedImageCount: 0, untaggedImageCount: 0, totalSizeBytes: 0, largestImageSizeBytes: 0,
      newestImageSizeBytes: 0, staleImageCount: 0, estimatedMonthlyStorageCostUsd: 0, releaseSizeChangePercent: null,
      newestRelease: null, previousRelease: null, generatedAt: NOW.toISOString(),
    });
  });

  test('counts, sizes, newest and largest', () => {
    const s = summarize([
      { imageDigest: 'sha256:a', imageTags: ['v1'], imageSizeInBytes: 300, imagePushedAt: daysAgo(3) },
      { imageDigest: 'sha256:b', imageTags: [], imageSizeInBytes: 900, imagePushedAt: daysAgo(2) },
      { imageDigest: 'sha256:c', imageSizeInBytes: 100, imagePushedAt: daysAgo(1) },
    ]);
    expect(s).toMatchObject({
      imageCount: 3, taggedImageCount: 1, untaggedImageCount: 2, totalSizeBytes: 1300, largestImageSizeBytes: 900, newestImageSizeBytes: 100,
    });
  });

  test('signatures and other referrers count as artifacts (quota, bytes) but not as untagged, stale or newest images', () => {
    // GIVEN an image, its managed signature (never pulled, untagged) and an SBOM referrer, all old
    const s = summarize([
      { imageDigest: 'sha256:a', imageTags: ['v1'], imageSizeInBytes: 300, imagePushedAt: daysAgo(40), lastRecordedPullTime: daysAgo(1) },
      { imageDigest: 'sha256:sig', imageSizeInBytes: 2, imagePushedAt: daysAgo(40), artifactMediaType: 'application/vnd.cncf.notary.signature', subjectManifestDigest: 'sha256:a' },
      { imageDigest: 'sha256:sbom', imageSizeInBytes: 5, imagePushedAt: daysAgo(39), artifactMediaType: 'application/spdx+json', subjectManifestDigest: 'sha256:a' },
    ]);
    // THEN all three count against the images-per-repository quota, only one is a signature, none is garbage
    expect(s).toMatchObject({
      imageCount: 3, taggedImageCount: 1, untaggedImageCount: 0, signatureCount: 1, totalSizeBytes: 307,
      staleImageCount: 0, newestImageSizeBytes: 300, unsignedReleaseImageCount: null,
    });
  });

  test('release images pushed since signingCheckSince are collected for the signing check, newest first', () => {
    const acc = new InventoryAccumulator({ ...OPTIONS, signingCheckSince: daysAgo(2) });
    [
      { imageDigest: 'sha256:old', imageTags: ['v1'], imagePushedAt: daysAgo(3) },
      { imageDigest: 'sha256:new', imageTags: ['v3'], imagePushedAt: daysAgo(1) },
      { imageDigest: 'sha256:mid', imageTags: ['v2', 'dev-v2'], imagePushedAt: daysAgo(1.5) },
      { imageDigest: 'sha256:untagged', imagePushedAt: daysAgo(1) },
      { imageDigest: 'sha256:feature', imageTags: ['feature-x'], imagePushedAt: daysAgo(1) },
    ].forEach((i) => acc.add(i));
    expect(acc.recentReleases().map((r) => [r.digest, r.tag])).toEqual([['sha256:new', 'v3'], ['sha256:mid', 'v2']]);
  });

  test('cost is bytes / 2^30 x price per GB-month', () => {
    const s = summarize([{ imageSizeInBytes: 5 * 1024 ** 3, imagePushedAt: daysAgo(1) }], { storagePricePerGbMonthUsd: 0.1 });
    expect(s.estimatedMonthlyStorageCostUsd).toBeCloseTo(0.5, 10);
  });

  test('stale: last pull older than N days, or push when never pulled', () => {
    const s = summarize([
      { imageSizeInBytes: 1, imagePushedAt: daysAgo(100), lastRecordedPullTime: daysAgo(1) }, // pulled recently: fresh
      { imageSizeInBytes: 2, imagePushedAt: daysAgo(100), lastRecordedPullTime: daysAgo(31) }, // stale by pull
      { imageSizeInBytes: 4, imagePushedAt: daysAgo(31) }, // never pulled, pushed long ago: stale
      { imageSizeInBytes: 8, imagePushedAt: daysAgo(29) }, // never pulled, pushed recently: fresh
    ]);
    expect(s).toMatchObject({ staleImageCount: 2, staleImageSizeBytes: 6, stalePullDays: 30 });
  });

  test('release size change compares the two most recently pushed release images, in any page order', () => {
    const images: InventoryImage[] = [
      { imageDigest: 'sha256:3', imageTags: ['v3', 'latest'], imageSizeInBytes: 150, imagePushedAt: daysAgo(1) },
      { imageDigest: 'sha256:1', imageTags: ['v1'], imageSizeInBytes: 50, imagePushedAt: daysAgo(10) },
      { imageDigest: 'sha256:x', imageTags: ['dev-main'], imageSizeInBytes: 999, imagePushedAt: daysAgo(0) },
      { imageDigest: 'sha256:2', imageTags: ['v2'], imageSizeInBytes: 100, imagePushedAt: daysAgo(5) },
    ];
    for (const order of [images, [...images].reverse()]) {
      const s = summarize(order);
      expect(s.releaseSizeChangePercent).toBe(50);
      expect(s.newestRelease).toMatchObject({ tag: 'v3', sizeBytes: 150 });
      expect(s.previousRelease).toMatchObject({ tag: 'v2', sizeBytes: 100 });
    }
  });

  test('one release image gives no change figure; other patterns select other releases', () => {
    expect(summarize([{ imageTags: ['v1'], imageSizeInBytes: 1, imagePushedAt: daysAgo(1) }]).releaseSizeChangePercent).toBeNull();
    const s = summarize(
      [
        { imageTags: ['release-1'], imageSizeInBytes: 200, imagePushedAt: daysAgo(2) },
        { imageTags: ['release-2'], imageSizeInBytes: 100, imagePushedAt: daysAgo(1) },
      ],
      { releaseTagPatterns: ['release-*'] },
    );
    expect(s.releaseSizeChangePercent).toBe(-50);
  });
});
