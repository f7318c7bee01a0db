import * as events from 'aws-cdk-lib/aws-events';
import { REPLICATION_EVENT_DETAIL_TYPE, REPLICATION_SUCCESS_RESULT } from '../../aws/replication';

/**
 * EventBridge patterns for the registry alarms. Kept apart from the construct so each pattern can be read
 * (and tested) as the JSON EventBridge will evaluate.
 *
 * Values must be arrays (EventBridge matches "any of"); `numeric`, `anything-but` and `exists` are
 * content filters. A pattern may match a field that an event lacks only through `exists: false`:
 * `anything-but` never matches a missing field, which matters for the unexpected-push pattern.
 */

/**
 * Severities the alarms can report. ECR basic scanning counts them in `finding-severity-counts` (a severity with
 * no findings is absent); Amazon Inspector (enhanced scanning) puts one severity on each finding.
 */
export type FindingSeverity = 'CRITICAL' | 'HIGH';

/** How the registry scans images: ECR basic scanning, or Amazon Inspector (enhanced scanning). */
export type ScanType = 'BASIC' | 'ENHANCED';

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

/**
 * The read-only ECR calls the authentication-failure alarm exists for. EventBridge delivers read-only
 * management events (Get*, BatchGet*, Describe*, List*) only to rules in state
 * ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail-management.html
 */
export const READ_ONLY_AUTH_EVENT_NAMES: readonly string[] = ['GetAuthorizationToken', 'BatchGetImage', 'GetDownloadUrlForLayer'];

/** Image actions ECR reports as `ECR Image Action` events. */
export type ImageAction = 'PUSH' | 'DELETE';

/**
 * A successful image push or deletion in this repository. ECR sends `ECR Image Action` (detail `action-type`
 * PUSH or DELETE, `result` SUCCESS, `repository-name`) on its own, without CloudTrail:
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html
 * Lifecycle-policy expirations are not among the documented `ECR Image Action` events: ECR documents them
 * only as CloudTrail `PolicyExecutionEvent` service events (see {@link lifecycleExpirationPattern}).
 */
export function imageActionPattern(repositoryName: string, action: ImageAction): events.EventPattern {
  return {
    source: ['aws.ecr'],
    detailType: ['ECR Image Action'],
    detail: {
      'repository-name': [repositoryName],
      'action-type': [action],
      result: ['SUCCESS'],
    },
  };
}

/**
 * A lifecycle-policy run that expired images in this repository: CloudTrail records it as an `AwsServiceEvent`
 * named `PolicyExecutionEvent` with `serviceEventDetails.repositoryName`, one event per batch of up to 10
 * images (https://docs.aws.amazon.com/AmazonECR/latest/userguide/logging-using-cloudtrail.html, "Image
 * lifecycle policy action"). EventBridge delivers CloudTrail service events as "AWS Service Event via
 * CloudTrail" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html). The
 * example marks it `readOnly: true`, so the rule needs the all-management-events state too.
 */
export function lifecycleExpirationPattern(repositoryName: string): events.EventPattern {
  return ecrCloudTrailPattern('AWS Service Event via CloudTrail', {
    eventName: ['PolicyExecutionEvent'],
    serviceEventDetails: { repositoryName: [repositoryName] },
  });
}

/**
 * An ECR event that reaches EventBridge from CloudTrail: "AWS API Call via CloudTrail" for calls to the ECR
 * API, "AWS Service Event via CloudTrail" for ECR's own actions; `detail` is the CloudTrail record.
 */
function ecrCloudTrailPattern(detailType: string, detail: Record<string, unknown>): events.EventPattern {
  return {
    source: ['aws.ecr'],
    detailType: [detailType],
    detail: { eventSource: ['ecr.amazonaws.com'], ...detail },
  };
}

const severityAboveZero = (severity: FindingSeverity) => ({
  'finding-severity-counts': { [severity]: [{ numeric: ['>', 0] }] },
});

/**
 * Findings of one of `severities` in this repository.
 *
 * - BASIC: a completed `ECR Image Scan` (source `aws.ecr`) whose `finding-severity-counts` has the severity
 *   above zero: https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html
 * - ENHANCED: ECR sends no `ECR Image Scan` events; Amazon Inspector sends one `Inspector2 Finding` (source
 *   `aws.inspector2`) per finding when it is created, updated or closed, with `detail.severity`,
 *   `detail.status` (ACTIVE until closed) and the image under
 *   `detail.resources[].details.awsEcrContainerImage.repositoryName`:
 *   https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced-events.html and
 *   https://docs.aws.amazon.com/inspector/latest/user/eventbridge-integration.html
 */
export function scanFindingsPattern(repositoryName: string, severities: readonly FindingSeverity[], scanType: ScanType = 'BASIC'): events.EventPattern {
  if (severities.length === 0) throw new Error('scanFindingsPattern needs at least one severity (CRITICAL or HIGH)');
  if (scanType === 'ENHANCED') {
    return {
      source: ['aws.inspector2'],
      detailType: ['Inspector2 Finding'],
      detail: {
        severity: [...severities],
        // Closed findings (fixed image, image deleted) also send an event: only open ones are news.
        status: ['ACTIVE'],
        resources: {
          type: ['AWS_ECR_CONTAINER_IMAGE'],
          details: { awsEcrContainerImage: { repositoryName: [repositoryName] } },
        },
      },
    };
  }
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

/**
 * A scan of this repository that ended in any status but the documented success value, so failed scans and
 * unsupported images are caught whatever the service calls them (the docs show only the success value).
 *
 * - BASIC: `ECR Image Scan` with `scan-status` anything but COMPLETE (the ECR API also knows FAILED,
 *   UNSUPPORTED_IMAGE, ...): https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html
 * - ENHANCED: `Inspector2 Scan` with `scan-status` anything but INITIAL_SCAN_COMPLETE. Its
 *   `detail.repository-name` is the repository ARN, as is the event's top-level `resources` entry, which is
 *   what this matches: https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced-events.html
 */
export function scanNotCompletePattern(repositoryName: string, repositoryArn: string, scanType: ScanType = 'BASIC'): events.EventPattern {
  if (scanType === 'ENHANCED') {
    return {
      source: ['aws.inspector2'],
      detailType: ['Inspector2 Scan'],
      resources: [repositoryArn],
      detail: { 'scan-status': [{ 'anything-but': ['INITIAL_SCAN_COMPLETE'] }] },
    };
  }
  return {
    source: ['aws.ecr'],
    detailType: ['ECR Image Scan'],
    detail: {
      'repository-name': [repositoryName],
      'scan-status': [{ 'anything-but': ['COMPLETE'] }],
    },
  };
}

/**
 * ECR calls refused for lack of permission: calls on this repository, plus GetAuthorizationToken, which is
 * registry-wide and has no `repositoryName` in its request (so in a shared account it also counts other
 * workloads' failures; the alarm says so). Needs a CloudTrail trail logging read and write management events:
 * "AWS API Call via CloudTrail" events reach EventBridge only from a trail
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html), and the rule must be in
 * state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS for the read-only calls ({@link READ_ONLY_AUTH_EVENT_NAMES}).
 * Event fields (`eventSource`, `eventName`, `errorCode`, `requestParameters.repositoryName`):
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/logging-using-cloudtrail.html
 */
export function authFailurePattern(repositoryName: string): events.EventPattern {
  return ecrCloudTrailPattern('AWS API Call via CloudTrail', {
    errorCode: [...AUTH_FAILURE_ERROR_CODES],
    $or: [
      { requestParameters: { repositoryName: [repositoryName] } },
      { eventName: ['GetAuthorizationToken'] },
    ],
  });
}

/**
 * Successful push calls on this repository by anyone but the CI role. Two alternatives, because
 * `anything-but` never matches a missing field: a role session whose issuer is not the CI role, or any
 * identity that is not a role session at all (an IAM user's access keys, the root user), which has no
 * `sessionContext.sessionIssuer`.
 */
export function unexpectedPushPattern(repositoryName: string, ciPushRoleArn: string): events.EventPattern {
  return ecrCloudTrailPattern('AWS API Call via CloudTrail', {
    eventName: [...PUSH_EVENT_NAMES],
    requestParameters: { repositoryName: [repositoryName] },
    // Failed attempts are the authentication-failure alarm's business; this one reports pushes that worked.
    errorCode: [{ exists: false }],
    $or: [
      { userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': [ciPushRoleArn] }] } } } },
      { userIdentity: { type: [{ 'anything-but': ['AssumedRole'] }] } },
    ],
  });
}

/**
 * A replication of this repository that ended in anything but `SUCCESS`. ECR sends `ECR Replication Action` in
 * the DESTINATION region (the replica's): the documented failure value is `FAILED`, matched here as "anything
 * but the success value" so a differently named failure still notifies. Fields (`result`, `repository-name`,
 * `image-digest`, `image-tag`, `source-region`, `action-type` REPLICATE):
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html ("Event for a failed image replication").
 */
export function replicationFailurePattern(repositoryName: string): events.EventPattern {
  return {
    source: ['aws.ecr'],
    detailType: [REPLICATION_EVENT_DETAIL_TYPE],
    detail: {
      'repository-name': [repositoryName],
      result: [{ 'anything-but': [REPLICATION_SUCCESS_RESULT] }],
    },
  };
}
