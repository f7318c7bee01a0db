/**
 * Does every alarm watch a metric that exists, with exactly its dimensions? CloudWatch treats each
 * combination of dimensions as a separate metric: an alarm that names one dimension too many or too few
 * watches a metric nobody publishes and never sees data
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html, Dimensions).
 *
 * ListMetrics returns every metric that has at least the dimensions asked for, and only metrics with data in
 * the last two weeks; a new metric can take up to 15 minutes to appear
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html).
 * So: a metric with exactly the alarm's set passes; one published only with a different set of dimension
 * names (an extra dimension such as Class=None, or one missing) fails; nothing at all is only a failure when
 * the alarm treats missing data as breaching; otherwise it is normal for a metric published only when
 * something happens, and the check is skipped, saying so.
 */
import { CloudWatchClient, Dimension, DimensionFilter, ListMetricsCommand, Metric } from '@aws-sdk/client-cloudwatch';
import { AlarmPlan, TemplateMetric } from '../plan';
import { CheckContext, CheckResult, dimensionsText, fail, guarded, pass, skip } from '../result';
import { TemplateResolver } from '../resolve';

/** At most this many pages of 500 per query: enough to find variants of one metric. */
const MAX_PAGES = 2;

async function listMetrics(cw: CloudWatchClient, namespace: string, metricName: string, dimensions: readonly DimensionFilter[]): Promise<Metric[]> {
  const found: Metric[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const r = await cw.send(new ListMetricsCommand({ Namespace: namespace, MetricName: metricName, Dimensions: dimensions.length > 0 ? [...dimensions] : undefined, NextToken: token }));
    found.push(...(r.Metrics ?? []));
    token = r.NextToken;
    if (!token) break;
  }
  return found;
}

const names = (dims: readonly Dimension[]) => dims.map((d) => d.Name).sort().join('\u0000');

function sameSet(a: readonly Dimension[], b: readonly Dimension[]): boolean {
  return a.length === b.length && a.every((d) => b.some((x) => x.Name === d.Name && x.Value === d.Value));
}

/**
 * A published variant of the alarm's metric: a different set of dimension NAMES that agrees on every name
 * both have and shares at least one name and value. (A different value for the same name is another
 * resource, e.g. another repository, not a mistake in the alarm.)
 */
function isVariant(published: readonly Dimension[], wanted: readonly Dimension[]): boolean {
  if (names(published) === names(wanted)) return false;
  const shared = published.filter((d) => wanted.some((w) => w.Name === d.Name));
  return shared.length > 0 && shared.every((d) => wanted.some((w) => w.Name === d.Name && w.Value === d.Value));
}

type Finding =
  | { readonly kind: 'exact' }
  | { readonly kind: 'variant'; readonly published: readonly (readonly Dimension[])[] }
  | { readonly kind: 'absent' };

/** Looks for the exact metric, then for variants: with more dimensions, and (two or more wanted) with one fewer. */
async function findMetric(cw: CloudWatchClient, namespace: string, metricName: string, wanted: readonly Dimension[]): Promise<Finding> {
  const superset = await listMetrics(cw, namespace, metricName, wanted);
  if (superset.some((m) => sameSet(m.Dimensions ?? [], wanted))) return { kind: 'exact' };
  const variants = superset.map((m) => m.Dimensions ?? []).filter((d) => isVariant(d, wanted));
  if (variants.length === 0 && wanted.length >= 2) {
    for (const left of wanted) {
      const rest = wanted.filter((d) => d !== left);
      for (const m of await listMetrics(cw, namespace, metricName, rest)) {
        const dims = m.Dimensions ?? [];
        if (isVariant(dims, wanted) && !variants.some((v) => sameSet(v, dims))) variants.push(dims);
      }
    }
  }
  return variants.length > 0 ? { kind: 'variant', published: variants.slice(0, 3) } : { kind: 'absent' };
}

function resolveDimensions(resolver: TemplateResolver, metric: TemplateMetric): { dims: Dimension[] } | { problem: string } {
  const dims: Dimension[] = [];
  for (const d of metric.dimensions) {
    const r = resolver.resolve(d.value);
    if ('unresolved' in r) return { problem: `dimension ${d.name} cannot be resolved (${r.unresolved})` };
    dims.push({ Name: d.name, Value: r.value });
  }
  return { dims };
}

/**
 * The equality filters of a Metrics Insights query (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html):
 * `SELECT FUNC(metric) FROM namespace | SCHEMA(namespace, key, ...) [WHERE key = 'value' AND ...] [GROUP BY ...]`.
 * Other operators (!=, LIKE, IN, OR) are not parsed: the query is then reported as not checked.
 */
export function parseInsightsQuery(query: string): { namespace: string; metricName: string; where: Dimension[]; schemaKeys?: string[] } | undefined {
  const m = /^\s*SELECT\s+\w+\(\s*("(?:[^"\\]|\\.)*"|\w+)\s*\)\s+FROM\s+(SCHEMA\(([^)]*)\)|"(?:[^"\\]|\\.)*"|[\w/]+)\s*(?:WHERE\s+(.*?))?\s*(?:GROUP\s+BY\b.*|ORDER\s+BY\b.*|LIMIT\b.*)?$/is.exec(query);
  if (!m) return undefined;
  const unquote = (s: string) => s.trim().replace(/^"(.*)"$/s, '$1');
  const metricName = unquote(m[1]);
  let namespace: string;
  let schemaKeys: string[] | undefined;
  if (m[3] !== undefined) {
    const parts = m[3].split(',').map(unquote);
    namespace = parts[0];
    schemaKeys = parts.slice(1);
  } else {
    namespace = unquote(m[2]);
  }
  const where: Dimension[] = [];
  if (m[4] !== undefined) {
    for (const clause of m[4].split(/\s+AND\s+/i)) {
      const eq = /^\s*("(?:[^"\\]|\\.)*"|\w+)\s*=\s*'((?:[^'\\]|\\.)*)'\s*$/.exec(clause);
      if (!eq) return undefined;
      where.push({ Name: unquote(eq[1]), Value: eq[2] });
    }
  }
  return { namespace, metricName, where, schemaKeys };
}

/** One alarm: every metric it reads, every Metrics Insights query, the math expressions named. */
export async function checkAlarmMetrics(alarm: AlarmPlan, ctx: CheckContext): Promise<CheckResult> {
  const check = `alarm ${alarm.alarmName}`;
  const { resolver } = ctx.deployed(alarm.stack);
  if (!resolver) return skip(check, `stack ${alarm.stack.stackName} is not deployed`);
  return guarded(check, alarm.stack.region, 'cloudwatch:ListMetrics', async () => {
    const cw = ctx.clients(alarm.stack.region).cloudwatch;
    const failures: { detail: string; fix: string }[] = [];
    const confirmed: string[] = [];
    const unpublished: string[] = [];
    const unknown: string[] = [];
    const breaching = alarm.treatMissingData === 'breaching';
    const absent = (what: string) => {
      if (breaching) {
        failures.push({
          detail: `${what} has no data in the last two weeks, and the alarm treats missing data as breaching: it is in ALARM`,
          fix: 'make whatever publishes it run (see the other checks), or correct the namespace, metric name or dimensions of the alarm',
        });
      } else {
        unpublished.push(what);
      }
    };
    for (const { metric } of alarm.metrics) {
      const resolved = resolveDimensions(resolver, metric);
      const label = (dims: readonly Dimension[]) => `${metric.namespace} ${metric.metricName} ${dimensionsText(dims)}`;
      if ('problem' in resolved) {
        unknown.push(`${metric.namespace} ${metric.metricName}: ${resolved.problem}`);
        continue;
      }
      const finding = await findMetric(cw, metric.namespace, metric.metricName, resolved.dims);
      if (finding.kind === 'exact') confirmed.push(label(resolved.dims));
      else if (finding.kind === 'absent') absent(label(resolved.dims));
      else {
        failures.push({
          detail: `${label(resolved.dims)} is never published with exactly these dimensions, only as ${finding.published.map((d) => dimensionsText(d)).join(' or ')}: the alarm never sees data`,
          fix: `give the alarm exactly the published dimension set (or alarm on a Metrics Insights query, whose FROM <namespace> matches any dimension set), then ${alarm.stack.deployCommand}`,
        });
      }
    }
    for (const { id, expression } of alarm.queries) {
      const q = parseInsightsQuery(expression);
      if (!q) {
        unknown.push(`Metrics Insights query ${id} uses clauses the doctor does not evaluate: check its graph in the CloudWatch console`);
        continue;
      }
      const found = await listMetrics(cw, q.namespace, q.metricName, q.where);
      const keys = q.schemaKeys?.slice().sort().join('\u0000');
      const matching = keys === undefined ? found : found.filter((m) => names(m.Dimensions ?? []) === keys);
      const what = `query ${id} (${q.namespace} ${q.metricName} ${dimensionsText(q.where)}${q.schemaKeys ? `, exactly the keys ${q.schemaKeys.join(', ')}` : ''})`;
      if (matching.length > 0) confirmed.push(`${what} matches ${matching.length} metric(s)`);
      else absent(what);
    }
    const notes = alarm.expressions.length > 0 ? `; computed by ${alarm.expressions.map((e) => e.expression).join(', ')}` : '';
    const quota = alarm.expressions.some((e) => /SERVICE_QUOTA\s*\(/i.test(e.expression)) ? ' (SERVICE_QUOTA() itself is not checked: the metric must be linked to a Service Quotas quota)' : '';
    if (failures.length > 0) return fail(check, failures.map((f) => f.detail).join('; '), [...new Set(failures.map((f) => f.fix))].join('; '));
    if (unpublished.length > 0 || unknown.length > 0) {
      return skip(check, [
        ...(unpublished.length > 0 ? [`not published in the last two weeks, normal while nothing has happened (treatMissingData=${alarm.treatMissingData}), rerun after it has been: ${unpublished.join(', ')}`] : []),
        ...unknown,
        ...(confirmed.length > 0 ? [`published with exactly their dimensions: ${confirmed.join(', ')}`] : []),
      ].join('; '));
    }
    return pass(check, `${confirmed.join('; ')}: published with exactly these dimensions${notes}${quota}`);
  });
}
