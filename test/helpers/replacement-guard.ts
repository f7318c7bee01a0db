import { fullDiff, ResourceImpact } from '@aws-cdk/cloudformation-diff';

/**
 * Resource types that hold state a replacement would lose: images (ECR), logs, keys (and everything
 * they encrypt), topics (e-mail subscriptions must be re-confirmed) and the Signer profile (a replaced
 * profile has a new name: every image signed by the old one fails the promotion gate's signature check).
 */
export const STATEFUL_TYPES: readonly string[] = ['AWS::ECR::Repository', 'AWS::Logs::LogGroup', 'AWS::KMS::Key', 'AWS::SNS::Topic', 'AWS::Signer::SigningProfile'];

const DANGEROUS: readonly ResourceImpact[] = [ResourceImpact.WILL_REPLACE, ResourceImpact.MAY_REPLACE, ResourceImpact.WILL_DESTROY, ResourceImpact.WILL_ORPHAN];

export interface StatefulChange {
  readonly logicalId: string;
  readonly type: string;
  readonly impact: ResourceImpact;
}

/**
 * What CloudFormation would do to stateful resources going from `baseline` to `current`, using the CDK
 * CLI's own diff engine (which knows which property changes force a replacement). A changed logical ID
 * shows up as WILL_DESTROY (or WILL_ORPHAN under RETAIN) of the old resource: just as dangerous.
 * `@aws-cdk/assert`'s MatchStyle.NO_REPLACES misses that case and flags every task-definition revision,
 * hence this narrower, stricter check.
 */
export function dangerousStatefulChanges(baseline: object, current: object): StatefulChange[] {
  const diff = fullDiff(baseline as never, current as never);
  const out: StatefulChange[] = [];
  diff.resources.forEachDifference((logicalId, change) => {
    const type = change.oldResourceType ?? change.newResourceType ?? '';
    if (STATEFUL_TYPES.includes(type) && DANGEROUS.includes(change.changeImpact)) {
      out.push({ logicalId, type, impact: change.changeImpact });
    }
  });
  return out;
}

/** Only the stateful resources of a template (for `@aws-cdk/assert`'s NO_REPLACES, which judges whole templates). */
export function statefulSubset(template: object): { Resources: Record<string, unknown> } {
  const resources = (template as { Resources?: Record<string, { Type: string }> }).Resources ?? {};
  return { Resources: Object.fromEntries(Object.entries(resources).filter(([, r]) => STATEFUL_TYPES.includes(r.Type))) };
}
