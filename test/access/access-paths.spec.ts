import { CloudWatchClient, PutMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import {
  BatchGetImageCommand,
  DescribeImageScanFindingsCommand,
  DescribeImageSigningStatusCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ImageDetail,
  ImageNotFoundException,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { scopedMockClient } from '../helpers/aws-mock';
import { REGISTRY_REPLICA_STACK_NAME, REGISTRY_SETTINGS_STACK_NAME, REGISTRY_STACK_NAME, stackName } from '../../lib/app';
import { runPromoteCli } from '../../lib/cli/promote';
import { collectInventory, publishInventory } from '../../lib/inventory/collect';
import { handlerConfig, HandlerConfig } from '../../lib/inventory/handler';
import { HANDLER_ENV } from '../../lib/inventory/metrics';
import { synthAccessApp } from './access-app';
import { AccessPath, accessPaths, ciPushRole, signingRuleProfiles, STRANGER_ACCOUNT } from './access-paths';
import { AccessPolicies, Decision, evaluate, openConditionKeys } from './evaluate';
import { IntegrationId, requests, roleSession, row, ServiceRequest } from './request-context';
import { AppModel, CfnTemplate, PolicyStatementJson, StackTemplate } from './template-model';

/**
 * Every access path of the synthesized app (registry, registry settings, dev/staging/prod service stacks, prod in
 * another account, the CI push role configured), evaluated by @cloud-copilot/iam-simulate the way IAM, KMS, SNS,
 * S3, Lambda and CloudWatch Logs would on a real account. Structure checks (cdk-nag, cfn-lint, Control
 * Tower, moto) cannot see a key policy condition that no request satisfies; this suite can.
 * How the suite works and what it cannot decide: docs/quality-gates.md ("Access paths").
 */
const app = synthAccessApp();
const model = new AppModel(app.stacks);
const paths = accessPaths(model, app.pushRole);

/**
 * Context keys iam-simulate 0.1.173 drops in strict mode for the requests that carry them (test/access/evaluate.ts):
 * paths using them are decided with the key aliased, and say so in their title. Pinned, so that a tool upgrade
 * that starts (or stops) understanding one of them is noticed by the test below.
 */
const TOOL_DROPS = [
  'kms:EncryptionContext:aws:cloudtrail:arn',
  'kms:EncryptionContext:aws:logs:arn',
  'kms:EncryptionContext:aws:sns:topicArn',
  'token.actions.githubusercontent.com:aud',
  'token.actions.githubusercontent.com:sub',
];
const droppedKeysOf = (request: ServiceRequest) => Object.keys(request.context).filter((k) => TOOL_DROPS.includes(k)).sort();
const titleOf = (p: AccessPath) => {
  const dropped = droppedKeysOf(p.request);
  return dropped.length === 0 ? p.title : `${p.title} [iam-simulate drops ${dropped.join(', ')}: decided with them aliased]`;
};

/** The failure message: the path, what the tool decided, the decisive statements and the documentation row. */
function problem(p: { title: string; expect: 'allow' | 'deny'; integration: IntegrationId; request: ServiceRequest }, d: Decision): string | undefined {
  const allowed = d.result === 'Allowed';
  if (allowed === (p.expect === 'allow')) return undefined;
  return [
    `${p.title}`,
    `  expected ${p.expect.toUpperCase()}, iam-simulate decided ${d.result}${d.aliasedKeys.length ? ` (with ${d.aliasedKeys.join(', ')} aliased)` : ''}`,
    `  decisive: ${d.decisive.join('; ')}`,
    `  request: ${p.request.principal} ${p.request.action} on ${p.request.resource}, context ${JSON.stringify(p.request.context)}`,
    `  request context from the table: ${row(p.integration)}`,
  ].join('\n');
}

async function check(p: AccessPath): Promise<{ problem?: string; decision: Decision }> {
  const decision = await evaluate(p.request, p.policies, p.resourceAccount);
  return { problem: problem(p, decision), decision };
}

describe('access paths, evaluated with AWS policy evaluation logic', () => {
  test.each(paths.map((p) => ({ ...p, name: titleOf(p) })))('$name', async (p) => {
    const { problem: failure, decision } = await check(p);
    if (failure) throw new Error(failure);
    // The title says which keys the tool could not decide; the evaluation must agree.
    expect([...decision.aliasedKeys].sort()).toEqual(droppedKeysOf(p.request));
  });

  test(`covers at least 40 paths, allowed and denied (${paths.length} static paths plus the recorded calls of two programs)`, () => {
    expect(paths.length).toBeGreaterThanOrEqual(40);
    expect(paths.filter((p) => p.expect === 'deny').length).toBeGreaterThanOrEqual(15);
    // Every kind of path the issue asks for is there.
    const integrations = new Set(paths.map((p) => p.integration));
    for (const id of ['eventBridgeToTopic', 'eventBridgeToTopicKey', 'alarmToTopic', 'alarmToTopicKey', 'eventBridgeToLogGroup', 'ruleInvokesFunction', 'cloudTrailToBucket', 'cloudTrailToKey', 'cloudTrailToLogGroup', 'logsToKey', 'taskExecutionRole', 'lambdaExecutionRole', 'githubOidc', 'dockerPush', 'ecrManagedSigning', 'strangerAccount'] as const) {
      expect([id, integrations.has(id)]).toEqual([id, true]);
    }
    // Same-account and cross-account pulls are both evaluated.
    const pulls = paths.filter((p) => p.integration === 'taskExecutionRole' && p.request.action === 'ecr:BatchGetImage');
    expect(new Set(pulls.map((p) => p.request.principal.split(':')[4])).size).toBeGreaterThanOrEqual(2);
  });

  test('evaluates all six templates (the registry settings stack with its signing profile and the replica stack among them)', () => {
    expect(app.stacks.map((s) => s.stackName).sort()).toEqual([REGISTRY_STACK_NAME, REGISTRY_SETTINGS_STACK_NAME, REGISTRY_REPLICA_STACK_NAME, ...['dev', 'staging', 'prod'].map((e) => stackName(e, 'Service'))].sort());
    expect(model.resources('AWS::Signer::SigningProfile').map((p) => p.stack.stackName)).toEqual([REGISTRY_SETTINGS_STACK_NAME]);
  });

  test('ECR managed signing: the push role signs with exactly the profile the settings stack\'s signing rule applies to the repository, which is the configured one', () => {
    const repository = model.resources('AWS::ECR::Repository')[0];
    // Read from the templates: the signing configuration's rule for the repository names the settings stack's profile...
    const ruled = [...signingRuleProfiles(model, repository).keys()];
    expect(ruled).toEqual(model.resources('AWS::Signer::SigningProfile').map((p) => model.arn(p)));
    // ... which is the profile promote and the inventory require (registry.settings.signing, lib/aws/signing.ts)...
    expect(ruled).toEqual([app.pushRole.signingProfileArn]);
    // ... and the only profile the push role is allowed to sign with.
    const signing = paths.filter((p) => p.request.action === 'signer:SignPayload' && p.request.principal === roleSession(model.arn(ciPushRole(model)), 'GitHubActions'));
    expect(signing.filter((p) => p.expect === 'allow').map((p) => p.request.resource)).toEqual(ruled);
    expect(signing.filter((p) => p.expect === 'deny').length).toBeGreaterThanOrEqual(3);
  });

  test(`iam-simulate cannot decide ${paths.filter((p) => droppedKeysOf(p.request).length > 0).length} paths in strict mode (it drops ${TOOL_DROPS.join(', ')}): they are decided with those keys aliased to aws:PrincipalTag/<key>, and Discovery mode leaves only those keys open`, async () => {
    const undecidable = paths.filter((p) => droppedKeysOf(p.request).length > 0);
    const seen = new Set<string>();
    for (const p of undecidable) {
      const dropped = droppedKeysOf(p.request);
      for (const k of dropped) seen.add(k);
      // Discovery mode, run without the dropped keys, reports the conditions it could not evaluate: only
      // conditions on the dropped keys may remain, so the alias decides nothing but them.
      const open = await openConditionKeys(p.request, p.policies, p.resourceAccount, dropped);
      expect([p.title, open.every((k) => dropped.map((d) => d.toLowerCase()).includes(k))]).toEqual([p.title, true]);
    }
    // The pinned list is exactly what this app needs: no stale entry.
    expect([...seen].sort()).toEqual(TOOL_DROPS);
  });
});

describe('the programs of this repository can make every call they make', () => {
  const ecr = scopedMockClient(ECRClient);
  const cloudwatch = scopedMockClient(CloudWatchClient);
  const registry = app.config.registry;
  const repository = model.resources('AWS::ECR::Repository').find((r) => model.physicalName(r) === registry.repositoryName);
  if (!repository) throw new Error(`no repository named ${registry.repositoryName} in the templates`);
  const repositoryArn = model.arn(repository);
  const repositoryPolicies = (identity: AccessPolicies['identity']): AccessPolicies => ({ identity, resource: model.resourcePolicy(repository) });

  async function expectAllAllowed(who: string, calls: Array<{ request: ServiceRequest; policies: AccessPolicies; integration: IntegrationId }>): Promise<void> {
    expect(calls.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const c of calls) {
      const title = `allow: ${who} ${c.request.action} on ${c.request.resource}`;
      const failure = problem({ title, expect: 'allow', integration: c.integration, request: c.request }, await evaluate(c.request, c.policies, repository!.stack.account));
      if (failure) failures.push(failure);
    }
    if (failures.length > 0) throw new Error(failures.join('\n\n'));
  }

  test('allow: the CI push role makes every ECR call `npm run promote` makes (recorded from the real CLI, signature gate included, against a mocked ECR)', async () => {
    // GIVEN an image promoted to staging, with a clean scan and a COMPLETE managed signature by each profile the
    // templates' signing rules apply to the repository (what ECR would have signed it with), not yet in prod
    const release = 'v1.4.2-3f9c2ab';
    const digest = `sha256:${'a'.repeat(64)}`;
    const media = 'application/vnd.docker.distribution.manifest.v2+json';
    const image: ImageDetail = { imageDigest: digest, imageTags: [release, `staging-${release}`], imageManifestMediaType: media };
    const signedBy = [...signingRuleProfiles(model, repository).keys()];
    expect(signedBy.length).toBeGreaterThan(0);
    ecr.reset();
    ecr.on(DescribeImagesCommand).callsFake((input: { imageIds: Array<{ imageTag?: string; imageDigest?: string }> }) => {
      const id = input.imageIds[0];
      if (id.imageDigest === digest || (id.imageTag !== undefined && image.imageTags?.includes(id.imageTag))) return { imageDetails: [image] };
      throw new ImageNotFoundException({ message: 'not found', $metadata: {} });
    });
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: registry.repositoryName, imageTagMutability: 'IMMUTABLE' }] });
    ecr.on(DescribeImageScanFindingsCommand).resolves({ imageScanStatus: { status: 'COMPLETE' }, imageScanFindings: { findingSeverityCounts: {} } });
    ecr.on(DescribeImageSigningStatusCommand).resolves({
      registryId: repository.stack.account,
      repositoryName: registry.repositoryName,
      imageId: { imageDigest: digest },
      signingStatuses: signedBy.map((signingProfileArn) => ({ signingProfileArn, status: 'COMPLETE' })),
    });
    ecr.on(BatchGetImageCommand).resolves({ images: [{ imageId: { imageDigest: digest }, imageManifest: '{}', imageManifestMediaType: media }] });
    ecr.on(PutImageCommand).callsFake((input: { imageTag: string }) => {
      image.imageTags?.push(input.imageTag);
      return { image: { imageId: { imageDigest: digest, imageTag: input.imageTag } } };
    });
    // WHEN `npm run promote -- --from staging --to prod --tag <release>` runs, as the pipeline's promote step does
    const output: string[] = [];
    const code = await runPromoteCli(['--from', 'staging', '--to', 'prod', '--tag', release], {
      client: (region) => new ECRClient({ region }),
      io: { stdout: (t) => output.push(t), stderr: (t) => output.push(t) },
      sleep: async () => undefined,
    });
    expect([code, output.join('')]).toEqual([0, expect.stringContaining(`promoted ${digest} to prod`)]);
    // THEN the push role may make every one of its calls (the IAM action of an ECR operation is ecr:<operation>),
    // the signature gate's DescribeImageSigningStatus among them
    const actions = [...new Set(ecr.calls().map((c) => `ecr:${(c.args[0] as object).constructor.name.replace(/Command$/, '')}`))].sort();
    expect(actions).toEqual(expect.arrayContaining(['ecr:BatchGetImage', 'ecr:DescribeImageSigningStatus', 'ecr:DescribeImages', 'ecr:PutImage']));
    const ci = ciPushRole(model);
    const session = roleSession(model.arn(ci), 'GitHubActions');
    await expectAllAllowed('the CI push role', actions.map((action) => ({
      request: requests.sessionCall(session, action, repositoryArn),
      policies: repositoryPolicies(model.identityPolicies(ci)),
      integration: 'sdkCalls' as const,
    })));
  });

  test('allow: the inventory function makes every call it makes (recorded from lib/inventory against mocked ECR and CloudWatch, with the environment its template sets)', async () => {
    const fn = model.resources('AWS::Lambda::Function').find((f) => HANDLER_ENV.namespace in (((model.props(f).Environment as { Variables?: Record<string, string> })?.Variables) ?? {}));
    if (!fn) throw new Error(`no function with ${HANDLER_ENV.namespace} in its environment: where is the inventory?`);
    const config: HandlerConfig = handlerConfig((model.props(fn).Environment as { Variables: Record<string, string> }).Variables);
    // GIVEN an old release and one pushed ten minutes ago, signed (COMPLETE) by each profile the templates'
    // signing rules apply to the repository: the run's signing check reads the recent one
    const now = new Date('2026-12-01T00:00:00Z');
    const recent = `sha256:${'c'.repeat(64)}`;
    const signedBy = [...signingRuleProfiles(model, repository).keys()];
    expect(config.signing).toBeDefined();
    ecr.reset();
    cloudwatch.reset();
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [
        { imageDigest: `sha256:${'b'.repeat(64)}`, imageTags: ['v1.0.0'], imageSizeInBytes: 1024, imagePushedAt: new Date('2026-11-01T00:00:00Z') },
        { imageDigest: recent, imageTags: ['v1.0.1'], imageSizeInBytes: 1024, imagePushedAt: new Date(now.getTime() - 10 * 60_000) },
      ],
    });
    ecr.on(DescribeImageSigningStatusCommand).resolves({ signingStatuses: signedBy.map((signingProfileArn) => ({ signingProfileArn, status: 'COMPLETE' })) });
    cloudwatch.onAnyCommand().resolves({});
    // WHEN the handler's two steps run with the template's configuration
    const summary = await collectInventory(new ECRClient({ region: fn.stack.region }), { ...config, now });
    await publishInventory(new CloudWatchClient({ region: fn.stack.region }), config.namespace, summary);
    // (the profile its environment names is the one the signing rules sign with: nothing unsigned)
    expect([summary.signing?.checked, summary.signing?.unsigned]).toEqual([1, []]);
    // THEN its role may make each call it made
    const role = model.byArn(String(model.props(fn).Role));
    if (!role) throw new Error('the inventory function\'s role is in no template');
    const session = roleSession(model.arn(role), model.physicalName(fn));
    const identity = model.identityPolicies(role);
    const ecrCalls = [...new Set(ecr.calls().map((c) => `ecr:${(c.args[0] as object).constructor.name.replace(/Command$/, '')}`))].sort();
    const metricCalls = cloudwatch.calls().map((c) => (c.args[0] as { input: PutMetricDataCommandInput }).input);
    expect(ecrCalls).toEqual(['ecr:DescribeImageSigningStatus', 'ecr:DescribeImages']);
    expect(metricCalls.length).toBeGreaterThan(0);
    await expectAllAllowed(`function ${model.physicalName(fn)}`, [
      ...ecrCalls.map((action) => ({ request: requests.sessionCall(session, action, repositoryArn), policies: repositoryPolicies(identity), integration: 'sdkCalls' as const })),
      ...metricCalls.map((input) => ({
        request: requests.sessionCall(session, 'cloudwatch:PutMetricData', '*', { 'cloudwatch:namespace': String(input.Namespace) }),
        policies: { identity },
        integration: 'lambdaExecutionRole' as const,
      })),
    ]);
  });
});

describe('the suite fails when a known mistake comes back', () => {
  /** The app's templates with `mutate` applied to a copy of the named stack's template. */
  function mutated(stackName: string, mutate: (t: CfnTemplate) => void): AppModel {
    const stacks: StackTemplate[] = app.stacks.map((s) => {
      if (s.stackName !== stackName) return s;
      const template = structuredClone(s.template);
      mutate(template);
      return { ...s, template };
    });
    return new AppModel(stacks);
  }
  const registryStack = ciPushRole(model).stack.stackName;

  test('aws:SourceAccount back on the key policy statement for EventBridge: every notifying rule loses its topic key', async () => {
    // GIVEN the condition an earlier version had on the alarm-topic key's EventBridge statement
    let changed = 0;
    const m = mutated(registryStack, (t) => {
      for (const res of Object.values(t.Resources)) {
        if (res.Type !== 'AWS::KMS::Key') continue;
        const statements = (res.Properties?.KeyPolicy as { Statement: PolicyStatementJson[] }).Statement;
        for (const s of statements) {
          if (JSON.stringify(s.Principal) !== JSON.stringify({ Service: 'events.amazonaws.com' }) || s.Effect !== 'Allow') continue;
          s.Condition = { ...s.Condition, StringEquals: { ...(s.Condition?.StringEquals ?? {}), 'aws:SourceAccount': '111111111111' } };
          changed++;
        }
      }
    });
    expect(changed).toBeGreaterThan(0);
    // WHEN the same suite evaluates it
    const eventBridgeKeyPaths = accessPaths(m, app.pushRole).filter((p) => p.integration === 'eventBridgeToTopicKey' && p.expect === 'allow');
    expect(eventBridgeKeyPaths.length).toBeGreaterThan(0);
    const failures = await Promise.all(eventBridgeKeyPaths.map(async (p) => (await check(p)).problem));
    // THEN every EventBridge-to-key path fails, naming the path, the statement and the SNS documentation row
    for (const [i, failure] of failures.entries()) {
      expect(failure).toBeDefined();
      expect(failure).toContain(eventBridgeKeyPaths[i].title);
      expect(failure).toMatch(/KMS::Key|Key[0-9A-F]{8}/);
      expect(failure).toMatch(/Sid \w+/);
      expect(failure).toContain('https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services');
    }
  });

  test('ecr:* added to the CI push role: deleting images and changing the repository\'s policies become allowed', async () => {
    // GIVEN a wildcard grant on the repository in the push role's policy
    const ci = ciPushRole(model);
    const repoArn = model.arn(model.resources('AWS::ECR::Repository')[0]);
    let changed = 0;
    const m = mutated(registryStack, (t) => {
      for (const [id, res] of Object.entries(t.Resources)) {
        if (res.Type !== 'AWS::IAM::Policy' || !JSON.stringify(res.Properties?.Roles).includes(ci.logicalId)) continue;
        (res.Properties?.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement.push({ Sid: 'AddedEcrWildcard', Effect: 'Allow', Action: 'ecr:*', Resource: repoArn });
        changed++;
        expect(id).toBeDefined();
      }
    });
    expect(changed).toBe(1);
    // WHEN the same suite evaluates it (its paths on the repository: the grant names that ARN only, so other
    // repositories and the registry-wide settings stay denied)
    const denied = accessPaths(m, app.pushRole).filter((p) => p.expect === 'deny' && p.title.startsWith('deny: the CI push role ') && p.request.resource === repoArn);
    expect(denied.map((p) => p.request.action)).toEqual(expect.arrayContaining(['ecr:BatchDeleteImage', 'ecr:SetRepositoryPolicy', 'ecr:PutLifecyclePolicy', 'ecr:PutImageTagMutability']));
    // THEN each of them fails, naming the added statement
    for (const p of denied) {
      const failure = (await check(p)).problem;
      expect([p.title, failure?.includes('Sid AddedEcrWildcard')]).toEqual([p.title, true]);
      expect(failure).toContain('expected DENY, iam-simulate decided Allowed');
    }
  });

  test('signer:* on * in place of the push role\'s SignPayload grant: signing with other profiles and using Signer directly become allowed', async () => {
    // GIVEN the push role's signing statement widened to all of Signer
    const ci = ciPushRole(model);
    let changed = 0;
    const m = mutated(registryStack, (t) => {
      for (const res of Object.values(t.Resources)) {
        if (res.Type !== 'AWS::IAM::Policy' || !JSON.stringify(res.Properties?.Roles).includes(ci.logicalId)) continue;
        for (const st of (res.Properties?.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement) {
          if (st.Action !== 'signer:SignPayload') continue;
          Object.assign(st, { Action: 'signer:*', Resource: '*' });
          changed++;
        }
      }
    });
    expect(changed).toBe(1);
    // WHEN the same suite evaluates it
    const session = roleSession(model.arn(ci), 'GitHubActions');
    const denied = accessPaths(m, app.pushRole).filter((p) => p.expect === 'deny' && p.request.principal === session && p.request.action.startsWith('signer:'));
    // (another profile, the same name in another region and in another account, and each other Signer action)
    expect(denied.filter((p) => p.integration === 'ecrManagedSigning').length).toBe(3);
    expect(new Set(denied.map((p) => p.request.action))).toEqual(new Set(['signer:SignPayload', 'signer:StartSigningJob', 'signer:PutSigningProfile', 'signer:RevokeSignature', 'signer:CancelSigningProfile', 'signer:GetSigningProfile']));
    // THEN each of them fails, naming the widened statement
    for (const p of denied) {
      const failure = (await check(p)).problem;
      expect([p.title, failure?.includes('Sid SignPushesWithTheManagedSigningProfile')]).toEqual([p.title, true]);
      expect(failure).toContain('expected DENY, iam-simulate decided Allowed');
    }
  });

  test('the stranger account of the denied paths is configured nowhere (else its refused pulls would prove nothing)', () => {
    const configured = [app.config.registry.account, ...app.config.environments.map((e) => e.account), ...app.config.registry.crossAccountPullAccounts];
    expect(configured).not.toContain(STRANGER_ACCOUNT);
  });
});
