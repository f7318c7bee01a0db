import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeGuardRule } from '../../governance/control-tower';
import { denyGrantsNotForAwsResources, newLogGroupKey } from '../../governance/kms-key-policy';

/** Props for {@link ManagementEventTrail}. */
export interface ManagementEventTrailProps {
  /** Trail name, unique per account and region. */
  readonly trailName: string;
  /**
   * Days the log files (and their noncurrent versions) are kept in the bucket.
   * @default 365
   */
  readonly logRetentionDays?: number;
}

/**
 * A single-region CloudTrail trail that logs read and write management events, so that "AWS API Call via
 * CloudTrail" events (denied ECR calls, pushes) reach EventBridge in this account and region at all
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html).
 *
 * Cost: the first copy of management events in a region is free; every further trail logging them in the
 * same region is charged ($2.00 per 100,000 events, https://aws.amazon.com/cloudtrail/pricing/ and
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-trail-manage-costs.html). Where an
 * organization or account trail already logs management events here, rely on it instead of creating this.
 *
 * Log files are encrypted with a customer managed key (SSE-KMS), the bucket is TLS-only, blocks public access,
 * is versioned, expires old logs and is retained when the stack is deleted (it is audit evidence).
 */
export class ManagementEventTrail extends Construct {
  readonly trail: cloudtrail.Trail;
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ManagementEventTrailProps) {
    super(scope, id);
    const days = props.logRetentionDays ?? 365;
    if (!(Number.isInteger(days) && days >= 1)) {
      throw new Error(`ManagementEventTrail: logRetentionDays must be a positive whole number of days, got ${JSON.stringify(days)}`);
    }
    const stack = Stack.of(this);
    const trailArn = stack.formatArn({ service: 'cloudtrail', resource: 'trail', resourceName: props.trailName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });

    // Retained with the bucket: log files encrypted with it must stay readable as long as they are kept.
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the log files of the ${props.trailName} CloudTrail trail`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The statements AWS requires for a trail's key, scoped to this trail with aws:SourceArn as AWS recommends:
    // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudTrailToEncryptLogs',
      principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
      actions: ['kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceArn': trailArn },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*` },
      },
    }));
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudTrailToDescribeKey',
      principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
      actions: ['kms:DescribeKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceArn': trailArn } },
    }));
    // Control Tower CT.KMS.PR.3.
    this.key.addToResourcePolicy(denyGrantsNotForAwsResources());

    this.bucket = new s3.Bucket(this, 'Bucket', {
      // Control Tower CT.S3.PR.10: default encryption with a KMS key. CloudTrail encrypts each log file with the
      // trail's key anyway; the bucket default covers anything else written here. No S3 Bucket Key: with one,
      // CloudTrail would also need kms:Decrypt on the key to create the trail
      // (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html).
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{
        id: 'expire-trail-logs',
        expiration: Duration.days(days),
        noncurrentVersionExpiration: Duration.days(days),
      }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: 'CloudTrail log bucket: only CloudTrail writes to it (bucket policy), log file integrity validation proves every file unchanged, and server access logs would need yet another retained bucket',
    });

    // Exceptions Control Tower allows for an architecture this stack does not have (docs/governance.md).
    acknowledgeGuardRule(this.bucket, 'CT.S3.PR.2',
      'CloudTrail log bucket: server access logs would need another retained bucket; log file validation and the trail itself record every write');
    acknowledgeGuardRule(this.bucket, 'CT.S3.PR.4',
      'CloudTrail log bucket: nothing consumes object events; the same events reach EventBridge and CloudWatch Logs directly from the trail');
    acknowledgeGuardRule(this.bucket, 'CT.S3.PR.9',
      'CloudTrail log bucket: S3 Object Lock (WORM) is a compliance-retention architecture this stack does not run; log file integrity validation detects tampering');

    // Control Tower CT.CLOUDTRAIL.PR.3: the trail also delivers to CloudWatch Logs (KMS-encrypted, kept one year,
    // CT.CLOUDWATCH.PR.2/3). CloudWatch Logs ingestion is charged per GB (docs/monitoring.md, cost).
    const logGroupName = `/aws/cloudtrail/${props.trailName}`;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName,
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: newLogGroupKey(this, 'LogKey', logGroupName, RemovalPolicy.RETAIN),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.trail = new cloudtrail.Trail(this, 'Trail', {
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: this.logGroup,
      trailName: props.trailName,
      bucket: this.bucket,
      encryptionKey: this.key,
      // One region: the alarms watch this region's events, and each region's first copy is free.
      isMultiRegionTrail: false,
      includeGlobalServiceEvents: false,
      // Read AND write: GetAuthorizationToken, BatchGetImage and GetDownloadUrlForLayer are read-only events.
      managementEvents: cloudtrail.ReadWriteType.ALL,
      enableFileValidation: true,
    });
    // CDK's Trail adds DependsOn on its CloudWatch Logs role, which its GetAtt already implies: cfn-lint W3005
    // (a warning about a redundant dependency, harmless to CloudFormation). Silence that one check here only.
    const cfnTrail = this.trail.node.defaultChild as cloudtrail.CfnTrail;
    cfnTrail.cfnOptions.metadata = { ...cfnTrail.cfnOptions.metadata, 'cfn-lint': { config: { ignore_checks: ['W3005'] } } };
  }
}
