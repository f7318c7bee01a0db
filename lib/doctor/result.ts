/**
 * One line per check: PASS, FAIL (with what to do), SKIP (with why), or ERROR (an AWS call failed: what to
 * check). Errors that no check can survive (no credentials, no region, an endpoint that does not answer)
 * stop the whole run instead: {@link FatalAwsError}.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DoctorStack } from './plan';
import type { TemplateResolver } from './resolve';

export type CheckResult =
  | { readonly status: 'PASS' | 'SKIP'; readonly check: string; readonly detail: string }
  | { readonly status: 'FAIL' | 'ERROR'; readonly check: string; readonly detail: string; readonly fix: string };

export const pass = (check: string, detail: string): CheckResult => ({ status: 'PASS', check, detail });
export const skip = (check: string, detail: string): CheckResult => ({ status: 'SKIP', check, detail });
export const fail = (check: string, detail: string, fix: string): CheckResult => ({ status: 'FAIL', check, detail, fix });

/** The line printed for a result. */
export function renderResult(r: CheckResult): string {
  const line = `${r.status.padEnd(5)} ${r.check}: ${r.detail}`;
  return r.status === 'FAIL' || r.status === 'ERROR' ? `${line} -> ${r.status === 'FAIL' ? 'fix' : 'check'}: ${r.fix}` : line;
}

/** The AWS clients of one region. */
export interface DoctorClients {
  readonly cloudformation: CloudFormationClient;
  readonly cloudwatch: CloudWatchClient;
  readonly sns: SNSClient;
  readonly cloudtrail: CloudTrailClient;
  readonly ecr: ECRClient;
}

/** A stack as deployed: its status and a resolver for its template, or why there is none. */
export interface DeployedStack {
  readonly stack: DoctorStack;
  /** Present when the stack exists (whatever its status). */
  readonly resolver?: TemplateResolver;
  /** Logical ID -> when CloudFormation last changed the resource (ListStackResources). */
  readonly lastUpdated: ReadonlyMap<string, Date>;
}

export interface CheckContext {
  readonly clients: (region: string) => DoctorClients;
  readonly deployed: (stack: DoctorStack) => DeployedStack;
  readonly now: Date;
  /** Look-back window of the delivery check, in hours. */
  readonly windowHours: number;
}

/** An AWS error no check can work around; the run stops with exit code 3. */
export class FatalAwsError extends Error {}

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError', 'ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException',
  'SignatureDoesNotMatch', 'InvalidSignatureException', 'IncompleteSignature', 'AuthFailure', 'TokenRefreshRequired',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH']);

function endpointText(): string {
  return process.env.AWS_ENDPOINT_URL ? `endpoint AWS_ENDPOINT_URL=${process.env.AWS_ENDPOINT_URL}` : "endpoint (the region's public AWS endpoint; AWS_ENDPOINT_URL is unset)";
}

/** Turns an SDK error into a fatal error, or returns undefined when only the failing check is affected. */
export function fatalError(e: unknown, region: string): FatalAwsError | undefined {
  const err = e as { name?: string; message?: string; code?: string; errno?: string };
  const name = err?.name ?? 'Error';
  const message = (err?.message ?? String(e)).replace(/\s+/g, ' ').trim();
  const code = err?.code ?? err?.errno;
  if (CREDENTIAL_ERRORS.has(name)) {
    return new FatalAwsError(`${name}: ${message}. Check the credentials: AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, \`aws sso login\`, or the role the pipeline assumes (standard AWS credential chain)`);
  }
  if (/region is missing/i.test(message)) return new FatalAwsError(`${name}: ${message}. Check the region: set AWS_REGION (the doctor uses the regions of the configuration, here ${region})`);
  if ((code !== undefined && NETWORK_CODES.has(code)) || name === 'TimeoutError' || /ECONNREFUSED|ENOTFOUND|getaddrinfo|socket hang up/.test(message)) {
    return new FatalAwsError(`${name}: ${message}. Check the ${endpointText()} and the region ${region}: nothing answered there`);
  }
  return undefined;
}

/**
 * Runs one check's AWS calls: a fatal error is rethrown as {@link FatalAwsError}; any other AWS error becomes
 * an ERROR line naming the permission the check needs.
 */
export async function guarded(check: string, region: string, permission: string, run: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof FatalAwsError) throw e;
    const fatal = fatalError(e, region);
    if (fatal) throw fatal;
    const err = e as { name?: string; message?: string };
    const message = (err?.message ?? String(e)).replace(/\s+/g, ' ').trim();
    return {
      status: 'ERROR',
      check,
      detail: `${err?.name ?? 'Error'}: ${message}`,
      fix: `the credentials need ${permission} in ${region}; check the credentials, the region ${region} and the ${endpointText()}`,
    };
  }
}

/** Dimensions as `{A=1, B=2}`, sorted by name: the form every line uses. */
export function dimensionsText(dims: readonly { readonly Name?: string; readonly Value?: string }[]): string {
  return `{${[...dims].sort((a, b) => String(a.Name).localeCompare(String(b.Name))).map((d) => `${d.Name}=${d.Value}`).join(', ')}}`;
}
