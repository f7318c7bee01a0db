import * as events from 'aws-cdk-lib/aws-events';

/**
 * What every registry alarm and notification tells the on-call engineer: what happened and what to do.
 * One function per alarm (CloudWatch `AlarmDescription`) or notifying EventBridge rule (the e-mail text),
 * taking only the values it names. The constructs that wire the alarms (RegistryMonitoring,
 * RegistryInventory) call these and add no text of their own. docs/monitoring.md and docs/inventory.md
 * list the alarms; edit the wording here.
 *
 * The alarm descriptions are plain text (CloudWatch allows 1024 characters). The notification texts are
 * EventBridge input templates: {@link field} inserts a value from the matching event.
 */

/** A placeholder EventBridge fills in from the event before publishing. */
export function field(path: string): string {
  return events.EventField.fromPath(path);
}

/** `0.8` as `80%`, `0.125` as `12.5%`. */
export function percent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}

// ---------------------------------------------------------------------------------------------------------
// RegistryMonitoring: notifications (one e-mail per matching event)
// ---------------------------------------------------------------------------------------------------------

const SCAN_FINDINGS_TODO = 'What to do: open the image in the ECR console (Vulnerabilities tab) or Amazon Inspector, rebuild on a patched ' +
  'base image or upgrade the affected packages, push a new tag, and keep this digest out of prod until it is fixed ' +
  'or the risk is accepted in writing.';

/** A scan found CRITICAL (or HIGH) vulnerabilities. `severities`: e.g. `CRITICAL or HIGH`. */
export function scanFindingsMessage(o: { prefix: string; severities: string; scanType: 'BASIC' | 'ENHANCED' }): string {
  return o.scanType === 'ENHANCED'
    ? `[${o.prefix}] Amazon Inspector reports a ${field('$.detail.severity')} finding (${field('$.detail.title')}) in repository ` +
      `${field('$.detail.resources[0].details.awsEcrContainerImage.repositoryName')}, image ` +
      `${field('$.detail.resources[0].details.awsEcrContainerImage.imageHash')}. ${SCAN_FINDINGS_TODO}`
    : `[${o.prefix}] Scan on push found ${o.severities} vulnerabilities in repository ${field('$.detail.repository-name')}, ` +
      `image ${field('$.detail.image-digest')}. Findings: CRITICAL=${field('$.detail.finding-severity-counts.CRITICAL')} ` +
      `HIGH=${field('$.detail.finding-severity-counts.HIGH')} (blank or null means none). ${SCAN_FINDINGS_TODO}`;
}

/** A scan ended in any status but `success` (`COMPLETE`, or `INITIAL_SCAN_COMPLETE` with Inspector). */
export function scanFailureMessage(o: { prefix: string; success: string }): string {
  const todo = 'What to do: read the scan status in the ECR console (or Amazon Inspector coverage); scanning fails on ' +
    'unsupported base operating systems (move to a supported one) and on images it cannot read. Rebuild, and do not ' +
    'deploy the digest before a scan completes.';
  return `[${o.prefix}] An image scan in repository ${field('$.detail.repository-name')} ended with status ` +
    `${field('$.detail.scan-status')} (not ${o.success}), image ${field('$.detail.image-digest')}: it was not ` +
    `checked for vulnerabilities. ${todo}`;
}

/** An image was pushed by someone other than the CI push role. */
export function unexpectedPushMessage(o: { prefix: string }): string {
  return `[${o.prefix}] Image pushed to ${field('$.detail.requestParameters.repositoryName')} (tag ` +
    `${field('$.detail.requestParameters.imageTag')}) by ${field('$.detail.userIdentity.arn')} from ` +
    `${field('$.detail.sourceIPAddress')} at ${field('$.time')}, not by the CI push role. Unless this was an ` +
    'approved break-glass push: delete the image, disable the credentials and escalate to security.';
}

/** ECR could not replicate an image into the replica region (the event comes from there, forwarded). */
export function replicationFailureMessage(o: { prefix: string }): string {
  return `[${o.prefix}] ECR failed to replicate ${field('$.detail.repository-name')} image ${field('$.detail.image-digest')} ` +
    `(tag ${field('$.detail.image-tag')}) from ${field('$.detail.source-region')} into ${field('$.region')} at ${field('$.time')}: result ` +
    `${field('$.detail.result')}. Until it arrives, an environment whose imageRegion is ${field('$.region')} cannot run it, and ` +
    'npm run promote refuses to promote it there. What to do: aws ecr describe-image-replication-status --repository-name <repo> ' +
    '--image-id imageDigest=<digest> in the source region shows the failure code; fix the cause (the replica repository deleted or ' +
    'its KMS key disabled, a replication rule changed by hand), then re-push or backfill the image (docs/runbook-region-outage.md).';
}

// ---------------------------------------------------------------------------------------------------------
// RegistryMonitoring: alarms
// ---------------------------------------------------------------------------------------------------------

/** The image count passed `threshold`, `fraction` of the `quota`-image per-repository quota. */
export function imageCountAlarmDescription(o: { repositoryName: string; threshold: number; fraction: number; quota: number }): string {
  return `Repository ${o.repositoryName} holds more than ${o.threshold} images (${percent(o.fraction)} of ` +
    `the ${o.quota}-image per-repository quota). At the quota every push fails. What to do: check that ` +
    'the lifecycle policy is attached and expiring images (ECR console > Lifecycle policy, or npm run ' +
    'lifecycle), tighten retention in lib/config/environments.ts, or request a quota increase ' +
    '(Service Quotas > Amazon ECR > Images per repository) and raise imagesPerRepositoryQuota to match.';
}

/** Account-wide calls of `api` passed `fraction` of its quota in `datapoints` of the last `periods` minutes. */
export function apiUsageAlarmDescription(o: { api: string; fraction: number; datapoints: number; periods: number }): string {
  return `ECR ${o.api} calls in this account and region exceeded ${percent(o.fraction)} of the ` +
    `service quota (requests per second, averaged over a minute) in ${o.datapoints} of ` +
    `the last ${o.periods} minutes. The metric is account-wide: other workloads count. ` +
    'Past the quota ECR throttles (ThrottlingException) and logins, pulls or pushes fail. What to do: find ' +
    `the callers in CloudTrail (eventName=${o.api}); reuse auth tokens (they last 12 hours), avoid task ` +
    'restart loops, or request a quota increase in Service Quotas > Amazon ECR.';
}

/**
 * Pulls left the anomaly band for `periods` 5-minute periods. With `steadyPulls` the band is two-sided and
 * silence counts as zero; otherwise only spikes alarm.
 */
export function pullAnomalyAlarmDescription(o: { repositoryName: string; bandWidth: number; periods: number; steadyPulls: boolean }): string {
  const todo = 'What to do: compare with recent deploys and ECS service events; if unexplained, find the callers of ' +
    'BatchGetImage/GetDownloadUrlForLayer in CloudTrail and disable unknown credentials. The band needs about two ' +
    'weeks of history before it is reliable.';
  return o.steadyPulls
    ? `Pulls from ${o.repositoryName} left the expected band (anomaly detection, ${o.bandWidth} standard ` +
      `deviations) for ${o.periods} consecutive 5-minute periods; periods without pulls count as zero. A spike can ` +
      'mean leaked credentials or a crash-looping service re-pulling; a drop (including pulls stopping ' +
      `altogether) can mean deploys or scale-out stopped. ${todo}`
    : `Pulls from ${o.repositoryName} rose above the expected band (anomaly detection, ${o.bandWidth} ` +
      `standard deviations) for ${o.periods} consecutive 5-minute periods. A spike can mean leaked credentials or a ` +
      'crash-looping service re-pulling. This environment does not expect steady pulls, so this alarm cannot ' +
      `report pulls stopping (set alarms.expectSteadyPulls for that). ${todo}`;
}

/** `threshold` or more denied ECR calls within 5 minutes; each denial is in the `eventLogName` log group. */
export function authFailuresAlarmDescription(o: { repositoryName: string; threshold: number; eventLogName: string }): string {
  return `${o.threshold} or more ECR calls on ${o.repositoryName}, or GetAuthorizationToken calls anywhere in this ` +
    'account and region (that call names no repository, so other workloads\' denied logins count too), were ' +
    'denied within 5 minutes (AccessDenied / UnauthorizedOperation, from CloudTrail). Usually a broken CI role or ' +
    `repository policy; possibly someone probing with stolen credentials. What to do: in CloudWatch Logs, read ` +
    `${o.eventLogName} (each denial with detail.userIdentity.arn, detail.sourceIPAddress, ` +
    'detail.eventName); fix the policy if the caller is ours, otherwise disable the credentials and escalate to ' +
    'security.';
}

/** EventBridge failed to deliver to the `<prefix>-alarms` topic or the `eventLogName` log group. */
export function deliveryFailuresAlarmDescription(o: { prefix: string; eventLogName: string }): string {
  return `EventBridge could not deliver registry events to their targets (the ${o.prefix}-alarms topic or ` +
    `the ${o.eventLogName} log group): those notifications or records were lost. Usually the topic ` +
    'policy, its KMS key policy or the log group resource policy was changed by hand. This alarm arrives through ' +
    `the separate ${o.prefix}-alarms-fallback topic. What to do: redeploy this stack to restore the ` +
    `policies, then review the ECR console for findings you missed (the ${o.prefix} rules' MatchedEvents show when).`;
}

// ---------------------------------------------------------------------------------------------------------
// RegistryInventory: alarms
// ---------------------------------------------------------------------------------------------------------

/** The repository's images add up to more than `budgetGiB`. */
export function sizeBudgetAlarmDescription(o: { repositoryName: string; budgetGiB: number }): string {
  return `Images in ${o.repositoryName} add up to more than the ${o.budgetGiB} GiB budget (sum of DescribeImages ` +
    'imageSizeInBytes, compressed; shared layers count once per image, so the bill can be lower). What to do: ' +
    '`npm run inventory -- --repository <name>` shows the largest and stale images; check that the lifecycle ' +
    'policy expires old and untagged images (`npm run lifecycle -- preview`), tighten retention in ' +
    'lib/config/environments.ts, or raise inventory.sizeBudgetGiB if the growth is expected.';
}

/** The newest release (tags matching `releaseTagPatterns`) is more than `percentLarger`% larger than the previous one. */
export function sizeRegressionAlarmDescription(o: { repositoryName: string; releaseTagPatterns: readonly string[]; percentLarger: number }): string {
  return `The newest release image in ${o.repositoryName} (tags ${o.releaseTagPatterns.join(', ')}) is more than ` +
    `${o.percentLarger}% larger than the release pushed before it. Larger images pull slower (task ` +
    'start-up, scale-out) and cost more to store. What to do: the function log (and `npm run inventory`) names ' +
    'both releases; compare their layers (e.g. `docker history`), look for a new base image, build tools or ' +
    'caches left in the final stage. The alarm stays in ALARM until a release that is not much larger is pushed.';
}

/**
 * Release images pushed recently are not signed by the configured Signer profile (FAILED, missing, or still
 * IN_PROGRESS `graceMinutes` after the push). The function logs each one.
 */
export function unsignedReleasesAlarmDescription(o: { repositoryName: string; functionName: string; logGroupName: string; graceMinutes: number }): string {
  return `A release image pushed to ${o.repositoryName} recently is not signed by the configured AWS Signer profile (ECR managed ` +
    `signing FAILED, reported no status, or is still IN_PROGRESS ${o.graceMinutes} minutes after the push). The promotion gate ` +
    'refuses such an image, so it can never reach an environment, but every push by CI should be signed. What to do: in CloudWatch ' +
    `Logs Insights on ${o.logGroupName}, filter message = "unsigned release image" for the digest, tag and ECR's failure code and ` +
    'reason; `npm run promote -- --dry-run` shows the same. AccessDenied: the pushing role lacks signer:SignPayload on the profile ' +
    '(redeploy BetterCallBuffet-Registry); a cancelled or revoked profile: check registry.settings and the Signer console; a push ' +
    `by anyone but CI: see the unexpected-pushes notification. Then push the image again. Found by the ${o.functionName} function: ` +
    'ECR sends no event for signing.';
}

/** The `functionName` inventory function failed or timed out. */
export function inventoryFailuresAlarmDescription(o: { functionName: string }): string {
  return `The registry inventory function ${o.functionName} failed or timed out (AWS/Lambda Errors). Its ` +
    'metrics are stale until a run succeeds. What to do: read the error in the function log group (CloudWatch ' +
    'Logs Insights: filter level = "ERROR"); AccessDenied means the role or repository changed (redeploy), a ' +
    'timeout means the repository outgrew the function (raise INVENTORY_TIMEOUT after `npm run bench:inventory`).';
}

/** No inventory was published for `periods` intervals of `minutes` minutes; `ruleName` schedules the function. */
export function inventoryStoppedAlarmDescription(o: { repositoryName: string; periods: number; minutes: number; ruleName: string }): string {
  return `Notifies on INSUFFICIENT_DATA: no registry inventory of ${o.repositoryName} was published in the last ${o.periods} intervals ` +
    `of ${o.minutes} minutes, so size, cost and staleness figures and their alarms are blind (OK again with the next run). ` +
    'What to do: check that the EventBridge rule ' +
    `${o.ruleName} is enabled and that the function runs (its Invocations and Errors metrics and log group).`;
}
