import type { ImageSigningStatus } from '@aws-sdk/client-ecr';

/**
 * ECR managed signing and registry scanning: the formats and values AWS documents, in one place, so the
 * config validation, the constructs, the promotion gate and the inventory cannot drift apart.
 */

/**
 * The AWS Signer platform for container images (Notation, OCI signatures). AWS::Signer::SigningProfile
 * PlatformId allows `AWSLambda-SHA384-ECDSA | Notation-OCI-SHA384-ECDSA`:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-signer-signingprofile.html
 */
export const SIGNER_CONTAINER_PLATFORM_ID = 'Notation-OCI-SHA384-ECDSA';

/** AWS::Signer::SigningProfile ProfileName: `^[0-9a-zA-Z_]{2,64}$` (same page). */
export const SIGNING_PROFILE_NAME_RE = /^[0-9a-zA-Z_]{2,64}$/;

/**
 * Signature validity: "By default, signature validity is set to 135 months (11 years and 3 months), which is
 * the maximum validity supported" (https://docs.aws.amazon.com/signer/latest/developerguide/cli-profile.html).
 */
export const MAX_SIGNATURE_VALIDITY_MONTHS = 135;

/**
 * The signing profile ARN ECR reports in ImageSigningStatus.signingProfileArn and takes in a signing rule:
 * `^arn:aws(-[a-z]+)*:signer:[a-z0-9-]+:[0-9]{12}:\/signing-profiles\/[a-zA-Z0-9_]{2,}$`
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageSigningStatus.html). No version suffix.
 */
export const SIGNING_PROFILE_ARN_RE = /^arn:aws(-[a-z]+)*:signer:[a-z0-9-]+:[0-9]{12}:\/signing-profiles\/[a-zA-Z0-9_]{2,}$/;

/**
 * Signing rule repository filter (`filterType` WILDCARD_MATCH, `*` any run of characters):
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_SigningRepositoryFilter.html
 */
export const SIGNING_FILTER_RE = /^(?:[a-z0-9*]+(?:[._-][a-z0-9*]+)*\/)*[a-z0-9*]+(?:[._-][a-z0-9*]+)*$/;
export const SIGNING_FILTER_TYPE = 'WILDCARD_MATCH';

/**
 * Scanning rule repository filter (`filterType` WILDCARD; "Filters with no wildcard will match all repository
 * names that contain the filter"): https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ScanningRepositoryFilter.html
 */
export const SCANNING_FILTER_RE = /^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$/;
export const SCANNING_FILTER_TYPE = 'WILDCARD';

/** How the registry scans: ECR basic scanning, or Amazon Inspector (enhanced scanning). */
export type RegistryScanType = 'BASIC' | 'ENHANCED';
export const REGISTRY_SCAN_TYPES: readonly RegistryScanType[] = ['BASIC', 'ENHANCED'];

/** ImageSigningStatus.status values (API reference, ImageSigningStatus). */
export type ImageSigningState = 'IN_PROGRESS' | 'COMPLETE' | 'FAILED';

/**
 * Media type of a Notary Project signature manifest's artifact type, which managed signing stores next to
 * its subject image (an OCI referrer). DescribeImages reports it as `artifactMediaType`.
 */
export const NOTATION_SIGNATURE_ARTIFACT_TYPE = 'application/vnd.cncf.notary.signature';

/** The AWS partition of a region name (`cn-*` China, `us-gov-*` GovCloud, else the commercial one). */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** `arn:<partition>:signer:<region>:<account>:/signing-profiles/<name>`, the form in the ECR managed signing guide. */
export function signingProfileArn(region: string, account: string, profileName: string): string {
  return `arn:${partitionOfRegion(region)}:signer:${region}:${account}:/signing-profiles/${profileName}`;
}

/** What one DescribeImageSigningStatus answer says about the configured profile (promotion gate, inventory). */
export type SigningVerdict =
  | { readonly kind: 'signed'; readonly profileArn: string }
  | { readonly kind: 'in-progress'; readonly profileArn: string }
  | { readonly kind: 'refused'; readonly reason: string };

/**
 * Judges the statuses against the expected profile ARN (exact match: the ARN ECR reports has no version).
 * Another profile's COMPLETE signature does not count: only CI's pushes are signed with the configured one.
 */
export function signingVerdict(statuses: readonly ImageSigningStatus[], expectedArn: string): SigningVerdict {
  const mine = statuses.filter((s) => s.signingProfileArn === expectedArn);
  // One status per profile is documented; should ECR ever report several, a failure anywhere wins.
  const failed = mine.find((s) => s.status === 'FAILED');
  if (failed) {
    return {
      kind: 'refused',
      reason: `its managed signature by ${expectedArn} FAILED (${failed.failureCode ?? 'no failure code'}: ${failed.failureReason ?? 'no failure reason given'}); ` +
        'fix the cause (usually the pushing role lacks signer:SignPayload on the profile, or the profile is cancelled or revoked) and push the image again',
    };
  }
  if (mine.some((s) => s.status === 'COMPLETE')) return { kind: 'signed', profileArn: expectedArn };
  if (mine.some((s) => s.status === 'IN_PROGRESS')) return { kind: 'in-progress', profileArn: expectedArn };
  if (mine.length > 0) {
    return { kind: 'refused', reason: `its signing status from ${expectedArn} is ${mine.map((s) => s.status ?? 'missing').join(', ')}, not COMPLETE` };
  }
  const others = statuses.map((s) => `${s.signingProfileArn ?? 'an unnamed profile'} (${s.status ?? 'no status'})`);
  return {
    kind: 'refused',
    reason: others.length > 0
      ? `it is not signed by the configured profile ${expectedArn}, only by ${others.join(', ')}: an image signed by another profile did not come from this pipeline`
      : `it has no managed signature (no signing status for ${expectedArn}): it was pushed before the signing configuration existed, to a repository the signing rules do not match, or signing is managed elsewhere without this profile (registry.settings); push it again through CI`,
  };
}
