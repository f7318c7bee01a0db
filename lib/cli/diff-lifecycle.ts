/**
 * Lifecycle-policy part of the offline diff: cdk diff shows a changed LifecyclePolicyText as one long JSON
 * string, which says nothing about which images will now expire. This finds the changed policies in two
 * templates and reads both versions out in plain English.
 */

import { explainLifecyclePolicy } from '../lifecycle/explain';
import { parseLifecyclePolicy } from '../lifecycle/policy';

/** The parts of a CloudFormation template this module reads. */
export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, { readonly Type?: string; readonly Properties?: Record<string, unknown> }>>;
}

export interface LifecyclePolicyChange {
  /** Logical ID of the AWS::ECR::Repository. */
  readonly logicalId: string;
  /** LifecyclePolicyText in the base template; `undefined` when the repository or its policy is absent. */
  readonly before: unknown;
  /** LifecyclePolicyText in the new template; `undefined` when the repository or its policy is absent. */
  readonly after: unknown;
}

const REPOSITORY_TYPE = 'AWS::ECR::Repository';

function policyTexts(template: CfnTemplate): Map<string, unknown> {
  const texts = new Map<string, unknown>();
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== REPOSITORY_TYPE) continue;
    const policy = resource.Properties?.LifecyclePolicy as { LifecyclePolicyText?: unknown } | undefined;
    texts.set(logicalId, policy?.LifecyclePolicyText);
  }
  return texts;
}

/**
 * Repositories whose LifecyclePolicyText differs between the templates (added, removed or edited), matched
 * by logical ID, sorted by logical ID. Any textual change counts: CloudFormation would update the policy.
 */
export function lifecyclePolicyChanges(base: CfnTemplate, head: CfnTemplate): LifecyclePolicyChange[] {
  const before = policyTexts(base);
  const after = policyTexts(head);
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort();
  return ids
    .filter((id) => JSON.stringify(before.get(id)) !== JSON.stringify(after.get(id)))
    .map((logicalId) => ({ logicalId, before: before.get(logicalId), after: after.get(logicalId) }));
}

/** The plain-English reading of one LifecyclePolicyText, or one line saying why there is none. */
export function explainPolicyText(text: unknown): string[] {
  if (text === undefined) return ['(no lifecycle policy: ECR keeps every image)'];
  // A token CDK could not resolve at synth time renders as an intrinsic (Fn::Join, Ref): nothing to read.
  if (typeof text !== 'string') return [`(not a literal policy, cannot be explained offline: ${JSON.stringify(text)})`];
  try {
    return explainLifecyclePolicy(parseLifecyclePolicy(text));
  } catch (e) {
    return [`(ECR would reject this policy: ${(e as Error).message})`];
  }
}

/**
 * The report block for one changed policy: the full reading under "Before (<base>)" and "After (<head>)",
 * with `-` on lines only the old policy has and `+` on lines only the new one has, so the changed rules
 * stand out in a long policy.
 */
export function formatLifecycleChange(stackName: string, change: LifecyclePolicyChange, baseLabel: string, headLabel: string): string[] {
  const before = explainPolicyText(change.before);
  const after = explainPolicyText(change.after);
  const mark = (line: string, other: readonly string[], sign: string): string => `  ${other.includes(line) ? ' ' : sign} ${line}`;
  const lines = [`Lifecycle policy of ${stackName} ${change.logicalId} changed:`];
  lines.push(`  Before (${baseLabel}):`, ...before.map((l) => mark(l, after, '-')));
  lines.push(`  After (${headLabel}):`, ...after.map((l) => mark(l, before, '+')));
  if (JSON.stringify(before) === JSON.stringify(after)) {
    lines.push('  (same rules: only the JSON text changed)');
  }
  return lines;
}
