import { GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { DoctorPlan, TrailPlan } from '../plan';
import { CheckContext, CheckResult, fail, guarded, pass, skip } from '../result';

/**
 * The rules on "AWS API Call via CloudTrail" events (denied calls, unexpected pushes, lifecycle expirations)
 * receive events only while a trail logs management events in the region. GetTrailStatus reports IsLogging and
 * the latest delivery errors to S3 and CloudWatch Logs, for one region
 * (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html).
 */
export async function checkTrail(trail: TrailPlan, ctx: CheckContext): Promise<CheckResult> {
  const { resolver } = ctx.deployed(trail.stack);
  const fixedName = trail.stack.template.Resources?.[trail.logicalId]?.Properties?.TrailName;
  const check = `trail ${typeof fixedName === 'string' ? fixedName : trail.logicalId}`;
  if (!resolver) return skip(check, `stack ${trail.stack.stackName} is not deployed`);
  const name = resolver.ref(trail.logicalId);
  if ('unresolved' in name) return skip(check, `its name cannot be resolved (${name.unresolved})`);
  const region = trail.stack.region;
  return guarded(check, region, 'cloudtrail:GetTrailStatus', async () => {
    let status;
    try {
      status = await ctx.clients(region).cloudtrail.send(new GetTrailStatusCommand({ Name: name.value }));
    } catch (e) {
      if ((e as { name?: string }).name === 'TrailNotFoundException') return fail(check, `${name.value} does not exist in ${region}`, trail.stack.deployCommand);
      throw e;
    }
    const consequence = 'the CloudTrail-based rules (denied calls, unexpected pushes, lifecycle expirations) receive nothing';
    if (status.IsLogging !== true) {
      return fail(check, `is not logging${status.StopLoggingTime ? ` (stopped ${status.StopLoggingTime.toISOString()})` : ''}: ${consequence}`, `aws cloudtrail start-logging --name ${name.value} --region ${region}, and find out who stopped it (CloudTrail event StopLogging)`);
    }
    const errors = [
      status.LatestDeliveryError ? `S3 delivery error ${status.LatestDeliveryError}` : undefined,
      status.LatestCloudWatchLogsDeliveryError ? `CloudWatch Logs delivery error ${status.LatestCloudWatchLogsDeliveryError}` : undefined,
    ].filter((x): x is string => x !== undefined);
    if (errors.length > 0) {
      return fail(check, `is logging but cannot deliver: ${errors.join('; ')}`, `check the trail bucket policy and the trail key policy (cloudtrail.amazonaws.com must be allowed to write and encrypt), or the log group role, then ${trail.stack.deployCommand}`);
    }
    return pass(check, `logging${status.LatestDeliveryTime ? `, last delivered ${status.LatestDeliveryTime.toISOString()}` : ''}`);
  });
}

/** Without a trail of its own the registry relies on another one (or has no CloudTrail rules): say which. */
export function trailNotCreated(plan: DoctorPlan): CheckResult {
  const { cloudTrail, region } = plan.registry;
  if (cloudTrail === 'none') return skip('trail', 'alarms.cloudTrail is none: no CloudTrail-based rules, no trail to check');
  return skip('trail', `alarms.cloudTrail is ${cloudTrail}: the registry creates no trail; make sure an organization or account trail logs management events in ${region} (aws cloudtrail get-trail-status --name <trail ARN>)`);
}
