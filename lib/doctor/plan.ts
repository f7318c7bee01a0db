/**
 * What the doctor expects to find after a deploy, read from the app's own synthesized templates (never a
 * hand-kept list): every alarm and the metrics it watches, every rule with a target, every topic and the
 * e-mail subscriptions the template creates, the trail, the inventory's namespace and schedule, and each
 * repository's scan-on-push setting. Values stay as template nodes (intrinsics included) until the deployed
 * stack resolves them (resolve.ts).
 */
import { ALARM_DEFAULTS, RegistryAlarmSettings } from '../constructs/registry-monitoring';
import { HANDLER_ENV, INVENTORY_METRICS, REPOSITORY_DIMENSION } from '../inventory/metrics';
import { parseRateExpression } from '../inventory/schedule';
import { Template, TemplateResource } from './resolve';

/** A stack the doctor examines, with the template the app synthesizes for it. */
export interface DoctorStack {
  readonly role: 'registry' | 'service';
  readonly stackName: string;
  readonly region: string;
  readonly template: Template;
  /** The command that deploys it, for the fixes that say "deploy it". */
  readonly deployCommand: string;
}

/** A CloudWatch metric as the template names it; dimension values may be intrinsics. */
export interface TemplateMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly { readonly name: string; readonly value: unknown }[];
}

export interface AlarmPlan {
  readonly stack: DoctorStack;
  readonly logicalId: string;
  readonly alarmName: string;
  /** CloudFormation TreatMissingData (`missing` when the template sets none, CloudWatch's default). */
  readonly treatMissingData: string;
  /** Every metric the alarm reads (the single metric, or each MetricStat of its Metrics). */
  readonly metrics: readonly { readonly id: string; readonly metric: TemplateMetric }[];
  /** Metrics Insights queries (`SELECT ...` expressions). */
  readonly queries: readonly { readonly id: string; readonly expression: string }[];
  /** Metric math expressions, computed from the metrics above. */
  readonly expressions: readonly { readonly id: string; readonly expression: string }[];
}

export type TargetKind = 'topic' | 'log-group' | 'function' | 'other';

export interface RulePlan {
  readonly stack: DoctorStack;
  readonly logicalId: string;
  readonly targets: readonly { readonly kind: TargetKind; readonly logicalId?: string }[];
}

export interface TopicPlan {
  readonly stack: DoctorStack;
  readonly logicalId: string;
  /** E-mail endpoints the template subscribes. */
  readonly emails: readonly string[];
  /** Alarms and rules that notify the topic. */
  readonly notifiedBy: readonly string[];
}

export interface TrailPlan {
  readonly stack: DoctorStack;
  readonly logicalId: string;
}

export interface InventoryPlan {
  readonly stack: DoctorStack;
  readonly functionLogicalId: string;
  readonly ruleLogicalId: string;
  readonly namespace: unknown;
  readonly repositoryName: unknown;
  /** The metric every run publishes (lib/inventory/metrics.ts, shared with the function). */
  readonly metricName: string;
  readonly repositoryDimension: string;
  readonly scheduleExpression: string;
  readonly periodMinutes: number;
}

export interface RepositoryPlan {
  readonly stack: DoctorStack;
  readonly logicalId: string;
  readonly scanOnPush: boolean;
}

export interface DoctorPlan {
  readonly envName: string;
  readonly stacks: readonly DoctorStack[];
  readonly alarms: readonly AlarmPlan[];
  readonly rules: readonly RulePlan[];
  readonly topics: readonly TopicPlan[];
  readonly trails: readonly TrailPlan[];
  readonly inventories: readonly InventoryPlan[];
  readonly repositories: readonly RepositoryPlan[];
  /** How the registry is configured to scan (registry.settings.scanType) and where its CloudTrail events come from. */
  readonly registry: {
    readonly region: string;
    readonly scanType: 'BASIC' | 'ENHANCED';
    readonly cloudTrail: 'create-trail' | 'existing-trail' | 'none';
  };
}

/** Logical IDs a template node refers to (`Ref`, `Fn::GetAtt`), in order. */
export function referencedIds(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(referencedIds);
  if (node === null || typeof node !== 'object') return [];
  const o = node as Record<string, unknown>;
  if (typeof o.Ref === 'string') return [o.Ref];
  const getAtt = o['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [getAtt[0]];
  return Object.values(o).flatMap(referencedIds);
}

function resourcesOf(stack: DoctorStack, type: string): [string, TemplateResource][] {
  return Object.entries(stack.template.Resources ?? {}).filter(([, r]) => r.Type === type);
}

function metricOf(stat: Record<string, unknown>): TemplateMetric {
  const dims = (stat.Dimensions as { Name: string; Value: unknown }[] | undefined) ?? [];
  return { namespace: String(stat.Namespace), metricName: String(stat.MetricName), dimensions: dims.map((d) => ({ name: d.Name, value: d.Value })) };
}

function alarmPlan(stack: DoctorStack, logicalId: string, p: Readonly<Record<string, unknown>>): AlarmPlan {
  const metrics: AlarmPlan['metrics'][number][] = [];
  const queries: AlarmPlan['queries'][number][] = [];
  const expressions: AlarmPlan['expressions'][number][] = [];
  if (p.MetricName !== undefined) metrics.push({ id: 'metric', metric: metricOf(p) });
  for (const m of (p.Metrics as Record<string, unknown>[] | undefined) ?? []) {
    const id = String(m.Id);
    const stat = m.MetricStat as { Metric?: Record<string, unknown> } | undefined;
    if (stat?.Metric) metrics.push({ id, metric: metricOf(stat.Metric) });
    else if (typeof m.Expression === 'string') (/^\s*SELECT\b/i.test(m.Expression) ? queries : expressions).push({ id, expression: m.Expression });
  }
  return {
    stack,
    logicalId,
    alarmName: typeof p.AlarmName === 'string' ? p.AlarmName : logicalId,
    treatMissingData: typeof p.TreatMissingData === 'string' ? p.TreatMissingData : 'missing',
    metrics,
    queries,
    expressions,
  };
}

function targetKind(stack: DoctorStack, arn: unknown): RulePlan['targets'][number] {
  const [id] = referencedIds(arn).filter((r) => stack.template.Resources?.[r] !== undefined);
  const type = id === undefined ? undefined : stack.template.Resources?.[id]?.Type;
  const kind: TargetKind = type === 'AWS::SNS::Topic' ? 'topic' : type === 'AWS::Logs::LogGroup' ? 'log-group' : type === 'AWS::Lambda::Function' ? 'function' : 'other';
  return { kind, logicalId: id };
}

/** Builds the plan for one environment from its synthesized stacks and the registry's alarm settings. */
export function planFromTemplates(envName: string, stacks: readonly DoctorStack[], registryAlarms: RegistryAlarmSettings, registryRegion: string): DoctorPlan {
  const alarms: AlarmPlan[] = [];
  const rules: RulePlan[] = [];
  const topics: TopicPlan[] = [];
  const trails: TrailPlan[] = [];
  const inventories: InventoryPlan[] = [];
  const repositories: RepositoryPlan[] = [];
  for (const stack of stacks) {
    const stackAlarms = resourcesOf(stack, 'AWS::CloudWatch::Alarm').map(([id, r]) => alarmPlan(stack, id, r.Properties ?? {}));
    alarms.push(...stackAlarms);
    const stackRules = resourcesOf(stack, 'AWS::Events::Rule')
      .map(([id, r]): RulePlan => ({ stack, logicalId: id, targets: ((r.Properties?.Targets as { Arn: unknown }[] | undefined) ?? []).map((t) => targetKind(stack, t.Arn)) }))
      .filter((r) => r.targets.length > 0);
    rules.push(...stackRules);

    const subscriptions = resourcesOf(stack, 'AWS::SNS::Subscription').map(([, r]) => r.Properties ?? {});
    for (const [id, topic] of resourcesOf(stack, 'AWS::SNS::Topic')) {
      const inline = (topic.Properties?.Subscription as { Protocol: string; Endpoint: unknown }[] | undefined) ?? [];
      const emails = [
        ...inline.filter((s) => s.Protocol === 'email').map((s) => s.Endpoint),
        ...subscriptions.filter((s) => s.Protocol === 'email' && referencedIds(s.TopicArn).includes(id)).map((s) => s.Endpoint),
      ].filter((e): e is string => typeof e === 'string');
      const notifiedBy = [
        ...stackAlarms.filter((a) => {
          const p = stack.template.Resources?.[a.logicalId]?.Properties ?? {};
          return referencedIds([p.AlarmActions, p.OKActions, p.InsufficientDataActions]).includes(id);
        }).map((a) => `alarm ${a.alarmName}`),
        ...stackRules.filter((r) => r.targets.some((t) => t.logicalId === id)).map((r) => `rule ${String(stack.template.Resources?.[r.logicalId]?.Properties?.Name ?? r.logicalId)}`),
      ];
      topics.push({ stack, logicalId: id, emails, notifiedBy });
    }

    trails.push(...resourcesOf(stack, 'AWS::CloudTrail::Trail').map(([id]) => ({ stack, logicalId: id })));

    // The inventory function is the one whose environment names a metric namespace and a repository
    // (HANDLER_ENV, the variables the handler reads); its schedule is the rule that targets it.
    for (const [fnId, fn] of resourcesOf(stack, 'AWS::Lambda::Function')) {
      const vars = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      if (vars[HANDLER_ENV.namespace] === undefined || vars[HANDLER_ENV.repositoryName] === undefined) continue;
      for (const [ruleId, rule] of resourcesOf(stack, 'AWS::Events::Rule')) {
        const expression = rule.Properties?.ScheduleExpression;
        const targets = (rule.Properties?.Targets as { Arn: unknown }[] | undefined) ?? [];
        if (typeof expression !== 'string' || !targets.some((t) => referencedIds(t.Arn).includes(fnId))) continue;
        const rate = parseRateExpression(expression);
        if (!('minutes' in rate)) throw new Error(`inventory schedule ${expression} of ${stack.stackName}/${ruleId} ${rate.problem}`);
        inventories.push({
          stack,
          functionLogicalId: fnId,
          ruleLogicalId: ruleId,
          namespace: vars[HANDLER_ENV.namespace],
          repositoryName: vars[HANDLER_ENV.repositoryName],
          metricName: INVENTORY_METRICS.imageCount.name,
          repositoryDimension: REPOSITORY_DIMENSION,
          scheduleExpression: expression,
          periodMinutes: rate.minutes,
        });
      }
    }

    for (const [id, repo] of resourcesOf(stack, 'AWS::ECR::Repository')) {
      const scan = repo.Properties?.ImageScanningConfiguration as { ScanOnPush?: boolean } | undefined;
      // Unset ScanOnPush means false (AWS::ECR::Repository ImageScanningConfiguration).
      repositories.push({ stack, logicalId: id, scanOnPush: scan?.ScanOnPush === true });
    }
  }
  return {
    envName,
    stacks,
    alarms,
    rules,
    topics,
    trails,
    inventories,
    repositories,
    registry: {
      region: registryRegion,
      scanType: registryAlarms.scanType ?? ALARM_DEFAULTS.scanType,
      cloudTrail: registryAlarms.cloudTrail ?? ALARM_DEFAULTS.cloudTrail,
    },
  };
}
