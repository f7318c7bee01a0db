/**
 * Turns the AWS errors an inventory run can meet into one line that says what happened and what to do.
 * The error names are the SDK's (`error.name` is the service's error code).
 */
export function describeInventoryError(e: unknown, repositoryName: string, region: string | undefined): string {
  const err = e as { name?: string; message?: string; $metadata?: { attempts?: number } };
  const name = err?.name ?? '';
  const message = err?.message ?? String(e);
  const where = region ? ` in ${region}` : '';
  switch (name) {
    case 'RepositoryNotFoundException':
      return `repository ${JSON.stringify(repositoryName)} does not exist${where} (or belongs to another registry): check --repository and --region`;
    case 'CredentialsProviderError':
      return 'no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login` (standard AWS credential chain)';
    case 'ExpiredTokenException':
    case 'ExpiredToken':
      return `AWS credentials have expired (${message}): refresh them (e.g. aws sso login) and retry`;
    case 'AccessDeniedException':
    case 'AccessDenied':
      return `access denied: ${message}. The inventory needs ecr:DescribeImages on the repository (and cloudwatch:PutMetricData with --publish)`;
    case 'ThrottlingException':
    case 'Throttling':
    case 'TooManyRequestsException':
      return `AWS throttled the requests and ${err.$metadata?.attempts ?? 'all'} attempts failed (${message}): retry later, or reduce other callers of this API`;
    default:
      if (/region/i.test(message) && /missing/i.test(message)) return 'no AWS region: pass --region or set AWS_REGION';
      return `${name || 'Error'}: ${message}`;
  }
}
