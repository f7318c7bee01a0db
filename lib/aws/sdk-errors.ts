/**
 * AWS SDK v3 failures as one line that says what happened and what to check, for the CLIs that call AWS
 * (promote, inventory). Error names are the SDK's: a service error's `name` is its error code (the common
 * ones every service returns: https://docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/common-errors.html),
 * the credential chain throws `CredentialsProviderError`, and a connection that fails carries Node's
 * `code` (ECONNREFUSED, ENOTFOUND, ...) on a plain Error.
 */

/** Where the CLI was pointed, for the hint. */
export interface AwsTarget {
  /** The region the client used, if known. */
  readonly region?: string;
  /** The custom endpoint, if any (the SDK reads AWS_ENDPOINT_URL itself). @default - process.env.AWS_ENDPOINT_URL */
  readonly endpoint?: string;
  /** What the caller needs permission for, e.g. `ecr:DescribeImages on the repository`. */
  readonly permissions?: string;
}

const CREDENTIAL_REJECTED = new Set([
  'UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException', 'SignatureDoesNotMatch',
  'IncompleteSignature', 'MissingAuthenticationToken', 'ExpiredToken', 'ExpiredTokenException', 'RequestExpired',
]);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'NotAuthorized', 'UnauthorizedOperation']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPROTO', 'CERT_HAS_EXPIRED']);
const THROTTLED = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded']);

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

/** The error's name, message and network code, whatever was thrown. */
function parts(e: unknown): { name: string; message: string; code?: string; attempts?: number } {
  const err = (typeof e === 'object' && e !== null ? e : {}) as { name?: unknown; message?: unknown; code?: unknown; $metadata?: { attempts?: number } };
  return {
    name: typeof err.name === 'string' ? err.name : 'Error',
    message: oneLine(typeof err.message === 'string' ? err.message : String(e)),
    code: typeof err.code === 'string' ? err.code : undefined,
    attempts: err.$metadata?.attempts,
  };
}

/**
 * One line: what went wrong with the AWS call and what to check. Credentials and endpoints are the usual
 * suspects on a laptop; the line names the region and AWS_ENDPOINT_URL actually in use.
 */
export function describeAwsError(e: unknown, target: AwsTarget = {}): string {
  const { name, message, code, attempts } = parts(e);
  const endpoint = target.endpoint ?? process.env.AWS_ENDPOINT_URL;
  const where = `region ${target.region ?? '(none: set AWS_REGION)'}, ${endpoint ? `AWS_ENDPOINT_URL=${endpoint}` : 'AWS_ENDPOINT_URL unset'}`;
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return 'no AWS credentials found: set AWS_PROFILE (after aws sso login / aws configure) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; '
      + `for a local emulator set AWS_ENDPOINT_URL and any test credentials (${where})`;
  }
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return `cannot reach the AWS endpoint (${code}: ${message}): check AWS_ENDPOINT_URL (unset it to use AWS itself), the region and your network (${where})`;
  }
  if (name === 'TimeoutError' || name === 'RequestTimeout') {
    return `the AWS endpoint did not answer in time (${message}): check AWS_ENDPOINT_URL, the region and your network (${where})`;
  }
  if (CREDENTIAL_REJECTED.has(name)) {
    return `AWS rejected the credentials (${name}: ${message}): refresh them (aws sso login) or check AWS_PROFILE / the access key, and that they belong to this partition and region (${where})`;
  }
  if (ACCESS_DENIED.has(name)) {
    return `access denied (${name}: ${message})${target.permissions ? `: the caller needs ${target.permissions}` : ''}; check which identity runs this (aws sts get-caller-identity) and the region (${where})`;
  }
  if (THROTTLED.has(name)) {
    return `AWS throttled the requests and ${attempts ?? 'all'} attempts failed (${name}: ${message}): retry later, or reduce other callers of this API`;
  }
  if (/region/i.test(message) && /missing/i.test(message)) return 'no AWS region: pass --region or set AWS_REGION';
  return `${name}: ${message}; check the credentials (aws sts get-caller-identity), the region and AWS_ENDPOINT_URL (${where})`;
}
