/**
 * What each AWS service integration actually sends when it calls another service for this app: which
 * principal makes the call, which action on which resource, and which condition keys the request carries.
 * One row per integration, each with the AWS documentation it comes from (checked 2026-12). The access-path
 * suite builds every request from here; nothing else in test/access/ invents a principal or a context key.
 *
 * A key a service does not send is absent from its request: a policy condition on it then fails (or, with
 * `...IfExists`, passes), exactly as on a real account. That is the point of the table: the EventBridge to
 * encrypted-topic row sends no `aws:SourceAccount`, so a key policy that asks for it denies every delivery.
 */

/** One call a service (or a client) makes. */
export interface ServiceRequest {
  /** Service principal (`events.amazonaws.com`), role session ARN, OIDC provider ARN or IAM role ARN. */
  readonly principal: string;
  readonly action: string;
  /** ARN of the resource, or `*` for actions without resource-level permissions. */
  readonly resource: string;
  /** Condition keys the request carries, and nothing else. */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

/** One row of the table. */
export interface IntegrationRow {
  /** Who calls whom, in words. */
  readonly what: string;
  /** The condition keys the caller sends (and, where it matters, does not send). */
  readonly context: string;
  /** The AWS (or GitHub) pages the row comes from. */
  readonly docs: readonly string[];
}

/** The table. Keys are referenced from access paths; {@link row} renders one for a failure message. */
export const INTEGRATIONS = {
  eventBridgeToTopic: {
    what: 'an EventBridge rule publishes its target input to an SNS topic (sns:Publish as events.amazonaws.com)',
    context: 'none that a topic policy may test: "You can\'t use Condition blocks in Amazon SNS topic policies for EventBridge"',
    docs: ['https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions'],
  },
  eventBridgeToTopicKey: {
    what: 'SNS encrypts what an EventBridge rule publishes to an encrypted topic with the topic\'s KMS key, as events.amazonaws.com (kms:GenerateDataKey, kms:Decrypt)',
    context: 'kms:EncryptionContext:aws:sns:topicArn = the topic (SNS sets it on every data key of the topic); NOT aws:SourceAccount, aws:SourceArn or aws:SourceOrgID: adding them to the key policy "is not supported" for EventBridge',
    docs: [
      'https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services',
      'https://docs.aws.amazon.com/sns/latest/dg/sns-enable-encryption-for-topic.html',
    ],
  },
  alarmToTopic: {
    what: 'a CloudWatch alarm action publishes to an SNS topic (sns:Publish as cloudwatch.amazonaws.com)',
    context: 'aws:SourceAccount = the alarm\'s account, aws:SourceArn = the alarm\'s ARN',
    docs: [
      'https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services',
      'https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger',
    ],
  },
  alarmToTopicKey: {
    what: 'SNS encrypts an alarm notification with the topic\'s KMS key, as cloudwatch.amazonaws.com (kms:GenerateDataKey, kms:Decrypt)',
    context: 'aws:SourceAccount and aws:SourceArn of the alarm (supported for CloudWatch, unlike EventBridge), kms:EncryptionContext:aws:sns:topicArn = the topic',
    docs: [
      'https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services',
      'https://docs.aws.amazon.com/sns/latest/dg/sns-enable-encryption-for-topic.html',
    ],
  },
  eventBridgeToLogGroup: {
    what: 'an EventBridge rule writes its events to a CloudWatch Logs group (logs:CreateLogStream, logs:PutLogEvents as events.amazonaws.com, on a log stream of the group)',
    context: 'none (the log group resource policy grants by principal and resource)',
    docs: ['https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-cloudwatchlogs-permissions'],
  },
  ruleInvokesFunction: {
    what: 'an EventBridge rule (here the inventory schedule) invokes a Lambda function (lambda:InvokeFunction as events.amazonaws.com)',
    context: 'aws:SourceArn = the rule\'s ARN (what the function policy\'s SourceArn becomes)',
    docs: [
      'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-lambda-permissions',
      'https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html',
    ],
  },
  cloudTrailToBucket: {
    what: 'CloudTrail checks the bucket ACL (s3:GetBucketAcl) and writes log files under AWSLogs/<account>/ (s3:PutObject) as cloudtrail.amazonaws.com',
    context: 'aws:SourceArn = the trail\'s ARN, aws:SourceAccount = its account; s3:x-amz-acl = bucket-owner-full-control on PutObject',
    docs: ['https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html'],
  },
  cloudTrailToKey: {
    what: 'CloudTrail encrypts log files with the trail\'s KMS key (kms:GenerateDataKey) and reads its configuration (kms:DescribeKey) as cloudtrail.amazonaws.com',
    context: 'aws:SourceArn = the trail\'s ARN; GenerateDataKey also kms:EncryptionContext:aws:cloudtrail:arn = the trail\'s ARN',
    docs: ['https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html'],
  },
  cloudTrailToLogGroup: {
    what: 'CloudTrail assumes the trail\'s CloudWatch Logs role (sts:AssumeRole as cloudtrail.amazonaws.com), and that role session writes the log group (logs:CreateLogStream, logs:PutLogEvents)',
    context: 'none',
    docs: ['https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html'],
  },
  logsToKey: {
    what: 'CloudWatch Logs encrypts and decrypts a log group\'s data with the group\'s KMS key as logs.<region>.amazonaws.com (kms:GenerateDataKey, kms:Encrypt, kms:Decrypt)',
    context: 'kms:EncryptionContext:aws:logs:arn = the log group\'s ARN (without the :* suffix)',
    docs: ['https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html'],
  },
  taskExecutionRole: {
    what: 'ECS assumes a task\'s execution role (sts:AssumeRole as ecs-tasks.amazonaws.com); the Fargate agent then pulls the image with it (ecr:GetAuthorizationToken on *, ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on the repository, in its own or another account) and writes the awslogs group (logs:CreateLogStream, logs:PutLogEvents)',
    context: 'none; a repository in another account must also allow the role\'s account in its repository policy. No KMS permission: ECR decrypts layers with its own grant on the repository key',
    docs: [
      'https://docs.aws.amazon.com/AmazonECR/latest/userguide/ECR_on_ECS.html',
      'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html',
      'https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html',
    ],
  },
  lambdaExecutionRole: {
    what: 'Lambda assumes a function\'s execution role (sts:AssumeRole as lambda.amazonaws.com); the function then calls AWS with that role session',
    context: 'none on the role; cloudwatch:PutMetricData carries cloudwatch:namespace = the request\'s Namespace',
    docs: [
      'https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html',
      'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html',
    ],
  },
  githubOidc: {
    what: 'a GitHub Actions job exchanges its OIDC token for the CI push role (sts:AssumeRoleWithWebIdentity, principal: the account\'s token.actions.githubusercontent.com provider)',
    context: 'token.actions.githubusercontent.com:aud = sts.amazonaws.com (aws-actions/configure-aws-credentials\' audience); :sub = repo:<owner>/<repo>:environment:<name> for a job in a GitHub environment, repo:<owner>/<repo>:pull_request for a pull request, else repo:<owner>/<repo>:ref:<git ref>',
    docs: [
      'https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims',
      'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html',
    ],
  },
  dockerPush: {
    what: 'docker push with the CI push role session: the calls the ECR user guide lists for pushing',
    context: 'none',
    docs: ['https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html'],
  },
  sdkCalls: {
    what: 'a program of this repository (npm run promote, the inventory function) or anyone holding one of its role sessions calls the AWS API with it; every call a program makes is recorded by running it against a mocked client, and the IAM action of an API operation is <service prefix>:<operation>, authorized on the resource type the Service Authorization Reference lists for it (ecr:DescribeImageSigningStatus: repository; signer:SignPayload, StartSigningJob, GetSigningProfile, CancelSigningProfile: signing-profile; signer:RevokeSignature: signing-job; signer:PutSigningProfile and ECR\'s registry settings: none, so "*")',
    context: 'none beyond what the operation itself defines',
    docs: [
      'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html',
      'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssigner.html',
      'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html',
    ],
  },
  ecrManagedSigning: {
    what: 'ECR managed signing signs each push to a repository that a rule of the registry\'s signing configuration matches, with that rule\'s Signer profile, "using the identity of the entity pushing the image": signer:SignPayload as the pusher\'s own session (here the CI push role\'s) on the profile, arn:<partition>:signer:<region>:<account>:/signing-profiles/<name>. A rule without repository filters matches every repository; WILDCARD_MATCH filters match the whole name, * standing for any run of characters',
    context: 'none: the guide documents the identity only, and no condition key ECR would add to the SignPayload it makes on the pusher\'s behalf (SignPayload\'s one service key, signer:ProfileVersion, is tested by no policy of this app)',
    docs: [
      'https://docs.aws.amazon.com/AmazonECR/latest/userguide/managed-signing.html',
      'https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutSigningConfiguration.html',
      'https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_SigningRule.html',
      'https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_SigningRepositoryFilter.html',
      'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssigner.html',
    ],
  },
  strangerAccount: {
    what: 'a principal of an account this app does not configure, with every permission its own account can give it (an identity policy allowing the action on *)',
    context: 'none',
    docs: ['https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html'],
  },
} as const satisfies Record<string, IntegrationRow>;

export type IntegrationId = keyof typeof INTEGRATIONS;

/** `id: what [docs]`, for failure messages. */
export function row(id: IntegrationId): string {
  const r: IntegrationRow = INTEGRATIONS[id];
  return `${id}: ${r.what}; sends ${r.context} (${r.docs.join(', ')})`;
}

/** `aws-actions/configure-aws-credentials`' default audience. */
export const GITHUB_AUDIENCE = 'sts.amazonaws.com';
const GITHUB_OIDC_KEY_PREFIX = 'token.actions.githubusercontent.com';

/** The calls the ECR user guide lists for `docker push` ("IAM permissions for pushing an image"). */
export const DOCKER_PUSH_ACTIONS = [
  'ecr:GetAuthorizationToken',
  'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
] as const;

/** The calls the ECS/Fargate agent makes to pull an image ("Using Amazon ECR images with Amazon ECS"). */
export const IMAGE_PULL_ACTIONS = ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] as const;

/** KMS calls SNS makes on a publisher's behalf ("Enable compatibility between event sources ... and encrypted topics"). */
export const TOPIC_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;

/** KMS calls CloudWatch Logs makes for an encrypted log group (its key policy statement covers Encrypt*, Decrypt*, GenerateDataKey*). */
export const LOG_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt'] as const;

/** The awslogs driver and Lambda write logs with these two calls. */
export const LOG_WRITE_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'] as const;

/**
 * The Signer actions of the denied paths and the resource type each is authorized on (Service Authorization
 * Reference, "Actions defined by AWS Signer", https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssigner.html):
 * signing-profile is arn:<partition>:signer:<region>:<account>:/signing-profiles/<name>, signing-job is
 * arn:<partition>:signer:<region>:<account>:/signing-jobs/<job id>, and PutSigningProfile has none ("*").
 * iam-simulate refuses a request whose resource does not have the action's type, so a wrong form fails the path.
 */
export const SIGNER_ACTION_RESOURCE_TYPES = {
  'signer:SignPayload': 'signing-profile',
  'signer:StartSigningJob': 'signing-profile',
  'signer:PutSigningProfile': '*',
  'signer:RevokeSignature': 'signing-job',
  'signer:CancelSigningProfile': 'signing-profile',
  'signer:GetSigningProfile': 'signing-profile',
} as const;
export type SignerAction = keyof typeof SIGNER_ACTION_RESOURCE_TYPES;
export const SIGNER_ACTIONS = Object.keys(SIGNER_ACTION_RESOURCE_TYPES) as SignerAction[];

/**
 * The registry-wide ECR settings (signing, scanning, replication): one per account and region, with no resource
 * type in the Service Authorization Reference (list_amazonelasticcontainerregistry.html), so Resource is "*".
 */
export const ECR_REGISTRY_SETTINGS_ACTIONS = ['ecr:PutSigningConfiguration', 'ecr:DeleteSigningConfiguration', 'ecr:PutRegistryScanningConfiguration', 'ecr:PutReplicationConfiguration'] as const;

/** A signing job of the profile's account and region, for actions authorized on signing-job. */
const EXAMPLE_SIGNING_JOB_ID = '6d2b5f1e-0c3a-4e8b-9f71-2a4c8e0d13b7';

/** The resource `action` is authorized on, for a request about the signing profile `profileArn`. */
export function signerResource(action: SignerAction, profileArn: string): string {
  const m = /^(arn:[^:]+:signer:[^:]+:\d{12}):\/signing-profiles\/[A-Za-z0-9_]+$/.exec(profileArn);
  if (!m) throw new Error(`not a Signer signing profile ARN (without version): ${profileArn}`);
  switch (SIGNER_ACTION_RESOURCE_TYPES[action]) {
    case 'signing-profile': return profileArn;
    case 'signing-job': return `${m[1]}:/signing-jobs/${EXAMPLE_SIGNING_JOB_ID}`;
    case '*': return '*';
  }
}

/** Request builders, one per row: the only place a request context is written down. */
export const requests = {
  eventBridgeToTopic: (topicArn: string): ServiceRequest => ({ principal: 'events.amazonaws.com', action: 'sns:Publish', resource: topicArn, context: {} }),

  eventBridgeToTopicKey: (action: string, keyArn: string, topicArn: string): ServiceRequest => ({
    principal: 'events.amazonaws.com',
    action,
    resource: keyArn,
    context: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn },
  }),

  alarmToTopic: (topicArn: string, alarmArn: string): ServiceRequest => ({
    principal: 'cloudwatch.amazonaws.com',
    action: 'sns:Publish',
    resource: topicArn,
    context: { 'aws:SourceAccount': arnAccount(alarmArn), 'aws:SourceArn': alarmArn },
  }),

  alarmToTopicKey: (action: string, keyArn: string, topicArn: string, alarmArn: string): ServiceRequest => ({
    principal: 'cloudwatch.amazonaws.com',
    action,
    resource: keyArn,
    context: { 'aws:SourceAccount': arnAccount(alarmArn), 'aws:SourceArn': alarmArn, 'kms:EncryptionContext:aws:sns:topicArn': topicArn },
  }),

  eventBridgeToLogGroup: (action: string, logGroupArn: string, ruleName: string): ServiceRequest => ({
    principal: 'events.amazonaws.com',
    action,
    resource: logStreamArn(logGroupArn, ruleName),
    context: {},
  }),

  ruleInvokesFunction: (functionArn: string, ruleArn: string): ServiceRequest => ({
    principal: 'events.amazonaws.com',
    action: 'lambda:InvokeFunction',
    resource: functionArn,
    context: { 'aws:SourceArn': ruleArn },
  }),

  cloudTrailGetBucketAcl: (bucketArn: string, trailArn: string): ServiceRequest => ({
    principal: 'cloudtrail.amazonaws.com',
    action: 's3:GetBucketAcl',
    resource: bucketArn,
    context: { 'aws:SourceArn': trailArn, 'aws:SourceAccount': arnAccount(trailArn) },
  }),

  cloudTrailPutObject: (bucketArn: string, trailArn: string): ServiceRequest => ({
    principal: 'cloudtrail.amazonaws.com',
    action: 's3:PutObject',
    resource: `${bucketArn}/AWSLogs/${arnAccount(trailArn)}/CloudTrail/${arnRegion(trailArn)}/2026/12/01/log.json.gz`,
    context: { 'aws:SourceArn': trailArn, 'aws:SourceAccount': arnAccount(trailArn), 's3:x-amz-acl': 'bucket-owner-full-control' },
  }),

  cloudTrailGenerateDataKey: (keyArn: string, trailArn: string): ServiceRequest => ({
    principal: 'cloudtrail.amazonaws.com',
    action: 'kms:GenerateDataKey',
    resource: keyArn,
    context: { 'aws:SourceArn': trailArn, 'kms:EncryptionContext:aws:cloudtrail:arn': trailArn },
  }),

  cloudTrailDescribeKey: (keyArn: string, trailArn: string): ServiceRequest => ({
    principal: 'cloudtrail.amazonaws.com',
    action: 'kms:DescribeKey',
    resource: keyArn,
    context: { 'aws:SourceArn': trailArn },
  }),

  serviceAssumesRole: (service: string, roleArn: string): ServiceRequest => ({ principal: service, action: 'sts:AssumeRole', resource: roleArn, context: {} }),

  logsToKey: (action: string, region: string, keyArn: string, logGroupArn: string): ServiceRequest => ({
    principal: `logs.${region}.amazonaws.com`,
    action,
    resource: keyArn,
    context: { 'kms:EncryptionContext:aws:logs:arn': logGroupArn.replace(/:\*$/, '') },
  }),

  sessionCall: (sessionArn: string, action: string, resource: string, context: Record<string, string> = {}): ServiceRequest => ({ principal: sessionArn, action, resource, context }),

  ecrManagedSigning: (pusherSessionArn: string, profileArn: string): ServiceRequest => ({ principal: pusherSessionArn, action: 'signer:SignPayload', resource: signerResource('signer:SignPayload', profileArn), context: {} }),

  githubOidc: (providerArn: string, roleArn: string, sub: string, aud: string = GITHUB_AUDIENCE): ServiceRequest => ({
    principal: providerArn,
    action: 'sts:AssumeRoleWithWebIdentity',
    resource: roleArn,
    context: { [`${GITHUB_OIDC_KEY_PREFIX}:sub`]: sub, [`${GITHUB_OIDC_KEY_PREFIX}:aud`]: aud },
  }),
} as const;

/** GitHub's `sub` claim for a job: in a GitHub environment, for a pull request, or on a branch. */
export const githubSubject = {
  branch: (repository: string, branch: string) => `repo:${repository}:ref:refs/heads/${branch}`,
  environment: (repository: string, environment: string) => `repo:${repository}:environment:${environment}`,
  pullRequest: (repository: string) => `repo:${repository}:pull_request`,
};

/** The session ARN of a role assumed by a service or workflow (what the role's callers are). */
export function roleSession(roleArn: string, sessionName: string): string {
  const m = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  if (!m) throw new Error(`not an IAM role ARN: ${roleArn}`);
  return `arn:${m[1]}:sts::${m[2]}:assumed-role/${m[3]}/${sessionName}`;
}

/** A log stream of the group: CreateLogStream and PutLogEvents are authorized on the stream's ARN. */
export function logStreamArn(logGroupArn: string, stream: string): string {
  return `${logGroupArn.replace(/:\*$/, '')}:log-stream:${stream}`;
}

export function arnAccount(arn: string): string {
  return arn.split(':')[4];
}

export function arnRegion(arn: string): string {
  return arn.split(':')[3];
}
