import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * The registry as a user would write it: an encrypted repository with a lifecycle policy, two encrypted alarm
 * topics, ECR events to a log group and the topic, a CloudTrail trail to S3 and CloudWatch Logs, an inventory
 * function bundled by NodejsFunction (local esbuild), alarms and a dashboard. The same resource types, in the same
 * numbers, as the app's registry stack (test/bench/peer-app.spec.ts checks the types).
 */
export class PeerRegistryStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props: cdk.StackProps) {
    super(scope, id, props);
    const newKey = (keyId: string) => new kms.Key(this, keyId, { enableKeyRotation: true, removalPolicy: cdk.RemovalPolicy.RETAIN });

    const repository = new ecr.Repository(this, 'Repository', {
      repositoryName: 'peer',
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: newKey('RepositoryKey'),
      lifecycleRules: [
        { rulePriority: 1, description: 'untagged', tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: cdk.Duration.days(7) },
        { rulePriority: 2, description: 'releases', tagPatternList: ['v*'], maxImageCount: 50 },
        { rulePriority: 3, description: 'the rest', tagStatus: ecr.TagStatus.ANY, maxImageCount: 200 },
      ],
    });

    const alarmTopic = new sns.Topic(this, 'AlarmTopic', { topicName: 'peer-alarms', masterKey: newKey('AlarmTopicKey'), enforceSSL: true });
    const fallbackTopic = new sns.Topic(this, 'FallbackTopic', { topicName: 'peer-alarms-fallback', masterKey: newKey('FallbackTopicKey'), enforceSSL: true });
    const alarmAction = new cwActions.SnsAction(alarmTopic);

    const eventLog = new logs.LogGroup(this, 'EventLog', {
      logGroupName: '/aws/events/peer',
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: newKey('EventLogKey'),
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    // Permission through the log group's resource policy (the stock CloudWatchLogGroup target adds a custom resource).
    eventLog.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [eventLog.logGroupArn],
    }));
    const logTarget: events.IRuleTarget = { bind: () => ({ arn: eventLog.logGroupArn }) };
    const toLogAndTopic = [logTarget, new targets.SnsTopic(alarmTopic)];
    const ecrRule = (ruleId: string, detailType: string, detail?: Record<string, unknown>) =>
      new events.Rule(this, ruleId, { eventPattern: { source: ['aws.ecr'], detailType: [detailType], detail: { 'repository-name': [repository.repositoryName], ...detail } }, targets: toLogAndTopic });
    ecrRule('ImagePushes', 'ECR Image Action', { 'action-type': ['PUSH'] });
    ecrRule('ImageDeletions', 'ECR Image Action', { 'action-type': ['DELETE'] });
    ecrRule('ScanFindings', 'ECR Image Scan', { 'finding-severity-counts': { CRITICAL: [{ numeric: ['>', 0] }] } });
    ecrRule('ScanFailures', 'ECR Image Scan', { 'scan-status': ['FAILED'] });
    ecrRule('LifecycleExpirations', 'ECR Lifecycle Policy Action');

    const trailBucket = new s3.Bucket(this, 'TrailBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: newKey('TrailKey'),
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ expiration: cdk.Duration.days(365) }],
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    const trailLog = new logs.LogGroup(this, 'TrailLog', { retention: logs.RetentionDays.ONE_YEAR, encryptionKey: newKey('TrailLogKey'), removalPolicy: cdk.RemovalPolicy.RETAIN });
    new cloudtrail.Trail(this, 'Trail', { bucket: trailBucket, isMultiRegionTrail: false, sendToCloudWatchLogs: true, cloudWatchLogGroup: trailLog, enableFileValidation: true });
    const authFailures = new events.Rule(this, 'AuthFailures', {
      eventPattern: { source: ['aws.ecr'], detailType: ['AWS API Call via CloudTrail'], detail: { errorCode: ['AccessDenied'] } },
      targets: [logTarget],
    });

    const inventoryLog = new logs.LogGroup(this, 'InventoryLog', { retention: logs.RetentionDays.ONE_YEAR, encryptionKey: newKey('InventoryLogKey'), removalPolicy: cdk.RemovalPolicy.RETAIN });
    const inventory = new NodejsFunction(this, 'Inventory', {
      entry: path.join(__dirname, '..', '..', '..', '..', 'lib', 'inventory', 'handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: cdk.Duration.minutes(5),
      logGroup: inventoryLog,
      retryAttempts: 0,
      environment: { REPOSITORY_NAME: repository.repositoryName },
      bundling: { externalModules: ['@aws-sdk/*'], minify: true },
    });
    repository.grant(inventory, 'ecr:DescribeImages');
    inventory.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:PutMetricData'], resources: ['*'], conditions: { StringEquals: { 'cloudwatch:namespace': 'Peer' } } }));
    new events.Rule(this, 'InventorySchedule', { schedule: events.Schedule.rate(cdk.Duration.hours(1)), targets: [new targets.LambdaFunction(inventory)] });

    const metric = (namespace: string, metricName: string, dimensionsMap: Record<string, string>) => new cloudwatch.Metric({ namespace, metricName, dimensionsMap, period: cdk.Duration.minutes(5) });
    const alarm = (alarmId: string, m: cloudwatch.IMetric, threshold: number, action: cwActions.SnsAction = alarmAction) => {
      const a = new cloudwatch.Alarm(this, alarmId, { metric: m, threshold, evaluationPeriods: 1, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING });
      a.addAlarmAction(action);
      return a;
    };
    const repo = { RepositoryName: repository.repositoryName };
    const alarms = [
      alarm('ImageCount', metric('AWS/ECR', 'RepositoryImageCount', repo), 80000),
      alarm('ApiUsageAuth', metric('AWS/Usage', 'CallCount', { Service: 'ECR', Type: 'API', Resource: 'GetAuthorizationToken', Class: 'None' }), 400),
      alarm('ApiUsagePull', metric('AWS/Usage', 'CallCount', { Service: 'ECR', Type: 'API', Resource: 'BatchGetImage', Class: 'None' }), 1600),
      alarm('PullAnomaly', metric('AWS/ECR', 'RepositoryPullCount', repo), 1000),
      alarm('AuthFailuresAlarm', metric('AWS/Events', 'MatchedEvents', { RuleName: authFailures.ruleName }), 5),
      alarm('DeliveryFailures', metric('AWS/Events', 'FailedInvocations', { RuleName: authFailures.ruleName }), 1, new cwActions.SnsAction(fallbackTopic)),
      alarm('SizeBudget', metric('Peer', 'RepositorySizeBytes', repo), 200 * 1024 ** 3),
      alarm('SizeRegression', metric('Peer', 'ReleaseSizeChangePercent', repo), 20),
      alarm('InventoryFailures', inventory.metricErrors(), 1),
      alarm('InventoryStopped', metric('Peer', 'ImageCount', repo), 1),
    ];
    new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: 'peer',
      widgets: [
        [new cloudwatch.TextWidget({ markdown: '# Registry', width: 24, height: 2 })],
        [new cloudwatch.AlarmStatusWidget({ alarms, width: 24 })],
        [new cloudwatch.GraphWidget({ title: 'Pulls', left: [metric('AWS/ECR', 'RepositoryPullCount', repo)], width: 12 }), new cloudwatch.GraphWidget({ title: 'Size', left: [metric('Peer', 'RepositorySizeBytes', repo)], width: 12 })],
      ],
    });

    new cdk.CfnOutput(this, 'RepositoryName', { value: repository.repositoryName });
    new cdk.CfnOutput(this, 'RepositoryArn', { value: repository.repositoryArn });
    new cdk.CfnOutput(this, 'RepositoryUri', { value: repository.repositoryUri });
    new cdk.CfnOutput(this, 'LoginCommand', { value: `aws ecr get-login-password | docker login --username AWS --password-stdin ${repository.repositoryUri}` });
  }
}
