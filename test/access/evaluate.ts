import { runSimulation, type EvaluationResult, type RequestAnalysis } from '@cloud-copilot/iam-simulate';
import type { LabeledPolicy, PolicyStatementJson } from './template-model';
import type { ServiceRequest } from './request-context';

/**
 * One request evaluated by @cloud-copilot/iam-simulate (AGPL-3.0, a devDependency used by these tests only)
 * against the identity policies of the caller and the resource policy of the target, with AWS's own rules:
 * explicit deny wins, same-account identity or resource allow suffices, cross-account needs both, a KMS key
 * policy must allow (or delegate to the account), a role's trust policy must allow the caller.
 *
 * What the tool cannot decide. In its strict mode (the only mode that gives a verdict) 0.1.173 drops every
 * context key its action data does not list for the request, and says so (`ignoredContextKeys`). Two kinds of
 * keys this app's policies test are dropped:
 * - the generic GitHub OIDC claims `token.actions.githubusercontent.com:sub` and `:aud` on
 *   sts:AssumeRoleWithWebIdentity (its data lists only the GitHub-specific claims such as `:repository`);
 * - `kms:EncryptionContext:<key>` when the key itself contains `:` (`aws:logs:arn`, `aws:sns:topicArn`,
 *   `aws:cloudtrail:arn`): its variable-key matching only understands `/`.
 * A dropped key makes every condition on it fail, so a correct policy would simulate as denied. Those requests
 * are evaluated again with each dropped key carried under an alias the tool keeps for every action,
 * `aws:PrincipalTag/<original key>`, in the request AND in every policy condition, so the tool's own
 * condition engine still applies the template's operators (StringEquals, ArnEquals, ...) to the template's
 * values. Discovery mode cross-checks it (test/access/access-paths.spec.ts): run without the dropped keys,
 * it leaves open exactly the conditions on those keys and nothing else.
 */

export interface AccessPolicies {
  /** Identity policies of the caller (empty for service principals and outside principals). */
  readonly identity: readonly LabeledPolicy[];
  /** The target's resource policy (trust policy for sts:AssumeRole*), if it has one. */
  readonly resource?: LabeledPolicy;
}

export interface Decision {
  readonly result: EvaluationResult;
  /** The statements that decided: the allowing ones, the denying ones, or for an implicit deny the near misses. */
  readonly decisive: readonly string[];
  /** Context keys the tool dropped in strict mode and that were evaluated under their alias. */
  readonly aliasedKeys: readonly string[];
}

const ALIAS_PREFIX = 'aws:PrincipalTag/';

/** Evaluates one request; throws if the tool refuses the input (a bug in how the path was built). */
export async function evaluate(request: ServiceRequest, policies: AccessPolicies, resourceAccount: string): Promise<Decision> {
  const first = await simulate(request, policies, resourceAccount);
  const dropped = first.ignored;
  if (dropped.length === 0) return { result: first.result, decisive: decisiveStatements(first.analysis, policies, first.result), aliasedKeys: [] };
  const aliased = await simulate(aliasRequest(request, dropped), aliasPolicies(policies, dropped), resourceAccount);
  if (aliased.ignored.length > 0) throw new Error(`iam-simulate dropped ${aliased.ignored.join(', ')} even under the alias ${ALIAS_PREFIX}: the access suite cannot decide ${request.action}`);
  return { result: aliased.result, decisive: decisiveStatements(aliased.analysis, policies, aliased.result), aliasedKeys: dropped };
}

/**
 * Discovery mode without the keys strict mode drops: the conditions the tool leaves open. Used to prove the
 * alias changes nothing but the dropped keys.
 */
export async function openConditionKeys(request: ServiceRequest, policies: AccessPolicies, resourceAccount: string, dropped: readonly string[]): Promise<string[]> {
  const lower = new Set(dropped.map((k) => k.toLowerCase()));
  const context = Object.fromEntries(Object.entries(request.context).filter(([k]) => !lower.has(k.toLowerCase())));
  // Every key the request does carry is authoritative; only the dropped ones are unknown.
  const discoveryContextKeyConstraints = Object.keys(context).map((keyName) => ({ keyName, presenceIsKnown: true as const, valueIsKnown: true as const }));
  const response = await runSimulation(simulation({ ...request, context }, policies, resourceAccount), { simulationMode: 'Discovery', discoveryContextKeyConstraints });
  if (response.resultType === 'error') throw new Error(`iam-simulate refused the discovery run: ${JSON.stringify(response.errors)}`);
  const results = response.resultType === 'single' ? [response.result] : response.results;
  const keys = new Set<string>();
  for (const r of results) {
    for (const side of Object.values(r.analysis.ignoredConditions ?? {})) {
      for (const c of [...(side?.allow ?? []), ...(side?.deny ?? [])]) keys.add(c.key.toLowerCase());
    }
  }
  return [...keys].sort();
}

interface Run {
  readonly result: EvaluationResult;
  readonly analysis?: RequestAnalysis;
  readonly ignored: string[];
}

async function simulate(request: ServiceRequest, policies: AccessPolicies, resourceAccount: string): Promise<Run> {
  const response = await runSimulation(simulation(request, policies, resourceAccount), {});
  if (response.resultType === 'error') {
    throw new Error(`iam-simulate refused ${request.principal} ${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`);
  }
  if (response.resultType === 'single') {
    return { result: response.overallResult, analysis: response.result.analysis, ignored: response.result.ignoredContextKeys ?? [] };
  }
  // A wildcard resource: one analysis per pattern; the overall result is the tool's own combination.
  const ignored = [...new Set(response.results.flatMap((r) => r.ignoredContextKeys ?? []))];
  return { result: response.overallResult, analysis: response.results[0]?.analysis, ignored };
}

function simulation(request: ServiceRequest, policies: AccessPolicies, resourceAccount: string) {
  return {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: resourceAccount },
      contextVariables: Object.fromEntries(Object.entries(request.context).map(([k, v]) => [k, typeof v === 'string' ? v : [...v]])),
    },
    identityPolicies: policies.identity.map((p) => ({ name: p.name, policy: p.document })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: policies.resource?.document,
  };
}

function aliasRequest(request: ServiceRequest, keys: readonly string[]): ServiceRequest {
  const lower = new Set(keys.map((k) => k.toLowerCase()));
  return { ...request, context: Object.fromEntries(Object.entries(request.context).map(([k, v]) => [lower.has(k.toLowerCase()) ? ALIAS_PREFIX + k : k, v])) };
}

function aliasPolicies(policies: AccessPolicies, keys: readonly string[]): AccessPolicies {
  const lower = new Set(keys.map((k) => k.toLowerCase()));
  const alias = (p: LabeledPolicy): LabeledPolicy => ({
    ...p,
    document: {
      ...p.document,
      Statement: p.document.Statement.map((s): PolicyStatementJson => {
        if (!s.Condition) return s;
        const condition = Object.fromEntries(Object.entries(s.Condition).map(([op, block]) => [
          op,
          Object.fromEntries(Object.entries(block).map(([k, v]) => [lower.has(k.toLowerCase()) ? ALIAS_PREFIX + k : k, v])),
        ]));
        return { ...s, Condition: condition };
      }),
    },
  });
  return { identity: policies.identity.map(alias), resource: policies.resource ? alias(policies.resource) : undefined };
}

type Analyzed = NonNullable<RequestAnalysis['identityAnalysis']>['allowStatements'][number];

/** Labels (`Stack/LogicalId Sid X`) of the statements that decided. */
function decisiveStatements(analysis: RequestAnalysis | undefined, policies: AccessPolicies, result: EvaluationResult): string[] {
  if (!analysis) return ['(no analysis: the resource matched no pattern of any policy)'];
  const label = (s: Analyzed, side: 'identity' | 'resource'): string => {
    const index = s.statement.index() - 1;
    const policy = side === 'resource' ? policies.resource : policies.identity.find((p) => p.name === s.policyId);
    return policy?.labels[index] ?? `${side} policy ${s.policyId ?? ''} statement #${index + 1}`;
  };
  const sides = [
    ['identity', analysis.identityAnalysis],
    ['resource', analysis.resourceAnalysis],
  ] as const;
  const pick = (f: (a: NonNullable<RequestAnalysis['identityAnalysis']> | NonNullable<RequestAnalysis['resourceAnalysis']>) => Analyzed[]) =>
    sides.flatMap(([side, a]) => (a ? f(a).map((s) => label(s, side)) : []));
  if (result === 'Allowed') return pick((a) => a.allowStatements);
  if (result === 'ExplicitlyDenied') return pick((a) => a.denyStatements);
  // Implicit deny: no statement applies. The near misses (action and principal match, the resource or a
  // condition does not) are the statements someone meant to cover this request.
  const near = pick((a) => a.unmatchedStatements.filter((s) => s.actionMatch && s.principalMatch !== 'NoMatch'));
  const allows = pick((a) => a.allowStatements);
  if (allows.length > 0) return [`allowed only by ${allows.join(', ')}, which is not enough on its own here (cross-account needs both sides; a KMS key policy must allow)`];
  return near.length > 0 ? near.map((n) => `${n} (action and principal match; its resource or condition does not)`) : ['no statement of any policy matches this action and principal'];
}
