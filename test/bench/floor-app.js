// The floor for `npm run bench`: what CDK itself costs to synthesize one of each resource type the app
// uses, with CDK's template validation as configured, but none of the app's own work: plain JavaScript
// (no ts-node/swc), no cdk-nag, one stack, no asset bundling. test/bench/floor-app.test.ts checks that it
// still holds every resource type the app synthesizes.
const { App, Duration, RemovalPolicy, Stack } = require('aws-cdk-lib');
const cloudwatch = require('aws-cdk-lib/aws-cloudwatch');
const cwActions = require('aws-cdk-lib/aws-cloudwatch-actions');
const ecr = require('aws-cdk-lib/aws-ecr');
const ecs = require('aws-cdk-lib/aws-ecs');
const events = require('aws-cdk-lib/aws-events');
const targets = require('aws-cdk-lib/aws-events-targets');
const iam = require('aws-cdk-lib/aws-iam');
const kms = require('aws-cdk-lib/aws-kms');
const lambda = require('aws-cdk-lib/aws-lambda');
const logs = require('aws-cdk-lib/aws-logs');
const sns = require('aws-cdk-lib/aws-sns');
const s3 = require('aws-cdk-lib/aws-s3');
const cloudtrail = require('aws-cdk-lib/aws-cloudtrail');

/** Adds the floor stack to `app` and returns it. */
function buildFloor(app) {
  const stack = new Stack(app, 'Floor', { env: { region: 'us-east-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY });
  const repository = new ecr.Repository(stack, 'Repository', { repositoryName: 'floor', encryptionKey: key, imageScanOnPush: true });
  const topic = new sns.Topic(stack, 'Topic', { masterKey: key, enforceSSL: true });
  const logGroup = new logs.LogGroup(stack, 'LogGroup', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
  logGroup.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.ServicePrincipal('events.amazonaws.com')], actions: ['logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  const bucket = new s3.Bucket(stack, 'Bucket', { enforceSSL: true, removalPolicy: RemovalPolicy.DESTROY });
  new cloudtrail.Trail(stack, 'Trail', { bucket, isMultiRegionTrail: false });
  new iam.OidcProviderNative(stack, 'Oidc', { url: 'https://token.actions.githubusercontent.com', clientIds: ['sts.amazonaws.com'] });
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  new iam.Policy(stack, 'Policy', {
    roles: [role],
    statements: [new iam.PolicyStatement({ actions: ['ecr:DescribeImages'], resources: [repository.repositoryArn] })],
  });
  const fn = new lambda.Function(stack, 'Function', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
    role,
    logGroup,
    retryAttempts: 0,
  });
  const rule = new events.Rule(stack, 'Rule', { schedule: events.Schedule.rate(Duration.hours(1)), targets: [new targets.LambdaFunction(fn)] });
  const alarm = new cloudwatch.Alarm(stack, 'Alarm', {
    metric: new cloudwatch.Metric({ namespace: 'AWS/Events', metricName: 'MatchedEvents', dimensionsMap: { RuleName: rule.ruleName } }),
    threshold: 1,
    evaluationPeriods: 1,
  });
  alarm.addAlarmAction(new cwActions.SnsAction(topic));
  new cloudwatch.Dashboard(stack, 'Dashboard', { widgets: [[new cloudwatch.AlarmStatusWidget({ alarms: [alarm] })]] });
  const task = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 256, memoryLimitMiB: 512 });
  task.addContainer('app', { image: ecs.ContainerImage.fromEcrRepository(repository, 'v1'), logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'app', logGroup }) });
  return stack;
}

module.exports = { buildFloor };

if (require.main === module) {
  const app = new App();
  buildFloor(app);
  app.synth();
}
