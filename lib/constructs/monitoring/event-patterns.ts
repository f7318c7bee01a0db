import * as events from 'aws-cdk-lib/aws-events';

/**
 * EventBridge patterns for the registry alarms. Kept apart from the construct so each pattern can be read
 * (and tested) as the JSON EventBridge will evaluate.
 *
 * Values must be arrays (EventBridge matches "any of"); `numeric`, `anything-but` and `exists` are
 * content filters. A pattern may match a field that an event lacks only through `exists: false`:
 * `anything-but` never matches a missing field, which matters for the unexpected-push pattern.
 */

/** Severities ECR basic scanning reports in `finding-severity-counts`; a severity with no findings is absent. */
export type FindingSeverity = 'CRITICAL' | 'HIGH';

/** Error codes ECR writes to CloudTrail when IAM or a repository policy refuses a call. */
export const AUTH_FAILURE_ERROR_CODES: readonly string[] = [
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'Client.UnauthorizedOperation',
];

/**
 * The call that creates an image. Layer uploads (InitiateLayerUpload, CompleteLayerUpload) are left out on
 * purpose: they create no image without a PutImage, and each layer would send its own notification.
 */
export const PUSH_EVENT_NAMES: readonly string[] = ['PutImage'];

const severityAboveZero = (severity: FindingSeverity) => ({
  'finding-severity-counts': { [severity]: [{ numeric: ['>', 0] }] },
});

/** A completed basic scan of this repository that found at least one finding of one of `severities`. */
export function scanFindingsPattern(repositoryName: string, severities: readonly FindingSeverity[]): events.EventPattern {
  if (severities.length === 0) throw new Error('scanFindingsPattern needs at least one severity (CRITICAL or HIGH)');
  // One severity: a plain field match. Several: `$or`, so one rule (and one alarm) covers them all; an
  // image with both CRITICAL and HIGH findings still produces exactly one event and one notification.
  const severityFilter = severities.length === 1
    ? severityAboveZero(severities[0])
    : { $or: severities.map(severityAboveZero) };
  return {
    source: ['aws.ecr'],
    detailType: ['ECR Image Scan'],
    detail: {
      'repository-name': [repositoryName],
      'scan-status': ['COMPLETE'],
      ...severityFilter,
    },
  };
}

/** A basic scan of this repository that failed (unsupported image OS, corrupt manifest, ...). */
export function scanFailedPattern(repositoryName: string): events.EventPattern {
  return {
    source: ['aws.ecr'],
    detailType: ['ECR Image Scan'],
    detail: {
      'repository-name': [repositoryName],
      'scan-status': ['FAILED'],
    },
  };
}

/**
 * ECR calls refused for lack of permission: calls on this repository, plus GetAuthorizationToken, which is
 * registry-wide and has no repository (so in a shared account it also counts other workloads' failures).
 * Needs a CloudTrail trail: "AWS API Call via CloudTrail" events reach EventBridge only from a trail.
 */
export function authFailurePattern(repositoryName: string): events.EventPattern {
  return {
    source: ['aws.ecr'],
    detailType: ['AWS API Call via CloudTrail'],
    detail: {
      eventSource: ['ecr.amazonaws.com'],
      errorCode: [...AUTH_FAILURE_ERROR_CODES],
      $or: [
        { requestParameters: { repositoryName: [repositoryName] } },
        { eventName: ['GetAuthorizationToken'] },
      ],
    },
  };
}

/**
 * Successful push calls on this repository by anyone but the CI role. Two alternatives, because
 * `anything-but` never matches a missing field: a role session whose issuer is not the CI role, or any
 * identity that is not a role session at all (an IAM user's access keys, the root user), which has no
 * `sessionContext.sessionIssuer`.
 */
export function unexpectedPushPattern(repositoryName: string, ciPushRoleArn: string): events.EventPattern {
  return {
    source: ['aws.ecr'],
    detailType: ['AWS API Call via CloudTrail'],
    detail: {
      eventSource: ['ecr.amazonaws.com'],
      eventName: [...PUSH_EVENT_NAMES],
      requestParameters: { repositoryName: [repositoryName] },
      // Failed attempts are the authentication-failure alarm's business; this one reports pushes that worked.
      errorCode: [{ exists: false }],
      $or: [
        { userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': [ciPushRoleArn] }] } } } },
        { userIdentity: { type: [{ 'anything-but': ['AssumedRole'] }] } },
      ],
    },
  };
}
