import { describeAwsError } from '../aws/sdk-errors';

/**
 * Turns the AWS errors an inventory run can meet into one line that says what happened and what to do.
 * The error names are the SDK's (`error.name` is the service's error code).
 */
export function describeInventoryError(e: unknown, repositoryName: string, region: string | undefined): string {
  const name = (e as { name?: unknown } | undefined)?.name;
  if (name === 'RepositoryNotFoundException') {
    return `repository ${JSON.stringify(repositoryName)} does not exist${region ? ` in ${region}` : ''} (or belongs to another registry): check --repository and --region`;
  }
  return describeAwsError(e, { region, permissions: 'ecr:DescribeImages on the repository (and cloudwatch:PutMetricData with --publish)' });
}
