import { ECRClient, paginateDescribeImages } from '@aws-sdk/client-ecr';
import { CloudWatchClient, MetricDatum, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { checkReleaseSignatures } from './signing';
import { InventoryAccumulator, InventoryOptions, InventorySummary } from './summary';
import { DESCRIBE_IMAGES_PAGE_SIZE, INVENTORY_METRICS, InventoryMetricKey, PUT_METRIC_DATA_MAX_METRICS, REPOSITORY_DIMENSION } from './metrics';

/**
 * Pages through DescribeImages for one repository (1,000 images per page, the API's maximum `maxResults`:
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImages.html) and folds every page
 * into the summary as it arrives. Without a `filter.imageStatus`, DescribeImages returns ACTIVE images only:
 * archived images (billed at the archive price) are not part of this inventory.
 */
export async function collectInventory(ecr: ECRClient, options: InventoryOptions & { readonly registryId?: string; readonly signing?: InventorySigningOptions }): Promise<InventorySummary> {
  const signingCheckSince = options.signing ? new Date(options.now.getTime() - options.signing.lookbackMinutes * 60_000) : undefined;
  const acc = new InventoryAccumulator({ ...options, signingCheckSince });
  const pages = paginateDescribeImages(
    { client: ecr, pageSize: DESCRIBE_IMAGES_PAGE_SIZE },
    { repositoryName: options.repositoryName, ...(options.registryId ? { registryId: options.registryId } : {}) },
  );
  for await (const page of pages) {
    for (const image of page.imageDetails ?? []) acc.add(image);
  }
  const summary = acc.summary();
  if (!options.signing) return summary;
  const signing = await checkReleaseSignatures(ecr, acc.recentReleases(), {
    repositoryName: options.repositoryName,
    registryId: options.registryId,
    profileArn: options.signing.profileArn,
    now: options.now,
  });
  return { ...summary, unsignedReleaseImageCount: signing.unsigned.length, signing };
}

/** The signing check of {@link collectInventory}: release images pushed in the last `lookbackMinutes`. */
export interface InventorySigningOptions {
  readonly profileArn: string;
  readonly lookbackMinutes: number;
}

/** The summary as CloudWatch metric data, all with the one `RepositoryName` dimension and one timestamp. */
export function inventoryMetricData(summary: InventorySummary): MetricDatum[] {
  const timestamp = new Date(summary.generatedAt);
  const dimensions = [{ Name: REPOSITORY_DIMENSION, Value: summary.repositoryName }];
  const data: MetricDatum[] = [];
  for (const key of Object.keys(INVENTORY_METRICS) as InventoryMetricKey[]) {
    const value = summary[key];
    // No release pair, no regression figure: publishing 0 would pretend "no change".
    if (value === null) continue;
    const { name, unit } = INVENTORY_METRICS[key];
    data.push({ MetricName: name, Dimensions: dimensions, Timestamp: timestamp, Value: value, Unit: unit as StandardUnit });
  }
  return data;
}

/**
 * Publishes the summary with PutMetricData, in requests of at most 1,000 metrics (the API's limit per
 * request: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html).
 * Returns the number of data points sent.
 */
export async function publishInventory(cloudwatch: CloudWatchClient, namespace: string, summary: InventorySummary): Promise<number> {
  const data = inventoryMetricData(summary);
  for (let i = 0; i < data.length; i += PUT_METRIC_DATA_MAX_METRICS) {
    await cloudwatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data.slice(i, i + PUT_METRIC_DATA_MAX_METRICS) }));
  }
  return data.length;
}
