import { NOTATION_SIGNATURE_ARTIFACT_TYPE } from '../aws/signing';
import { tagMatchesPattern } from '../lifecycle/evaluate';
import { BYTES_PER_GB, MAX_SIGNING_CHECKS } from './metrics';
import type { SigningCheckResult } from './signing';

/**
 * The fields of a DescribeImages `imageDetails` entry the inventory reads (ECR API reference, ImageDetail:
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageDetail.html). `imageSizeInBytes` is the
 * compressed size of the image's layers (for a manifest list, the largest of its manifests);
 * `lastRecordedPullTime` is absent for never-pulled images and is refreshed by ECR at least once every 24 hours.
 */
export interface InventoryImage {
  readonly imageDigest?: string;
  readonly imageTags?: readonly string[];
  readonly imageSizeInBytes?: number;
  readonly imagePushedAt?: Date;
  readonly lastRecordedPullTime?: Date;
  /** The artifact type: `application/vnd.cncf.notary.signature` for a signature managed signing stored. */
  readonly artifactMediaType?: string;
  /** Set on a referrer (a signature, SBOM, attestation): the digest of the image it refers to. */
  readonly subjectManifestDigest?: string;
}

/**
 * A referrer: an artifact attached to a subject image (signature, SBOM, attestation). It counts against the
 * images-per-repository quota ("Each signature counts as 1 artifact against the images per repository
 * quota") and lifecycle policies clean it up with its subject ("within 24 hours of the deletion of the
 * subject image"): https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-signing.html
 */
export function isReferrer(image: Pick<InventoryImage, 'artifactMediaType' | 'subjectManifestDigest'>): boolean {
  return image.subjectManifestDigest !== undefined || image.artifactMediaType === NOTATION_SIGNATURE_ARTIFACT_TYPE;
}

/** A release image pushed recently enough for the signing check (`InventoryOptions.signingCheckSince`). */
export interface RecentRelease {
  readonly digest: string;
  readonly tag: string;
  readonly pushedAt: Date;
}

/** What the inventory computes for one repository. Every field is a number (or null where nothing exists). */
export interface InventorySummary {
  readonly repositoryName: string;
  /** Everything DescribeImages lists, signatures included: what counts against the images-per-repository quota. */
  readonly imageCount: number;
  readonly taggedImageCount: number;
  /** Untagged images that are not referrers (referrers are untagged by nature and go with their subject). */
  readonly untaggedImageCount: number;
  /** Signatures (Notary Project artifacts from managed signing); part of imageCount. */
  readonly signatureCount: number;
  /**
   * Release images pushed in the signing check window whose signature from the configured profile FAILED, is
   * missing or stuck IN_PROGRESS; null when no signing check ran (see lib/inventory/signing.ts).
   */
  readonly unsignedReleaseImageCount: number | null;
  /** The signing check's details (which images, why), when it ran. */
  readonly signing?: SigningCheckResult;
  /** Sum of `imageSizeInBytes`. Layers shared between images are counted once per image: an upper bound. */
  readonly totalSizeBytes: number;
  readonly largestImageSizeBytes: number;
  /** Size of the most recently pushed image (0 for an empty repository). */
  readonly newestImageSizeBytes: number;
  /** Images whose last pull (or, never pulled, whose push) is older than `stalePullDays`. */
  readonly staleImageCount: number;
  readonly staleImageSizeBytes: number;
  readonly stalePullDays: number;
  readonly estimatedMonthlyStorageCostUsd: number;
  readonly storagePricePerGbMonthUsd: number;
  /**
   * Size change of the newest release image (a tag matching a release pattern) against the release pushed
   * before it, in percent; null with fewer than two release images.
   */
  readonly releaseSizeChangePercent: number | null;
  readonly newestRelease: ReleaseRef | null;
  readonly previousRelease: ReleaseRef | null;
  /** When the inventory was taken (ISO-8601). */
  readonly generatedAt: string;
}

export interface ReleaseRef {
  readonly tag: string;
  readonly digest: string;
  readonly sizeBytes: number;
  readonly pushedAt: string;
}

export interface InventoryOptions {
  readonly repositoryName: string;
  readonly stalePullDays: number;
  readonly storagePricePerGbMonthUsd: number;
  /** ECR tag patterns (`*` wildcard) that mark release images, for the size-regression figure. */
  readonly releaseTagPatterns: readonly string[];
  /** "Now", for staleness; tests pin it. */
  readonly now: Date;
  /**
   * Collect the release images pushed at or after this instant (newest first, at most MAX_SIGNING_CHECKS)
   * for the signing check.
   * @default - none collected
   */
  readonly signingCheckSince?: Date;
}

interface Release {
  readonly tag: string;
  readonly digest: string;
  readonly sizeBytes: number;
  readonly pushedAt: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Folds images into an {@link InventorySummary} one at a time, in constant memory: 100,000 images (the
 * per-repository quota) never sit in memory together, only the current DescribeImages page does.
 */
export class InventoryAccumulator {
  private imageCount = 0;
  private tagged = 0;
  private totalBytes = 0;
  private largest = 0;
  private newestAt = -Infinity;
  private newestBytes = 0;
  private staleCount = 0;
  private staleBytes = 0;
  private referrers = 0;
  private signatures = 0;
  private recent: RecentRelease[] = [];
  /** The two most recently pushed release images, newest first. */
  private releases: Release[] = [];
  private readonly staleBefore: number;

  constructor(private readonly options: InventoryOptions) {
    this.staleBefore = options.now.getTime() - options.stalePullDays * DAY_MS;
  }

  add(image: InventoryImage): void {
    const size = image.imageSizeInBytes ?? 0;
    const tags = image.imageTags ?? [];
    const pushedAt = image.imagePushedAt?.getTime();
    this.imageCount += 1;
    this.totalBytes += size;
    if (isReferrer(image)) {
      // Counted (quota, bytes), but not as an untagged, stale or newest image: it lives and goes with its subject.
      this.referrers += 1;
      if (image.artifactMediaType === NOTATION_SIGNATURE_ARTIFACT_TYPE) this.signatures += 1;
      return;
    }
    if (tags.length > 0) this.tagged += 1;
    if (size > this.largest) this.largest = size;
    if (pushedAt !== undefined && pushedAt > this.newestAt) {
      this.newestAt = pushedAt;
      this.newestBytes = size;
    }
    // The same rule as ECR's sinceImagePulled lifecycle rules: last pull, or the push for a never-pulled image.
    const lastUsed = image.lastRecordedPullTime?.getTime() ?? pushedAt;
    if (lastUsed !== undefined && lastUsed < this.staleBefore) {
      this.staleCount += 1;
      this.staleBytes += size;
    }
    if (pushedAt !== undefined && this.options.releaseTagPatterns.length > 0) {
      const tag = tags.find((t) => this.options.releaseTagPatterns.some((p) => tagMatchesPattern(t, p)));
      if (tag !== undefined) this.offerRelease({ tag, digest: image.imageDigest ?? '', sizeBytes: size, pushedAt });
      const since = this.options.signingCheckSince?.getTime();
      if (tag !== undefined && since !== undefined && pushedAt >= since && image.imageDigest) {
        this.recent = [...this.recent, { digest: image.imageDigest, tag, pushedAt: new Date(pushedAt) }]
          .sort((a, b) => b.pushedAt.getTime() - a.pushedAt.getTime() || (a.digest < b.digest ? -1 : 1))
          .slice(0, MAX_SIGNING_CHECKS);
      }
    }
  }

  /** Release images pushed since `signingCheckSince`, newest first (at most MAX_SIGNING_CHECKS). */
  recentReleases(): readonly RecentRelease[] {
    return this.recent;
  }

  summary(): InventorySummary {
    const { repositoryName, stalePullDays, storagePricePerGbMonthUsd, now } = this.options;
    const [newest, previous] = this.releases;
    const change = newest && previous && previous.sizeBytes > 0 ? ((newest.sizeBytes - previous.sizeBytes) / previous.sizeBytes) * 100 : null;
    return {
      repositoryName,
      imageCount: this.imageCount,
      taggedImageCount: this.tagged,
      untaggedImageCount: this.imageCount - this.tagged - this.referrers,
      signatureCount: this.signatures,
      unsignedReleaseImageCount: null,
      totalSizeBytes: this.totalBytes,
      largestImageSizeBytes: this.largest,
      newestImageSizeBytes: this.newestBytes,
      staleImageCount: this.staleCount,
      staleImageSizeBytes: this.staleBytes,
      stalePullDays,
      estimatedMonthlyStorageCostUsd: round((this.totalBytes / BYTES_PER_GB) * storagePricePerGbMonthUsd, 6),
      storagePricePerGbMonthUsd,
      releaseSizeChangePercent: change === null ? null : round(change, 3),
      newestRelease: newest ? releaseRef(newest) : null,
      previousRelease: previous ? releaseRef(previous) : null,
      generatedAt: now.toISOString(),
    };
  }

  private offerRelease(r: Release): void {
    // Ties on push time go to the smaller digest, so the result never depends on page order.
    const newer = (a: Release, b: Release) => a.pushedAt > b.pushedAt || (a.pushedAt === b.pushedAt && a.digest < b.digest);
    const list = [...this.releases, r].sort((a, b) => (newer(a, b) ? -1 : newer(b, a) ? 1 : 0));
    this.releases = list.slice(0, 2);
  }
}

function releaseRef(r: Release): ReleaseRef {
  return { tag: r.tag, digest: r.digest, sizeBytes: r.sizeBytes, pushedAt: new Date(r.pushedAt).toISOString() };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
