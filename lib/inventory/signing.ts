/**
 * The inventory's signing check: did ECR managed signing sign every release image pushed recently?
 *
 * ECR sends no EventBridge event for signing (the ECR events page lists ECR Image Action, Image Scan,
 * Referrer Action, Replication Action, Pull Through Cache Action and Scan Resource Change:
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html), so a failed signature cannot
 * notify the way a failed scan does. The signing status can be read, per image and profile, with
 * DescribeImageSigningStatus (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImageSigningStatus.html):
 * each inventory run reads it for the release images pushed since the previous runs, and publishes how many are
 * not signed; an alarm on that figure notifies the registry's alarm topic.
 */
import { DescribeImageSigningStatusCommand, ECRClient, ImageNotFoundException } from '@aws-sdk/client-ecr';
import { signingVerdict } from '../aws/signing';
import { SIGNING_GRACE_MINUTES } from './metrics';
import { RecentRelease } from './summary';

/** A recent release image the configured profile has not (yet, past the grace period) signed. */
export interface UnsignedRelease {
  readonly digest: string;
  readonly tag: string;
  readonly pushedAt: string;
  readonly reason: string;
}

export interface SigningCheckResult {
  readonly profileArn: string;
  /** Images whose status was read. */
  readonly checked: number;
  /** Images still within the grace period with no final status: looked at again by the next run. */
  readonly pending: number;
  readonly unsigned: readonly UnsignedRelease[];
}

export interface SigningCheckOptions {
  readonly repositoryName: string;
  readonly registryId?: string;
  /** The profile every release must be signed by (the ARN ECR reports, without version). */
  readonly profileArn: string;
  readonly now: Date;
  /** @default SIGNING_GRACE_MINUTES */
  readonly graceMinutes?: number;
}

/**
 * Reads the signing status of each image, one call at a time (a handful of releases per run; the client's
 * adaptive retries absorb throttling). An image deleted meanwhile is skipped; any other API error fails the run
 * (the inventory-failures alarm reports it).
 */
export async function checkReleaseSignatures(ecr: ECRClient, images: readonly RecentRelease[], options: SigningCheckOptions): Promise<SigningCheckResult> {
  const graceMs = (options.graceMinutes ?? SIGNING_GRACE_MINUTES) * 60_000;
  const unsigned: UnsignedRelease[] = [];
  let checked = 0;
  let pending = 0;
  for (const image of images) {
    let statuses;
    try {
      const r = await ecr.send(new DescribeImageSigningStatusCommand({
        repositoryName: options.repositoryName,
        ...(options.registryId ? { registryId: options.registryId } : {}),
        imageId: { imageDigest: image.digest },
      }));
      statuses = r.signingStatuses ?? [];
    } catch (e) {
      if (e instanceof ImageNotFoundException) continue;
      throw e;
    }
    checked += 1;
    const verdict = signingVerdict(statuses, options.profileArn);
    if (verdict.kind === 'signed') continue;
    const young = options.now.getTime() - image.pushedAt.getTime() < graceMs;
    // Right after a push the signature may still be on its way (IN_PROGRESS, or no status yet); a FAILED
    // status or another profile's signature is final at once.
    const final = verdict.kind === 'refused' && statuses.length > 0;
    if (young && !final) {
      pending += 1;
      continue;
    }
    const reason = verdict.kind === 'in-progress'
      ? `its signature by ${options.profileArn} is still IN_PROGRESS ${Math.round((options.now.getTime() - image.pushedAt.getTime()) / 60_000)} minutes after the push`
      : verdict.reason;
    unsigned.push({ digest: image.digest, tag: image.tag, pushedAt: image.pushedAt.toISOString(), reason });
  }
  return { profileArn: options.profileArn, checked, pending, unsigned };
}
