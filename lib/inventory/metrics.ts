/**
 * The inventory's CloudWatch vocabulary, shared by the function that publishes it, the CLI and the
 * `RegistryInventory` construct that alarms and draws it: one place, so the two sides cannot drift.
 */

/** Default custom namespace. PutMetricData rejects namespaces starting with `AWS/` (reserved for AWS services). */
export const DEFAULT_INVENTORY_NAMESPACE = 'BetterCallBuffet/RegistryInventory';

/** Every metric carries this one dimension, the repository name. */
export const REPOSITORY_DIMENSION = 'RepositoryName';

/** Metric names and their CloudWatch units. */
export const INVENTORY_METRICS = {
  totalSizeBytes: { name: 'RepositorySizeBytes', unit: 'Bytes' },
  imageCount: { name: 'ImageCount', unit: 'Count' },
  taggedImageCount: { name: 'TaggedImageCount', unit: 'Count' },
  untaggedImageCount: { name: 'UntaggedImageCount', unit: 'Count' },
  largestImageSizeBytes: { name: 'LargestImageSizeBytes', unit: 'Bytes' },
  newestImageSizeBytes: { name: 'NewestImageSizeBytes', unit: 'Bytes' },
  staleImageCount: { name: 'StaleImageCount', unit: 'Count' },
  staleImageSizeBytes: { name: 'StaleImageSizeBytes', unit: 'Bytes' },
  estimatedMonthlyStorageCostUsd: { name: 'EstimatedMonthlyStorageCostUsd', unit: 'None' },
  releaseSizeChangePercent: { name: 'ReleaseSizeChangePercent', unit: 'Percent' },
  signatureCount: { name: 'SignatureCount', unit: 'Count' },
  unsignedReleaseImageCount: { name: 'UnsignedReleaseImageCount', unit: 'Count' },
} as const;

export type InventoryMetricKey = keyof typeof INVENTORY_METRICS;

/**
 * Bytes in one billed GB. The ECR price list (https://aws.amazon.com/ecr/pricing/) quotes storage per
 * GB-month without defining GB; AWS billing elsewhere (S3) counts GB as 2^30 bytes, so we do too. With
 * 10^9 the estimate would be 7.4% higher: it is an estimate either way (see docs/inventory.md).
 */
export const BYTES_PER_GB = 1024 ** 3;

/** ECR private repository storage price in us-east-1 (https://aws.amazon.com/ecr/pricing/). */
export const DEFAULT_STORAGE_PRICE_PER_GB_MONTH_USD = 0.1;

/** Images not pulled for this many days count as stale by default. */
export const DEFAULT_STALE_PULL_DAYS = 90;

/** DescribeImages returns at most 1,000 images per page (`maxResults` 1-1000, ECR API reference). */
export const DESCRIBE_IMAGES_PAGE_SIZE = 1000;

/** PutMetricData takes at most 1,000 different metrics per request (CloudWatch API reference, PutMetricData). */
export const PUT_METRIC_DATA_MAX_METRICS = 1000;

/** Environment variables the Lambda handler reads; the construct sets them. */
export const HANDLER_ENV = {
  repositoryName: 'REPOSITORY_NAME',
  namespace: 'METRIC_NAMESPACE',
  stalePullDays: 'STALE_PULL_DAYS',
  storagePricePerGbMonthUsd: 'STORAGE_PRICE_PER_GB_MONTH_USD',
  releaseTagPatterns: 'RELEASE_TAG_PATTERNS',
  /** Optional: the Signer profile recent release images must be signed by (no signing check without it). */
  signingProfileArn: 'SIGNING_PROFILE_ARN',
  /** With SIGNING_PROFILE_ARN: how far back (minutes) pushed release images are checked. */
  signingLookbackMinutes: 'SIGNING_LOOKBACK_MINUTES',
} as const;

/**
 * A release image whose signature is still IN_PROGRESS (or not reported yet) this long after its push counts
 * as unsigned: ECR signs on push, so a signature still missing after half an hour is stuck, not slow.
 */
export const SIGNING_GRACE_MINUTES = 30;

/** At most this many recent release images are checked per run (one DescribeImageSigningStatus call each). */
export const MAX_SIGNING_CHECKS = 100;
