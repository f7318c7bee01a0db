import { ArnFormat, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';

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

/**
 * A customer-managed key for one CloudWatch Logs group (Control Tower CT.CLOUDWATCH.PR.3). CloudWatch Logs
 * encrypts with it as `logs.<region>.amazonaws.com` and passes the log group ARN as encryption context, so the
 * condition ties the key to this one log group ("Encrypt log data in CloudWatch Logs using AWS KMS", step 2:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html). Writers (the awslogs
 * driver, EventBridge, Lambda, CloudTrail) and readers need no kms:* permission of their own: CloudWatch Logs
 * uses the key. Deleting the key makes the logs unreadable, so it lives as long as the log group.
 */
export function newLogGroupKey(scope: Construct, id: string, logGroupName: string, removalPolicy: RemovalPolicy): kms.Key {
  const stack = Stack.of(scope);
  const key = new kms.Key(scope, id, {
    description: `Encrypts CloudWatch Logs group ${logGroupName}`,
    enableKeyRotation: true,
    removalPolicy,
  });
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudWatchLogsForThisLogGroup',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.${(!Token.isUnresolved(stack.region) && RegionInfo.get(stack.region).domainSuffix) || stack.urlSuffix}`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnEquals: {
        'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      },
    },
  }));
  // Control Tower CT.KMS.PR.3.
  key.addToResourcePolicy(denyGrantsNotForAwsResources());
  return key;
}
