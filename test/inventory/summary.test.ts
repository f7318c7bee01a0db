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
