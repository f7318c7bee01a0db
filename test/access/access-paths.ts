import type { AccessPolicies } from './evaluate';
import {
  arnAccount,
  arnRegion,
  DOCKER_PUSH_ACTIONS,
  ECR_REGISTRY_SETTINGS_ACTIONS,
  githubSubject,
  IMAGE_PULL_ACTIONS,
  IntegrationId,
  LOG_KEY_ACTIONS,
  LOG_WRITE_ACTIONS,
  requests,
  roleSession,
  ServiceRequest,
  SIGNER_ACTIONS,
  signerResource,
  TOPIC_KEY_ACTIONS,
} from './request-context';
import { AppModel, LabeledPolicy, ModelResource } from './template-model';

/**
 * Every access path of the app, built from the templates: who calls (a service, a role session, a workflow,
 * a stranger), what it calls, on which resource, with the request context of test/access/request-context.ts,
 * and which policies AWS evaluates for it. The expectation (allow or deny) is the only thing written here;
 * principals, actions, resources and policies all come from the templates or the configuration.
 */

/** An account nothing in the configuration names. */
export const STRANGER_ACCOUNT = '333333333333';

export interface AccessPath {
  /** Unique, readable: `allow: <who> <action> on <what>`. */
  readonly title: string;
  readonly expect: 'allow' | 'deny';
  readonly integration: IntegrationId;
  readonly request: ServiceRequest;
  readonly policies: AccessPolicies;
  /** Account that owns the resource (the principal's account decides same- vs cross-account). */
  readonly resourceAccount: string;
}

/** What the configuration says about the CI push role: who may assume it. */
export interface PushRoleFacts {
  readonly githubRepository: string;
  readonly branches: readonly string[];
  readonly environments: readonly string[];
  /**
   * The Signer profile every push must be signed with (`registry.settings.signing`, in the registry's account and
   * region): `npm run promote` and the inventory require a signature by it, so the push role must sign with it
   * whether or not this app's templates hold the signing configuration (`registry.settings.manage`).
   */
  readonly signingProfileArn?: string;
}

/** The role session a service or workflow gets, with the role's identity policies. */
interface Session {
  readonly arn: string;
  readonly who: string;
  readonly identity: readonly LabeledPolicy[];
}

export function accessPaths(model: AppModel, pushRole: PushRoleFacts): AccessPath[] {
  const paths: AccessPath[] = [];
  const add = (expect: AccessPath['expect'], integration: IntegrationId, who: string, what: string, request: ServiceRequest, policies: AccessPolicies, resourceAccount: string) =>
    paths.push({ title: `${expect}: ${who} ${request.action} on ${what}`, expect, integration, request, policies, resourceAccount });
  const repositories = model.resources('AWS::ECR::Repository');
  if (repositories.length === 0) throw new Error('no AWS::ECR::Repository in any template');

  // ---- The CI push role: who may assume it, what it may do to the repository. ----
  const ci = ciPushRole(model);
  const repoRoles = repositoryRoles(model, repositories, ci);
  const ciArn = model.arn(ci);
  const trust = model.trustPolicy(ci);
  // The account's provider, as IAM names it: arn:<partition>:iam::<account>:oidc-provider/<issuer>.
  const provider = `arn:aws:iam::${ci.stack.account}:oidc-provider/token.actions.githubusercontent.com`;
  const repo = pushRole.githubRepository;
  const [owner, name] = repo.split('/');
  const assume = (expect: AccessPath['expect'], what: string, sub: string, aud?: string) =>
    add(expect, 'githubOidc', `a workflow of ${what}`, 'the CI push role', requests.githubOidc(provider, ciArn, sub, aud), { identity: [], resource: trust }, ci.stack.account);
  for (const b of pushRole.branches) assume('allow', `${repo} on branch ${b}`, githubSubject.branch(repo, b));
  for (const e of pushRole.environments) assume('allow', `${repo} in GitHub environment ${e}`, githubSubject.environment(repo, e));
  assume('deny', `another repository (${owner}-fork/${name}) on branch ${pushRole.branches[0] ?? 'main'}`, githubSubject.branch(`${owner}-fork/${name}`, pushRole.branches[0] ?? 'main'));
  assume('deny', `another owner's ${name} in environment ${pushRole.environments[0] ?? 'prod'}`, githubSubject.environment(`not-${owner}/${name}`, pushRole.environments[0] ?? 'prod'));
  assume('deny', `${repo} on an unlisted branch (feature/x)`, githubSubject.branch(repo, 'feature/x'));
  assume('deny', `${repo} in an unlisted GitHub environment (sandbox)`, githubSubject.environment(repo, 'sandbox'));
  assume('deny', `${repo} for a pull request`, githubSubject.pullRequest(repo));
  assume('deny', `${repo} on branch ${pushRole.branches[0] ?? 'main'} with a token for another audience`, githubSubject.branch(repo, pushRole.branches[0] ?? 'main'), 'https://github.com/' + owner);

  const ciSession: Session = { arn: roleSession(ciArn, 'GitHubActions'), who: 'the CI push role', identity: model.identityPolicies(ci) };
  for (const [r, { kind, label: repoLabel }] of repoRoles) {
    const repoArn = model.arn(r);
    const policies: AccessPolicies = { identity: ciSession.identity, resource: model.resourcePolicy(r) };
    // The push role may read the replica (the promotion gate's replica check, DescribeImages) and nothing else
    // there; the source takes the pushes.
    if (kind === 'replica') {
      add('allow', 'sdkCalls', ciSession.who, repoLabel, requests.sessionCall(ciSession.arn, 'ecr:DescribeImages', repoArn), policies, r.stack.account);
      for (const action of DOCKER_PUSH_ACTIONS.filter((a) => a !== 'ecr:GetAuthorizationToken')) {
        add('deny', 'dockerPush', ciSession.who, repoLabel, requests.sessionCall(ciSession.arn, action, repoArn), policies, r.stack.account);
      }
    } else {
      for (const action of DOCKER_PUSH_ACTIONS) {
        const resource = action === 'ecr:GetAuthorizationToken' ? '*' : repoArn;
        add('allow', 'dockerPush', ciSession.who, resource === '*' ? '*' : model.physicalName(r), requests.sessionCall(ciSession.arn, action, resource), policies, r.stack.account);
      }
    }
    for (const action of ['ecr:BatchDeleteImage', 'ecr:SetRepositoryPolicy', 'ecr:DeleteRepositoryPolicy', 'ecr:PutLifecyclePolicy', 'ecr:DeleteLifecyclePolicy', 'ecr:PutImageTagMutability', 'ecr:DeleteRepository']) {
      add('deny', 'sdkCalls', ciSession.who, repoLabel, requests.sessionCall(ciSession.arn, action, repoArn), policies, r.stack.account);
    }
    if (kind === 'source') signingPaths(model, r, pushRole, ciSession, add);
    // An account nothing configures, whose own admin grants everything: the repository policy must refuse it.
    const stranger = `arn:aws:sts::${STRANGER_ACCOUNT}:assumed-role/admin/someone`;
    const strangerPolicy: LabeledPolicy = {
      name: 'StrangerAdmin',
      document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] },
      labels: [`account ${STRANGER_ACCOUNT}'s own admin policy`],
    };
    for (const action of IMAGE_PULL_ACTIONS.filter((a) => a !== 'ecr:GetAuthorizationToken')) {
      add('deny', 'strangerAccount', `a role of unconfigured account ${STRANGER_ACCOUNT}`, repoLabel, requests.sessionCall(stranger, action, repoArn), { identity: [strangerPolicy], resource: model.resourcePolicy(r) }, r.stack.account);
    }
  }

  // ---- Each environment's task: ECS assumes the execution role, which pulls the image and writes logs. ----
  for (const td of model.resources('AWS::ECS::TaskDefinition')) {
    const p = model.props(td);
    const role = mustFind(model, String(p.ExecutionRoleArn), `${model.label(td)} ExecutionRoleArn`);
    const roleArn = model.arn(role);
    const env = td.stack.stackName;
    add('allow', 'taskExecutionRole', 'ecs-tasks.amazonaws.com', `${env}'s task execution role`, requests.serviceAssumesRole('ecs-tasks.amazonaws.com', roleArn), { identity: [], resource: model.trustPolicy(role) }, role.stack.account);
    const session: Session = { arn: roleSession(roleArn, 'ecs-task'), who: `${env}'s task execution role (account ${role.stack.account})`, identity: model.identityPolicies(role) };
    for (const container of p.ContainerDefinitions as Array<{ Name: string; Image: string; LogConfiguration?: { Options?: Record<string, string> } }>) {
      const image = parseImage(container.Image, model.label(td));
      const repository = model.byArn(image.repositoryArn);
      if (!repository) {
        throw new Error(`${model.label(td)} container ${container.Name} runs ${container.Image}, but no template has a repository ${image.repositoryArn}: every task would fail with CannotPullContainerError`);
      }
      const policies: AccessPolicies = { identity: session.identity, resource: model.resourcePolicy(repository) };
      for (const action of IMAGE_PULL_ACTIONS) {
        const resource = action === 'ecr:GetAuthorizationToken' ? '*' : image.repositoryArn;
        add('allow', 'taskExecutionRole', session.who, resource === '*' ? '*' : `${image.repositoryArn} (its image)`, requests.sessionCall(session.arn, action, resource), policies, resource === '*' ? role.stack.account : image.account);
      }
      const group = container.LogConfiguration?.Options?.['awslogs-group'];
      if (group) logWrites(model, session, logGroupNamed(model, td, group), add);
    }
  }

  // ---- The inventory function: Lambda assumes its role; the schedule invokes it; it may not delete or spoof AWS/. ----
  for (const fn of model.resources('AWS::Lambda::Function')) {
    const p = model.props(fn);
    const role = mustFind(model, String(p.Role), `${model.label(fn)} Role`);
    const roleArn = model.arn(role);
    add('allow', 'lambdaExecutionRole', 'lambda.amazonaws.com', `${model.physicalName(fn)}'s role`, requests.serviceAssumesRole('lambda.amazonaws.com', roleArn), { identity: [], resource: model.trustPolicy(role) }, role.stack.account);
    const session: Session = { arn: roleSession(roleArn, model.physicalName(fn)), who: `function ${model.physicalName(fn)}`, identity: model.identityPolicies(role) };
    const logGroup = (p.LoggingConfig as { LogGroup?: string } | undefined)?.LogGroup;
    if (logGroup) logWrites(model, session, logGroupNamed(model, fn, logGroup), add);
    // The function inventories the source: it deletes images in no repository, and touches the replica not at all.
    for (const [r, { kind, label }] of repoRoles) {
      add('deny', 'sdkCalls', session.who, label, requests.sessionCall(session.arn, 'ecr:BatchDeleteImage', model.arn(r)), { identity: session.identity, resource: model.resourcePolicy(r) }, r.stack.account);
      if (kind === 'source') inventorySigningPaths(model, r, pushRole, session, add);
    }
    for (const namespace of ['AWS/ECR', 'AWS/Usage']) {
      add('deny', 'lambdaExecutionRole', session.who, `* into namespace ${namespace}`, requests.sessionCall(session.arn, 'cloudwatch:PutMetricData', '*', { 'cloudwatch:namespace': namespace }), { identity: session.identity }, fn.stack.account);
    }
    for (const rule of rulesTargeting(model, model.arn(fn))) {
      add('allow', 'ruleInvokesFunction', `rule ${model.physicalName(rule)}`, `function ${model.physicalName(fn)}`, requests.ruleInvokesFunction(model.arn(fn), model.arn(rule)), { identity: [], resource: model.resourcePolicy(fn) }, fn.stack.account);
    }
  }

  // ---- Notifications: each notifying rule and each alarm reaches its topic, including the topic's key. ----
  const targeted = new Set<string>();
  for (const rule of model.resources('AWS::Events::Rule')) {
    for (const t of (model.props(rule).Targets as Array<{ Arn: string }>) ?? []) {
      const target = model.byArn(t.Arn);
      if (target?.type !== 'AWS::SNS::Topic') continue;
      targeted.add(model.label(target));
      const topicArn = model.arn(target);
      const who = `rule ${model.physicalName(rule)}`;
      add('allow', 'eventBridgeToTopic', who, `topic ${model.physicalName(target)}`, requests.eventBridgeToTopic(topicArn), { identity: [], resource: model.resourcePolicy(target) }, target.stack.account);
      const key = topicKey(model, target);
      if (!key) continue;
      for (const action of TOPIC_KEY_ACTIONS) {
        add('allow', 'eventBridgeToTopicKey', who, `the key of topic ${model.physicalName(target)}`, requests.eventBridgeToTopicKey(action, model.arn(key), topicArn), { identity: [], resource: model.resourcePolicy(key) }, key.stack.account);
      }
    }
  }
  const alarmTopics = new Map<string, ModelResource>();
  for (const alarm of model.resources('AWS::CloudWatch::Alarm')) {
    const a = model.props(alarm);
    const actions = new Set([...(a.AlarmActions as string[] ?? []), ...(a.OKActions as string[] ?? []), ...(a.InsufficientDataActions as string[] ?? [])]);
    for (const arn of actions) {
      const topic = model.byArn(arn);
      if (topic?.type !== 'AWS::SNS::Topic') continue;
      alarmTopics.set(model.label(topic), topic);
      const alarmArn = model.arn(alarm);
      const who = `alarm ${model.physicalName(alarm)}`;
      add('allow', 'alarmToTopic', who, `topic ${model.physicalName(topic)}`, requests.alarmToTopic(arn, alarmArn), { identity: [], resource: model.resourcePolicy(topic) }, topic.stack.account);
      const key = topicKey(model, topic);
      if (!key) continue;
      for (const action of TOPIC_KEY_ACTIONS) {
        add('allow', 'alarmToTopicKey', who, `the key of topic ${model.physicalName(topic)}`, requests.alarmToTopicKey(action, model.arn(key), arn, alarmArn), { identity: [], resource: model.resourcePolicy(key) }, key.stack.account);
      }
    }
  }
  // Other accounts' EventBridge and CloudWatch must not use the topics or their keys; EventBridge must not use
  // a topic no rule targets (the fallback topic admits CloudWatch only).
  for (const topic of model.resources('AWS::SNS::Topic')) {
    const topicArn = model.arn(topic);
    const key = topicKey(model, topic);
    const strangerTopic = `arn:aws:sns:${topic.stack.region}:${STRANGER_ACCOUNT}:${model.physicalName(topic)}`;
    const strangerAlarm = `arn:aws:cloudwatch:${topic.stack.region}:${STRANGER_ACCOUNT}:alarm:${model.physicalName(topic)}`;
    const topicPolicies: AccessPolicies = { identity: [], resource: model.resourcePolicy(topic) };
    add('deny', 'alarmToTopic', `an alarm of account ${STRANGER_ACCOUNT}`, `topic ${model.physicalName(topic)}`, requests.alarmToTopic(topicArn, strangerAlarm), topicPolicies, topic.stack.account);
    if (!targeted.has(model.label(topic))) {
      add('deny', 'eventBridgeToTopic', 'an EventBridge rule', `topic ${model.physicalName(topic)}, which no rule targets`, requests.eventBridgeToTopic(topicArn), topicPolicies, topic.stack.account);
    }
    if (!key) continue;
    const keyPolicies: AccessPolicies = { identity: [], resource: model.resourcePolicy(key) };
    add('deny', 'eventBridgeToTopicKey', `EventBridge for a topic of account ${STRANGER_ACCOUNT}`, `the key of topic ${model.physicalName(topic)}`, requests.eventBridgeToTopicKey('kms:GenerateDataKey', model.arn(key), strangerTopic), keyPolicies, key.stack.account);
    add('deny', 'alarmToTopicKey', `an alarm of account ${STRANGER_ACCOUNT}`, `the key of topic ${model.physicalName(topic)}`, requests.alarmToTopicKey('kms:GenerateDataKey', model.arn(key), strangerTopic, strangerAlarm), keyPolicies, key.stack.account);
    if (!targeted.has(model.label(topic))) {
      add('deny', 'eventBridgeToTopicKey', 'an EventBridge rule', `the key of topic ${model.physicalName(topic)}, which no rule targets`, requests.eventBridgeToTopicKey('kms:GenerateDataKey', model.arn(key), topicArn), keyPolicies, key.stack.account);
    }
  }

  // ---- Counting rules write their events to a log group. ----
  for (const rule of model.resources('AWS::Events::Rule')) {
    for (const t of (model.props(rule).Targets as Array<{ Arn: string }>) ?? []) {
      const target = model.byArn(t.Arn);
      if (target?.type !== 'AWS::Logs::LogGroup') continue;
      for (const action of LOG_WRITE_ACTIONS) {
        add('allow', 'eventBridgeToLogGroup', `rule ${model.physicalName(rule)}`, `log group ${model.physicalName(target)}`, requests.eventBridgeToLogGroup(action, model.arn(target), model.physicalName(rule)), { identity: [], resource: model.resourcePolicy(target) }, target.stack.account);
      }
    }
  }

  // ---- CloudTrail writes its bucket, key and log group; another account's trail does not. ----
  for (const trail of model.resources('AWS::CloudTrail::Trail')) {
    const t = model.props(trail);
    const trailArn = model.arn(trail);
    const who = `trail ${model.physicalName(trail)}`;
    const bucket = model.resources('AWS::S3::Bucket').find((b) => model.physicalName(b) === t.S3BucketName);
    if (!bucket) throw new Error(`${model.label(trail)} writes to bucket ${String(t.S3BucketName)}, which no template has`);
    const bucketPolicies: AccessPolicies = { identity: [], resource: model.resourcePolicy(bucket) };
    const bucketArn = model.arn(bucket);
    add('allow', 'cloudTrailToBucket', who, `bucket ${model.physicalName(bucket)}`, requests.cloudTrailGetBucketAcl(bucketArn, trailArn), bucketPolicies, bucket.stack.account);
    add('allow', 'cloudTrailToBucket', who, `bucket ${model.physicalName(bucket)}/AWSLogs/${trail.stack.account}/`, requests.cloudTrailPutObject(bucketArn, trailArn), bucketPolicies, bucket.stack.account);
    const strangerTrail = trailArn.replace(`:${trail.stack.account}:`, `:${STRANGER_ACCOUNT}:`);
    add('deny', 'cloudTrailToBucket', `a trail of account ${STRANGER_ACCOUNT}`, `bucket ${model.physicalName(bucket)}`, requests.cloudTrailPutObject(bucketArn, strangerTrail), bucketPolicies, bucket.stack.account);
    if (t.KMSKeyId) {
      const key = mustFind(model, String(t.KMSKeyId), `${model.label(trail)} KMSKeyId`);
      const keyPolicies: AccessPolicies = { identity: [], resource: model.resourcePolicy(key) };
      add('allow', 'cloudTrailToKey', who, 'its key', requests.cloudTrailGenerateDataKey(model.arn(key), trailArn), keyPolicies, key.stack.account);
      add('allow', 'cloudTrailToKey', who, 'its key', requests.cloudTrailDescribeKey(model.arn(key), trailArn), keyPolicies, key.stack.account);
      add('deny', 'cloudTrailToKey', `a trail of account ${STRANGER_ACCOUNT}`, `the key of ${who}`, requests.cloudTrailGenerateDataKey(model.arn(key), strangerTrail), keyPolicies, key.stack.account);
    }
    if (t.CloudWatchLogsRoleArn && t.CloudWatchLogsLogGroupArn) {
      const role = mustFind(model, String(t.CloudWatchLogsRoleArn), `${model.label(trail)} CloudWatchLogsRoleArn`);
      add('allow', 'cloudTrailToLogGroup', 'cloudtrail.amazonaws.com', `${who}'s CloudWatch Logs role`, requests.serviceAssumesRole('cloudtrail.amazonaws.com', model.arn(role)), { identity: [], resource: model.trustPolicy(role) }, role.stack.account);
      const session: Session = { arn: roleSession(model.arn(role), 'CloudTrail'), who: `${who}'s CloudWatch Logs role`, identity: model.identityPolicies(role) };
      logWrites(model, session, mustFind(model, String(t.CloudWatchLogsLogGroupArn), `${model.label(trail)} CloudWatchLogsLogGroupArn`), add);
    }
  }

  // ---- Each log group's key serves that log group and no other. ----
  const groups = model.resources('AWS::Logs::LogGroup').filter((g) => model.props(g).KmsKeyId !== undefined);
  for (const g of groups) {
    const key = mustFind(model, String(model.props(g).KmsKeyId), `${model.label(g)} KmsKeyId`);
    const keyPolicies: AccessPolicies = { identity: [], resource: model.resourcePolicy(key) };
    for (const action of LOG_KEY_ACTIONS) {
      add('allow', 'logsToKey', `CloudWatch Logs for ${model.physicalName(g)}`, 'its key', requests.logsToKey(action, g.stack.region, model.arn(key), model.arn(g)), keyPolicies, key.stack.account);
    }
    for (const other of groups) {
      if (other === g || other.stack.account !== g.stack.account || other.stack.region !== g.stack.region) continue;
      add('deny', 'logsToKey', `CloudWatch Logs for ${model.physicalName(other)}`, `the key of ${model.physicalName(g)}`, requests.logsToKey('kms:GenerateDataKey', g.stack.region, model.arn(key), model.arn(other)), keyPolicies, key.stack.account);
    }
  }

  const titles = new Set<string>();
  for (const p of paths) {
    if (titles.has(p.title)) throw new Error(`two access paths are titled ${JSON.stringify(p.title)}: make the titles unique`);
    titles.add(p.title);
  }
  return paths;
}

type AddPath = (expect: AccessPath['expect'], integration: IntegrationId, who: string, what: string, request: ServiceRequest, policies: AccessPolicies, resourceAccount: string) => void;

/** A repository's part in the registry, and how path titles name it. */
interface RepositoryRole {
  /** `source` takes the pushes; a `replica` (registry.replicaRegion) is written by ECR replication only. */
  readonly kind: 'source' | 'replica';
  /** The repository name, with `(replica in <region>)` for a replica. */
  readonly label: string;
}

/**
 * Each repository's role, in template order: the source lives where the CI push role does (the registry stack);
 * a repository in any other region is a replica.
 */
function repositoryRoles(model: AppModel, repositories: readonly ModelResource[], ci: ModelResource): Map<ModelResource, RepositoryRole> {
  return new Map(repositories.map((r) => {
    const name = model.physicalName(r);
    const role: RepositoryRole = r.stack.region === ci.stack.region ? { kind: 'source', label: name } : { kind: 'replica', label: `${name} (replica in ${r.stack.region})` };
    return [r, role];
  }));
}

/**
 * The inventory function in the source repository: it reads the signing status of recent releases (its signing
 * check) there and nowhere else; it never signs nor touches Signer.
 */
function inventorySigningPaths(model: AppModel, r: ModelResource, pushRole: PushRoleFacts, session: Session, add: AddPath): void {
  const policies: AccessPolicies = { identity: session.identity, resource: model.resourcePolicy(r) };
  add('allow', 'sdkCalls', session.who, model.physicalName(r), requests.sessionCall(session.arn, 'ecr:DescribeImageSigningStatus', model.arn(r)), policies, r.stack.account);
  const other = otherRepositoryArn(model, r);
  add('deny', 'sdkCalls', session.who, `${other.name} (another repository of account ${r.stack.account})`, requests.sessionCall(session.arn, 'ecr:DescribeImageSigningStatus', other.arn), { identity: session.identity }, r.stack.account);
  for (const profileArn of signingProfilesFor(model, r, pushRole).keys()) {
    for (const action of SIGNER_ACTIONS) {
      const resource = signerResource(action, profileArn);
      add('deny', 'sdkCalls', session.who, signerTarget(resource, profileArn), requests.sessionCall(session.arn, action, resource), { identity: session.identity, resource: profilePolicy(model, resource) }, arnAccount(profileArn));
    }
  }
}

/**
 * ECR managed signing and the push role: ECR signs each push with the pusher's identity, so the push role must
 * sign with every profile a signing rule applies to its repository, and with the configured one; it must not
 * sign with any other profile (another name, or the same name in another account or region), use Signer
 * otherwise, change the registry's signing, scanning or replication settings, or read signing statuses
 * outside its repository.
 */
function signingPaths(model: AppModel, r: ModelResource, pushRole: PushRoleFacts, ci: Session, add: AddPath): void {
  const repoName = model.physicalName(r);
  const repoPolicies: AccessPolicies = { identity: ci.identity, resource: model.resourcePolicy(r) };
  add('allow', 'sdkCalls', ci.who, repoName, requests.sessionCall(ci.arn, 'ecr:DescribeImageSigningStatus', model.arn(r)), repoPolicies, r.stack.account);
  const other = otherRepositoryArn(model, r);
  add('deny', 'sdkCalls', ci.who, `${other.name} (another repository of account ${r.stack.account})`, requests.sessionCall(ci.arn, 'ecr:DescribeImageSigningStatus', other.arn), { identity: ci.identity }, r.stack.account);
  for (const action of ECR_REGISTRY_SETTINGS_ACTIONS) {
    add('deny', 'sdkCalls', ci.who, `* (the registry settings of account ${r.stack.account}, ${r.stack.region})`, requests.sessionCall(ci.arn, action, '*'), { identity: ci.identity }, r.stack.account);
  }

  const profiles = signingProfilesFor(model, r, pushRole);
  if (profiles.size === 0) return;
  for (const [profileArn, why] of profiles) {
    add('allow', 'ecrManagedSigning', `${ci.who} (ECR signing its push to ${repoName})`, `${profileArn} (${why})`, requests.ecrManagedSigning(ci.arn, profileArn), { identity: ci.identity, resource: profilePolicy(model, profileArn) }, arnAccount(profileArn));
  }
  for (const profileArn of profiles.keys()) {
    const [, partition, , region, account, resource] = profileArn.split(':');
    const name = resource.split('/').pop() ?? '';
    const signAs = `${ci.who} (ECR signing its push to ${repoName})`;
    // Another profile of the registry's account and region.
    const otherName = `not_${name}`;
    const otherProfile = `arn:${partition}:signer:${region}:${account}:/signing-profiles/${otherName}`;
    add('deny', 'ecrManagedSigning', signAs, `${otherProfile} (another profile of account ${account})`, requests.ecrManagedSigning(ci.arn, otherProfile), { identity: ci.identity }, account);
    // The same name in another region of the registry's account.
    const otherRegion = region === 'us-west-2' ? 'eu-west-1' : 'us-west-2';
    const elsewhere = `arn:${partition}:signer:${otherRegion}:${account}:/signing-profiles/${name}`;
    add('deny', 'ecrManagedSigning', signAs, `${elsewhere} (the same name in region ${otherRegion})`, requests.ecrManagedSigning(ci.arn, elsewhere), { identity: ci.identity }, account);
    // The same name in an account nothing configures, which grants this account SignPayload on it
    // (AddProfilePermission): only the role's own policy can refuse it.
    const foreign = `arn:${partition}:signer:${region}:${STRANGER_ACCOUNT}:/signing-profiles/${name}`;
    const grant: LabeledPolicy = {
      name: 'StrangerProfilePermission',
      document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ci.arn.split(':')[4] }, Action: 'signer:SignPayload', Resource: foreign }] },
      labels: [`account ${STRANGER_ACCOUNT}'s profile permission granting account ${ci.arn.split(':')[4]} signer:SignPayload`],
    };
    add('deny', 'ecrManagedSigning', signAs, `${foreign} (the same name in account ${STRANGER_ACCOUNT}, which grants this account SignPayload)`, requests.ecrManagedSigning(ci.arn, foreign), { identity: ci.identity, resource: grant }, STRANGER_ACCOUNT);
    // Signer itself is not the push role's to use: signing is ECR's, on the push role's behalf.
    for (const action of SIGNER_ACTIONS.filter((a) => a !== 'signer:SignPayload')) {
      const target = signerResource(action, profileArn);
      add('deny', 'sdkCalls', ci.who, signerTarget(target, profileArn), requests.sessionCall(ci.arn, action, target), { identity: ci.identity, resource: profilePolicy(model, target) }, account);
    }
  }
}

/**
 * The Signer profiles the push role must sign pushes to `repository` with: the configured one, and each profile a rule of a
 * signing configuration in the repository's account and region applies to it (no filters: every repository;
 * WILDCARD_MATCH: the whole name, `*` any run of characters). Profile ARN -> why it signs.
 */
export function signingProfilesFor(model: AppModel, repository: ModelResource, pushRole: PushRoleFacts): Map<string, string> {
  const out = new Map<string, string>();
  if (pushRole.signingProfileArn && arnAccount(pushRole.signingProfileArn) === repository.stack.account && arnRegion(pushRole.signingProfileArn) === repository.stack.region) {
    out.set(pushRole.signingProfileArn, 'registry.settings.signing');
  }
  for (const [arn, why] of signingRuleProfiles(model, repository)) out.set(arn, [out.get(arn), why].filter(Boolean).join(', '));
  return out;
}

/** The profiles the templates' signing rules apply to `repository` (see {@link signingProfilesFor}). */
export function signingRuleProfiles(model: AppModel, repository: ModelResource): Map<string, string> {
  const out = new Map<string, string>();
  const name = model.physicalName(repository);
  for (const config of model.resources('AWS::ECR::SigningConfiguration')) {
    if (config.stack.account !== repository.stack.account || config.stack.region !== repository.stack.region) continue;
    const rules = (model.props(config).Rules as Array<{ SigningProfileArn: string; RepositoryFilters?: Array<{ Filter: string; FilterType: string }> }>) ?? [];
    for (const [i, rule] of rules.entries()) {
      const filters = rule.RepositoryFilters ?? [];
      const matches = filters.length === 0 || filters.some((f) => {
        if (f.FilterType !== 'WILDCARD_MATCH') throw new Error(`${model.label(config)} rule ${i}: filter type ${f.FilterType} is not modelled`);
        return new RegExp(`^${f.Filter.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(name);
      });
      if (matches) out.set(rule.SigningProfileArn, [out.get(rule.SigningProfileArn), `rule ${i} of ${model.label(config)}`].filter(Boolean).join(', '));
    }
  }
  return out;
}

/** The resource policy of a Signer resource the templates hold (profile permissions), if any. */
function profilePolicy(model: AppModel, resource: string): LabeledPolicy | undefined {
  const profile = resource === '*' ? undefined : model.byArn(resource);
  return profile ? model.resourcePolicy(profile) : undefined;
}

function signerTarget(resource: string, profileArn: string): string {
  if (resource === profileArn) return profileArn;
  return resource === '*' ? '* (Signer profiles of the account)' : `${resource} (a signing job of the profile's account)`;
}

/** A repository of the same account and region that the templates do not create. */
function otherRepositoryArn(model: AppModel, r: ModelResource): { name: string; arn: string } {
  const name = `${model.physicalName(r)}-other`;
  const arn = `arn:aws:ecr:${r.stack.region}:${r.stack.account}:repository/${name}`;
  if (model.byArn(arn)) throw new Error(`${arn} is a repository of the templates: pick another name for the access suite's "another repository"`);
  return { name, arn };
}

/** The role whose trust policy admits GitHub's OIDC provider. */
export function ciPushRole(model: AppModel): ModelResource {
  const roles = model.resources('AWS::IAM::Role').filter((r) => JSON.stringify(model.props(r).AssumeRolePolicyDocument).includes('oidc-provider/token.actions.githubusercontent.com'));
  if (roles.length !== 1) throw new Error(`expected one role trusting GitHub's OIDC provider, found ${roles.length}: configure ciPushRole.githubRepository for the access suite`);
  return roles[0];
}

function logWrites(model: AppModel, session: Session, group: ModelResource, add: (expect: AccessPath['expect'], integration: IntegrationId, who: string, what: string, request: ServiceRequest, policies: AccessPolicies, resourceAccount: string) => void): void {
  for (const action of LOG_WRITE_ACTIONS) {
    add('allow', 'sdkCalls', session.who, `log group ${model.physicalName(group)}`, requests.sessionCall(session.arn, action, `${model.arn(group).replace(/:\*$/, '')}:log-stream:run`), { identity: session.identity, resource: model.resourcePolicy(group) }, group.stack.account);
  }
}

function logGroupNamed(model: AppModel, near: ModelResource, name: string): ModelResource {
  const g = model.resources('AWS::Logs::LogGroup').find((l) => l.stack.account === near.stack.account && l.stack.region === near.stack.region && model.physicalName(l) === name);
  if (!g) throw new Error(`${model.label(near)} writes log group ${name}, which no template creates in its account and region`);
  return g;
}

function topicKey(model: AppModel, topic: ModelResource): ModelResource | undefined {
  const id = model.props(topic).KmsMasterKeyId;
  return id === undefined ? undefined : mustFind(model, String(id), `${model.label(topic)} KmsMasterKeyId`);
}

function rulesTargeting(model: AppModel, arn: string): ModelResource[] {
  return model.resources('AWS::Events::Rule').filter((r) => ((model.props(r).Targets as Array<{ Arn: string }>) ?? []).some((t) => t.Arn === arn));
}

function mustFind(model: AppModel, arn: string, where: string): ModelResource {
  const r = model.byArn(arn);
  if (!r) throw new Error(`${where} is ${arn}, which is no resource of any template`);
  return r;
}

/** `<account>.dkr.ecr.<region>.<suffix>/<name>[:tag|@digest]` -> the repository's ARN. */
export function parseImage(image: string, where: string): { account: string; region: string; repositoryArn: string } {
  const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.[a-z0-9.]+\/([^:@]+)(?:[:@].*)?$/.exec(image);
  if (!m) throw new Error(`${where}: image ${image} is not an ECR private registry image URI`);
  return { account: m[1], region: m[2], repositoryArn: `arn:aws:ecr:${m[2]}:${m[1]}:repository/${m[3]}` };
}

