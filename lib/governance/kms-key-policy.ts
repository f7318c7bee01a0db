import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * Key policy statement required by Control Tower CT.KMS.PR.3: nobody may create a grant on the key unless an
 * AWS service integrated with KMS asks for it on their behalf (`kms:GrantIsForAWSResource`, e.g. ECR
 * encrypting layers) or the caller is an AWS service itself (`aws:PrincipalIsAWSService`). Both false means
 * a person or role is handing out key access directly, which no part of this app does.
 * kms:GrantIsForAWSResource: https://docs.aws.amazon.com/kms/latest/developerguide/grant-authorization.html
 * The rule wants exactly this shape: Deny, Principal "*", Action kms:CreateGrant, Resource "*", BoolIfExists
 * with both keys "false" (rules/control-tower/cfn-guard/keymanagementservice/ct-kms-pr-3.guard).
 */
export function denyGrantsNotForAwsResources(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyGrantsNotForAwsResources',
    effect: iam.Effect.DENY,
    principals: [new iam.StarPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  });
}
