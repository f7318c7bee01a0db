/**
 * Do the notifications arrive? Every rule with a target must have no failed deliveries in the window, and
 * every topic must have confirmed subscribers.
 */
import { GetMetricDataCommand, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { paginateListSubscriptionsByTopic, Subscription } from '@aws-sdk/client-sns';
import { RulePlan, TargetKind, TopicPlan } from '../plan';
import { CheckContext, CheckResult, fail, guarded, pass, skip } from '../result';

const invocations = (n: number) => `${n} invocation${n === 1 ? '' : 's'}`;

/** GetMetricData takes at most 500 queries per request; two per rule. */
const RULES_PER_REQUEST = 250;

/** What to check when deliveries to a kind of target fail. */
const DELIVERY_FIX: Record<TargetKind, string> = {
  // EventBridge to an encrypted topic: the key policy must let events.amazonaws.com use the key, and
  // aws:SourceAccount / aws:SourceArn / aws:SourceOrgID conditions are not supported there
  // (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html, "Enable compatibility between event
  // sources from AWS services and encrypted topics"); diagnosis: https://repost.aws/knowledge-center/sns-not-getting-eventbridge-notification
  'topic': 'the topic policy must allow events.amazonaws.com sns:Publish, and the topic key policy must allow events.amazonaws.com kms:GenerateDataKey* and kms:Decrypt with no aws:SourceAccount/aws:SourceArn condition (not supported for EventBridge to encrypted topics, SNS developer guide "Key management"); then read the lost events in the rule\'s event log',
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-cloudwatchlogs-permissions
  'log-group': 'the log group resource policy must allow events.amazonaws.com logs:CreateLogStream and logs:PutLogEvents, and the log group key policy must serve this log group (EventBridge user guide, resource-based policies for CloudWatch Logs)',
  'function': 'the function resource policy must allow events.amazonaws.com lambda:InvokeFunction for this rule; also look at the function\'s Throttles and its reserved concurrency',
  'other': 'check that the target exists and that its resource policy (or the rule\'s role) lets EventBridge deliver to it',
};

/**
 * `AWS/Events` FailedInvocations (dimension RuleName, default bus): invocations that failed permanently; EventBridge
 * sends it only when it is not zero (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html),
 * so no datapoint means no failure. Invocations is read alongside to say whether delivery was exercised at all.
 */
export async function checkRuleDeliveries(rules: readonly RulePlan[], ctx: CheckContext): Promise<CheckResult[]> {
  const windowSeconds = ctx.windowHours * 3600;
  const byRegion = new Map<string, RulePlan[]>();
  for (const r of rules) byRegion.set(r.stack.region, [...(byRegion.get(r.stack.region) ?? []), r]);
  const results = new Map<RulePlan, CheckResult>();
  for (const [region, regionRules] of byRegion) {
    const named: { rule: RulePlan; name: string; check: string }[] = [];
    for (const rule of regionRules) {
      const { resolver } = ctx.deployed(rule.stack);
      const check = `rule ${String(rule.stack.template.Resources?.[rule.logicalId]?.Properties?.Name ?? rule.logicalId)}`;
      if (!resolver) {
        results.set(rule, skip(check, `stack ${rule.stack.stackName} is not deployed`));
        continue;
      }
      const name = resolver.ref(rule.logicalId);
      if ('unresolved' in name) results.set(rule, skip(check, `its name cannot be resolved (${name.unresolved})`));
      else named.push({ rule, name: name.value, check: `rule ${name.value}` });
    }
    for (let i = 0; i < named.length; i += RULES_PER_REQUEST) {
      const chunk = named.slice(i, i + RULES_PER_REQUEST);
      const queries: MetricDataQuery[] = chunk.flatMap(({ name }, j) => (['FailedInvocations', 'Invocations'] as const).map((metricName) => ({
        Id: `${metricName === 'FailedInvocations' ? 'f' : 'i'}${j}`,
        MetricStat: { Metric: { Namespace: 'AWS/Events', MetricName: metricName, Dimensions: [{ Name: 'RuleName', Value: name }] }, Period: windowSeconds, Stat: 'Sum' },
        ReturnData: true,
      })));
      const sums = new Map<string, number>();
      const outcome = await guarded(`rules in ${region}`, region, 'cloudwatch:GetMetricData', async () => {
        let token: string | undefined;
        do {
          const r = await ctx.clients(region).cloudwatch.send(new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: new Date(ctx.now.getTime() - windowSeconds * 1000),
            EndTime: ctx.now,
            NextToken: token,
          }));
          for (const d of r.MetricDataResults ?? []) if (d.Id) sums.set(d.Id, (sums.get(d.Id) ?? 0) + (d.Values ?? []).reduce((a, b) => a + b, 0));
          token = r.NextToken;
        } while (token);
        return pass(`rules in ${region}`, 'read');
      });
      chunk.forEach(({ rule, check }, j) => {
        if (outcome.status === 'ERROR') {
          results.set(rule, { ...outcome, check });
          return;
        }
        const failed = sums.get(`f${j}`) ?? 0;
        const invoked = sums.get(`i${j}`) ?? 0;
        const kinds = [...new Set(rule.targets.map((t) => t.kind))];
        const target = kinds.join(' and ');
        if (failed > 0) {
          results.set(rule, fail(check, `${failed} failed deliver${failed === 1 ? 'y' : 'ies'} to its ${target} target in the last ${ctx.windowHours} h (${invocations(invoked)}): those events were lost`, kinds.map((k) => DELIVERY_FIX[k]).join('; ')));
        } else {
          results.set(rule, pass(check, `no failed deliveries to its ${target} target in the last ${ctx.windowHours} h (${invocations(invoked)}${invoked === 0 ? ': delivery not exercised yet' : ''})`));
        }
      });
    }
  }
  return rules.map((r) => results.get(r) as CheckResult);
}

/**
 * A topic reaches people only through confirmed subscriptions. ListSubscriptionsByTopic shows an unconfirmed
 * one with SubscriptionArn `PendingConfirmation` instead of an ARN (GetSubscriptionAttributes PendingConfirmation:
 * https://docs.aws.amazon.com/sns/latest/api/API_GetSubscriptionAttributes.html); confirmation tokens are valid
 * for three days (https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html).
 */
export async function checkSubscriptions(topic: TopicPlan, ctx: CheckContext): Promise<CheckResult> {
  const { resolver } = ctx.deployed(topic.stack);
  const name = String(topic.stack.template.Resources?.[topic.logicalId]?.Properties?.TopicName ?? topic.logicalId);
  const check = `topic ${name}`;
  if (!resolver) return skip(check, `stack ${topic.stack.stackName} is not deployed`);
  const arn = resolver.ref(topic.logicalId);
  if ('unresolved' in arn) return skip(check, `its ARN cannot be resolved (${arn.unresolved})`);
  return guarded(check, topic.stack.region, 'sns:ListSubscriptionsByTopic', async () => {
    const subscriptions: Subscription[] = [];
    try {
      for await (const page of paginateListSubscriptionsByTopic({ client: ctx.clients(topic.stack.region).sns }, { TopicArn: arn.value })) subscriptions.push(...(page.Subscriptions ?? []));
    } catch (e) {
      if ((e as { name?: string }).name === 'NotFoundException') return fail(check, `${arn.value} does not exist`, topic.stack.deployCommand);
      throw e;
    }
    const who = topic.notifiedBy.length > 0 ? ` (notified by ${topic.notifiedBy.length}: ${topic.notifiedBy.slice(0, 3).join(', ')}${topic.notifiedBy.length > 3 ? ', ...' : ''})` : '';
    if (subscriptions.length === 0) {
      return fail(check, `has no subscriptions${who}: its notifications reach nobody`, `set registry.alarms.emails in lib/config/environments.ts and ${topic.stack.deployCommand}, or subscribe an endpoint (aws sns subscribe --topic-arn ${arn.value} --protocol email --notification-endpoint ADDRESS)`);
    }
    const pending = subscriptions.filter((s) => !s.SubscriptionArn?.startsWith('arn:'));
    const missing = topic.emails.filter((e) => !subscriptions.some((s) => s.Protocol === 'email' && s.Endpoint === e));
    if (pending.length > 0 || missing.length > 0) {
      const parts = [
        ...(pending.length > 0 ? [`${pending.length} of ${subscriptions.length} subscriptions not confirmed: ${pending.map((s) => `${s.Protocol} ${s.Endpoint} (${s.SubscriptionArn})`).join(', ')}`] : []),
        ...(missing.length > 0 ? [`the template subscribes ${missing.join(', ')}, which the topic does not have`] : []),
      ];
      const fixes = [
        ...(pending.length > 0 ? ['each recipient must open the "AWS Notification - Subscription Confirmation" e-mail and choose Confirm subscription; the link expires after 3 days, after which the subscription must be deleted and created again (redeploy, or aws sns subscribe)'] : []),
        ...(missing.length > 0 ? [topic.stack.deployCommand] : []),
      ];
      return fail(check, `${parts.join('; ')}${who}`, fixes.join('; '));
    }
    const protocols = [...new Set(subscriptions.map((s) => s.Protocol))].map((p) => `${subscriptions.filter((s) => s.Protocol === p).length} ${p}`);
    return pass(check, `${subscriptions.length} confirmed subscription(s): ${protocols.join(', ')}${who}`);
  });
}
