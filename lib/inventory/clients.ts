import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECRClient } from '@aws-sdk/client-ecr';

/**
 * Retries per call. The SDK's "adaptive" mode retries throttling and transient errors with exponential
 * backoff and jitter and also rate-limits the client after throttling responses (AWS SDKs and Tools
 * reference guide, "Retry behavior"), so a throttled inventory slows down instead of failing.
 */
export const DEFAULT_MAX_ATTEMPTS = 8;

export interface ClientOptions {
  /** @default - the SDK's region chain (AWS_REGION, profile, ...) */
  readonly region?: string;
  /** @default DEFAULT_MAX_ATTEMPTS */
  readonly maxAttempts?: number;
  /** @default - AWS_ENDPOINT_URL, else the service's regional endpoint */
  readonly endpoint?: string;
  /** @default - the standard credential chain */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * ECR and CloudWatch clients from the standard credential chain. The SDK honours `AWS_ENDPOINT_URL`
 * (and the per-service `AWS_ENDPOINT_URL_ECR` / `AWS_ENDPOINT_URL_CLOUDWATCH`) itself.
 */
export function inventoryClients(options: ClientOptions = {}): { ecr: ECRClient; cloudwatch: CloudWatchClient } {
  const config = {
    region: options.region,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryMode: 'adaptive' as const,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
  };
  return { ecr: new ECRClient(config), cloudwatch: new CloudWatchClient(config) };
}
