import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { InventoryPlan } from '../plan';
import { CheckContext, CheckResult, fail, guarded, pass, skip } from '../result';

/** How many schedule periods may pass without a published inventory. */
export const INVENTORY_GRACE_PERIODS = 2;

/**
 * Has the inventory published within two schedule periods? Reads the newest datapoint of the metric every run
 * publishes (namespace, repository and schedule from the template) with GetMetricData, 1-minute periods, newest
 * first (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html). A schedule
 * rule deployed less than two periods ago may not have run yet: then no data is not a failure.
 */
export async function checkInventory(inv: InventoryPlan, ctx: CheckContext): Promise<CheckResult> {
  const { resolver, lastUpdated } = ctx.deployed(inv.stack);
  const fnName = inv.stack.template.Resources?.[inv.functionLogicalId]?.Properties?.FunctionName;
  const check = `inventory ${typeof fnName === 'string' ? fnName : inv.functionLogicalId}`;
  if (!resolver) return skip(check, `stack ${inv.stack.stackName} is not deployed`);
  const [namespace, repository, rule, fn] = [inv.namespace, inv.repositoryName, { Ref: inv.ruleLogicalId }, { Ref: inv.functionLogicalId }].map((n) => resolver.resolve(n));
  for (const r of [namespace, repository, rule, fn]) if ('unresolved' in r) return skip(check, `cannot resolve ${r.unresolved}`);
  const [ns, repo, ruleName, functionName] = [namespace, repository, rule, fn].map((r) => (r as { value: string }).value);
  const region = inv.stack.region;
  const windowMinutes = INVENTORY_GRACE_PERIODS * inv.periodMinutes;
  const metric = `${ns} ${inv.metricName} {${inv.repositoryDimension}=${repo}}`;
  return guarded(check, region, 'cloudwatch:GetMetricData', async () => {
    const r = await ctx.clients(region).cloudwatch.send(new GetMetricDataCommand({
      MetricDataQueries: [{
        Id: 'published',
        MetricStat: { Metric: { Namespace: ns, MetricName: inv.metricName, Dimensions: [{ Name: inv.repositoryDimension, Value: repo }] }, Period: 60, Stat: 'SampleCount' },
      }],
      StartTime: new Date(ctx.now.getTime() - windowMinutes * 60_000),
      EndTime: ctx.now,
      ScanBy: 'TimestampDescending',
    }));
    const times = (r.MetricDataResults?.[0]?.Timestamps ?? []).map((t) => t.getTime()).sort((a, b) => b - a);
    const schedule = `${inv.scheduleExpression}, rule ${ruleName}`;
    if (times.length > 0) {
      const ago = Math.max(0, Math.round((ctx.now.getTime() - times[0]) / 60_000));
      return pass(check, `${metric} last published ${ago} min ago (${schedule})`);
    }
    const deployedAt = lastUpdated.get(inv.ruleLogicalId);
    if (deployedAt && ctx.now.getTime() - deployedAt.getTime() < windowMinutes * 60_000) {
      const due = new Date(deployedAt.getTime() + windowMinutes * 60_000);
      return skip(check, `nothing published yet; the schedule rule was deployed ${Math.round((ctx.now.getTime() - deployedAt.getTime()) / 60_000)} min ago and runs ${inv.scheduleExpression}: rerun the doctor after ${due.toISOString()}`);
    }
    return fail(check, `no ${metric} in the last ${windowMinutes} minutes (${INVENTORY_GRACE_PERIODS} runs of ${schedule})`,
      `check that rule ${ruleName} is ENABLED and targets the function, read the function's log group for errors, or run it once: aws lambda invoke --function-name ${functionName} --region ${region} out.json`);
  });
}
