/**
 * End-to-end test of the real CDK CLI flow against a local moto_server: bootstrap, the shared registry, its
 * registry settings and its replica in the replica region (lib/replica-e2e.ts: the promotion gate's replica check, the inventory there), build-once-promote-by-digest (images put through the ECR API, the promotion gate refusing
 * CRITICAL findings, unscanned images and unsigned, failed or wrongly signed ones, promoting a clean one
 * dev -> staging -> prod; signing statuses come from a stand-in, lib/signing-stand-in.ts, as moto has none), each environment's service stack
 * (deploy, no-op redeploy, diff, deploy pinned to the promoted digest), `npm run doctor` on what was deployed, destroy. Run with `npm run e2e`;
 * see docs/quality-gates.md "End-to-end test" and docs/pipeline.md.
 *
 * moto stands in for AWS: what it cannot model is reported as "NOT VERIFIED BY E2E (moto gap)" and is
 * covered by the unit tests on the synthesized templates instead.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { helpOrRefuseArgs } from '../../lib/cli/plain-args';
import { signingProfileArn } from '../../lib/aws/signing';
import { loadEnvironment, loadRegistry } from '../../lib/config/load';
import { EnvConfig, RegistryConfig } from '../../lib/config/types';
import { inPool } from '../../lib/util/pool';
import { AssemblyStack, EnvironmentAssembly, readEnvironmentAssembly, resourcesOfType, Template } from './lib/assembly';
import {
  AwsRunner,
  awsExpectError,
  awsJson,
  RepositoryDescription,
  StackDescription,
  StackResource,
  TaskDefinitionDescription,
} from './lib/aws';
import { MOTO_ACCOUNT, MotoServer } from './lib/moto';
import { doctorE2e } from './lib/doctor-e2e';
import { inventoryE2e } from './lib/inventory-e2e';
import { replicaDestroy, replicaE2e } from './lib/replica-e2e';
import { applyWorkaround, GETATT_TO_ALARMS, GETATT_TO_SIGNING_PROFILES, KMS_KEY_TAGS, Workaround } from './lib/moto-workarounds';
import { CommandError, killRunningCommands } from './lib/process';
import { SigningStandIn } from './lib/signing-stand-in';
import { WarmAwsCli } from './lib/warm-aws-cli';
import { check, renderFailure, StepContext, StepFailure, Steps } from './lib/steps';

const ROOT = path.resolve(__dirname, '..', '..');
const CDK = path.join(ROOT, 'node_modules', '.bin', 'cdk');
/**
 * The environments whose service stacks the e2e deploys, in order: a DESTROY one and a RETAIN +
 * termination-protected one. `E2E_ENVS=staging npm run e2e` runs others locally.
 */
const E2E_ENVS = (process.env.E2E_ENVS ?? 'dev,prod').split(',').map((e) => e.trim()).filter(Boolean);

// ---------------------------------------------------------------------------------------------------------
// Environment of every CLI call: only the emulator, never real credentials, config files or user defaults.
// ---------------------------------------------------------------------------------------------------------

function isolatedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Drops AWS_PROFILE, AWS_SESSION_TOKEN, AWS_CA_BUNDLE, CDK_DEFAULT_ACCOUNT, MOTO_ACCOUNT_ID, ...
    if (!/^(AWS_|CDK_|BOTO_|MOTO_)/.test(k)) env[k] = v;
  }
  return env;
}

function cliEnv(endpoint: string, home: string, emptyFile: string): NodeJS.ProcessEnv {
  return {
    ...isolatedEnv(),
    // A throw-away HOME: no ~/.aws, no ~/.cdk.json user defaults, no CDK cache of the person running it.
    HOME: home,
    AWS_CONFIG_FILE: emptyFile,
    AWS_SHARED_CREDENTIALS_FILE: emptyFile,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: endpoint,
    // CloudFormation reads templates from S3 by URL, and moto cannot parse http://127.0.0.1:PORT/bucket/key
    // template URLs: with the real S3 host name moto resolves the URL against its own S3.
    AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: 'https://s3.us-east-1.amazonaws.com',
    // The AWS CLI retries HTTP 500s (moto's answer to an unimplemented API) five times with back-off.
    AWS_MAX_ATTEMPTS: '1',
    CDK_DISABLE_VERSION_CHECK: '1',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    // The full synth WITH CDK's template validation (and cdk-nag) runs in its own .ci/run step
    // (`CDK_VALIDATION=true npm run synth`); here it would add ~2 s per synth and prove nothing about deploying.
    // cdk-nag still runs here: it is a validation plugin of the app, not part of CDK_VALIDATION.
    CDK_VALIDATION: 'false',
    NODE_NO_WARNINGS: '1',
  };
}

// ---------------------------------------------------------------------------------------------------------
// Per-environment expectations, all derived from the app's own configuration.
// ---------------------------------------------------------------------------------------------------------

/** The one repository every environment pulls from. */
const REGISTRY_CONFIG: RegistryConfig = loadRegistry();

interface Target {
  readonly name: string;
  readonly config: EnvConfig;
  /** `-c` flags of the base synth. */
  readonly context: readonly string[];
  readonly imageUri: string;
}

/** How a service stack is changed after the base deploy: pinned to the promoted digest with its release tag. */
interface Change {
  readonly flags: readonly string[];
  readonly imageUri: string;
  readonly needle: string;
}

function imageUri(tagOrDigest: string): string {
  const sep = tagOrDigest.startsWith('sha256:') ? '@' : ':';
  return `${MOTO_ACCOUNT}.dkr.ecr.${REGISTRY_CONFIG.region}.amazonaws.com/${REGISTRY_CONFIG.repositoryName}${sep}${tagOrDigest}`;
}

function targetFor(name: string): Target {
  const config = loadEnvironment(name);
  const context = ['-c', `env=${name}`];
  // An environment pinned to a real account cannot deploy into moto's; the e2e moves it, visibly.
  if (config.account !== undefined && config.account !== MOTO_ACCOUNT) context.push('-c', `account=${MOTO_ACCOUNT}`);
  return { name, config, context, imageUri: imageUri(config.imageDigest ?? config.imageTag) };
}

// ---------------------------------------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------------------------------------

class E2e {
  readonly steps: Steps;
  /** No internet here: never fetch CDK notices. */
  private readonly cdkFlags = ['--no-notices'];
  /**
   * moto crashes deleting a change set that does not exist (so `--method=direct`) and on "use previous value"
   * parameters (so `--no-previous-parameters`); `--concurrency 2` lets independent stacks deploy together.
   */
  private readonly deployFlags = ['--require-approval', 'never', '--method=direct', '--no-previous-parameters', '--concurrency', '2'];

  constructor(
    readonly moto: MotoServer,
    readonly env: NodeJS.ProcessEnv,
    readonly work: string,
    readonly logs: string,
    /** Answers DescribeImageSigningStatus in front of moto (which implements no managed signing). */
    readonly signing: SigningStandIn,
    /** The AWS CLI kept warm (lib/warm-aws-cli.ts); undefined: each call spawns `aws`. */
    private readonly awsCli?: WarmAwsCli,
  ) {
    let n = 0;
    this.steps = new Steps(
      (name) => {
        n += 1;
        const slug = name.replace(/[^\w]+/g, '-').replace(/^-|-$/g, '');
        // cdk commands other than synth run outside the project: no cdk.json, so nothing is re-synthesized.
        return new StepContext(name, { cwd: work, env, logFile: path.join(logs, `${String(n).padStart(2, '0')}-${slug}.log`) });
      },
      () => moto.logSize(),
    );
  }

  aws(ctx: StepContext): AwsRunner {
    return (args) => {
      const full = ['--endpoint-url', this.moto.endpoint, '--output', 'json', ...args];
      const awsCli = this.awsCli;
      return awsCli ? ctx.runWith((options) => awsCli.run(full, options), { timeoutMs: 60_000 }) : ctx.run('aws', full, { timeoutMs: 60_000 });
    };
  }

  cdk(ctx: StepContext, args: readonly string[], expectCode = 0, cwd = this.work) {
    return ctx.runOk(CDK, [...args, ...this.cdkFlags], { cwd }, expectCode);
  }

  synth(ctx: StepContext, target: Target, extra: readonly string[], out: string): Promise<EnvironmentAssembly> {
    return this.cdk(ctx, ['synth', ...target.context, ...extra, '--output', out, '--quiet'], 0, ROOT).then(() => readEnvironmentAssembly(out));
  }

  /** Deploys exactly `stacks` (`--exclusively`, as the pipelines do: the registry has its own job). */
  deploy(ctx: StepContext, asm: EnvironmentAssembly, stacks: readonly AssemblyStack[]) {
    return this.cdk(ctx, ['deploy', '--app', asm.dir, ...stacks.map((s) => s.id), '--exclusively', ...this.deployFlags]);
  }

  /**
   * `npm run promote -- args` (the real CLI, SDK v3 through AWS_ENDPOINT_URL: the signing stand-in, which passes
   * everything but DescribeImageSigningStatus on to moto); `expectCode` or the step fails.
   */
  promote(ctx: StepContext, args: readonly string[], expectCode: number) {
    return ctx.runOk(process.execPath, ['-r', path.join(ROOT, 'bin', 'register.js'), path.join(ROOT, 'lib', 'cli', 'promote.ts'), ...args],
      { cwd: ROOT, env: { ...this.env, AWS_ENDPOINT_URL: this.signing.endpoint } }, expectCode);
  }

  /** The tags of each image, by digest. */
  async imageTags(ctx: StepContext, digests: readonly string[]): Promise<string[][]> {
    const r = await awsJson<{ imageDetails: { imageDigest: string; imageTags?: string[] }[] }>(this.aws(ctx), [
      'ecr', 'describe-images', '--repository-name', REGISTRY_CONFIG.repositoryName, '--image-ids', ...digests.map((d) => `imageDigest=${d}`),
    ]);
    return digests.map((d) => r.imageDetails.find((i) => i.imageDigest === d)?.imageTags ?? []);
  }

  /**
   * moto 5.2.1 answers HTTP 500 (KeyError: 'TagKey' in moto/kms/models.py) when CloudFormation creates an
   * AWS::KMS::Key with Tags: its KMS tagger expects the KMS API's TagKey/TagValue, not CloudFormation's
   * Key/Value, and the half-created stack is left behind. Probed live, so the workaround ends with the bug.
   */
  async motoRejectsTaggedKmsKeys(ctx: StepContext): Promise<boolean> {
    const stackName = 'bcb-e2e-probe-kms-key-tags';
    const template = {
      Resources: { Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Version: '2012-10-17', Statement: [] }, Tags: [{ Key: 'probe', Value: 'e2e' }] } } },
    };
    const logAt = this.moto.logSize();
    const run = this.aws(ctx);
    const r = await run(['cloudformation', 'create-stack', '--stack-name', stackName, '--template-body', JSON.stringify(template)]);
    if (r.code === 0) {
      await awsJson(run, ['cloudformation', 'delete-stack', '--stack-name', stackName]);
      return false;
    }
    if (await this.moto.logShows(/KeyError: 'TagKey'/, logAt)) return true;
    throw new CommandError(`probing moto with a tagged AWS::KMS::Key failed for an unexpected reason (exit code ${r.code})`, r.command, r.output);
  }

  /** Resource types moto's CloudFormation skipped (it logs each one it does not implement). */
  unsupportedTypes(): Set<string> {
    const found = new Set<string>();
    for (const m of this.moto.readLog().matchAll(/No Moto CloudFormation support for (\S+)/g)) found.add(m[1]);
    found.delete('AWS::CDK::Metadata');
    return found;
  }

  async stackResources(run: AwsRunner, stackName: string): Promise<StackResource[]> {
    const r = await awsJson<{ StackResources: (StackResource & { Timestamp?: string })[] }>(run, ['cloudformation', 'describe-stack-resources', '--stack-name', stackName]);
    // moto lists each resource type it skipped as an entry with empty ids.
    return r.StackResources.filter((x) => Boolean(x.LogicalResourceId))
      .map(({ LogicalResourceId, PhysicalResourceId, ResourceType, ResourceStatus }) => ({ LogicalResourceId, PhysicalResourceId, ResourceType, ResourceStatus }))
      .sort((a, b) => a.LogicalResourceId.localeCompare(b.LogicalResourceId));
  }

  /** Everything the e2e can observe about one deployed environment; compared before/after a no-op deploy. */
  async observe(ctx: StepContext, asm: EnvironmentAssembly, options: { readonly registry: boolean } = { registry: true }) {
    const run = this.aws(ctx);
    const [taskDefLogicalId, taskDefResource] = resourcesOfType(asm.service.template, 'AWS::ECS::TaskDefinition')[0];
    // With the family known from the template, everything is fetched in one parallel round (each AWS CLI
    // call costs ~1 s of CPU); the task definition found is then matched against the stack's own resource.
    const family = taskDefResource.Properties?.Family;
    const describeTaskDef = (id: string) =>
      Promise.all([
        awsJson<{ taskDefinition: TaskDefinitionDescription }>(run, ['ecs', 'describe-task-definition', '--task-definition', id]),
        awsJson<{ taskDefinitionArns: string[] }>(run, ['ecs', 'list-task-definitions', '--family-prefix', id.replace(/^.*:task-definition\//, '').replace(/:\d+$/, '')]),
      ]);
    const [stacks, registryResources, settingsResources, serviceResources, repos, byFamily] = await Promise.all([
      awsJson<{ Stacks: StackDescription[] }>(run, ['cloudformation', 'describe-stacks']),
      options.registry ? this.stackResources(run, asm.registry.stackName) : [],
      options.registry && asm.settings ? this.stackResources(run, asm.settings.stackName) : [],
      this.stackResources(run, asm.service.stackName),
      options.registry
        ? awsJson<{ repositories: RepositoryDescription[] }>(run, ['ecr', 'describe-repositories', '--repository-names', REGISTRY_CONFIG.repositoryName])
        : { repositories: [] },
      typeof family === 'string' ? describeTaskDef(family) : undefined,
    ]);
    const taskDefArn = serviceResources.find((r) => r.LogicalResourceId === taskDefLogicalId)?.PhysicalResourceId;
    check(taskDefArn, `stack ${asm.service.stackName} has no physical resource for task definition ${taskDefLogicalId}`);
    const [taskDef, revisions] = byFamily?.[0].taskDefinition.taskDefinitionArn === taskDefArn ? byFamily : await describeTaskDef(taskDefArn);
    const stack = (name: string) => {
      const found = stacks.Stacks.find((x) => x.StackName === name && x.StackStatus !== 'DELETE_COMPLETE');
      check(found, `stack ${name} is not deployed`);
      return found;
    };
    return {
      // [registry, service, settings?]: callers index the service stack as [1].
      stacks: [stack(asm.registry.stackName), stack(asm.service.stackName), ...(options.registry && asm.settings ? [stack(asm.settings.stackName)] : [])],
      resources: {
        [asm.registry.stackName]: registryResources,
        [asm.service.stackName]: serviceResources,
        ...(asm.settings ? { [asm.settings.stackName]: settingsResources } : {}),
      },
      repository: repos.repositories[0],
      taskDefinition: taskDef.taskDefinition,
      taskDefinitionRevisions: revisions.taskDefinitionArns,
    };
  }

  /** Checks a freshly deployed environment (the registry and its service stack) against the configuration and templates. */
  async verify(ctx: StepContext, target: Target, asm: EnvironmentAssembly, options: { readonly registry: boolean }) {
    const { config } = target;
    const registry = REGISTRY_CONFIG;
    // The repository probes need nothing from observe(): one parallel round saves seconds of CPU-bound waiting.
    const [state] = await Promise.all([this.observe(ctx, asm), options.registry ? this.checkRepositoryGaps(ctx, asm) : undefined]);
    const unsupported = this.unsupportedTypes();

    const repo = state.repository;
    check(repo?.repositoryName === registry.repositoryName, `repository ${registry.repositoryName} not found`);
    const facts = {
      RepositoryName: repo.repositoryName,
      RepositoryArn: repo.repositoryArn,
      RepositoryUri: repo.repositoryUri,
      TaskDefinitionArn: state.taskDefinition.taskDefinitionArn,
      TaskDefinitionFamily: state.taskDefinition.family,
      ImageUri: target.imageUri,
    };
    // The replica stack lives in another region: lib/replica-e2e.ts verifies it there.
    for (const stack of options.registry ? asm.stacks.filter((s) => s !== asm.replica) : [asm.service]) {
      const deployed = state.stacks.find((s) => s.StackName === stack.stackName);
      check(deployed, `stack ${stack.stackName} is not deployed`);
      check(/_COMPLETE$/.test(deployed.StackStatus) && !/ROLLBACK/.test(deployed.StackStatus), `stack ${stack.stackName} is ${deployed.StackStatus}`);
      const [owner, expected] = stack === asm.service ? [config.envName, config.terminationProtection] : ['registry', registry.terminationProtection];
      check(
        (deployed.EnableTerminationProtection ?? false) === expected,
        `stack ${stack.stackName}: termination protection is ${deployed.EnableTerminationProtection}, ${owner}.terminationProtection is ${expected}`,
      );
      this.checkResources(stack.stackName, stack.template, state.resources[stack.stackName], unsupported);
      this.checkOutputs(stack.stackName, stack.template, deployed, unsupported, facts);
      this.steps.info(`stack ${stack.stackName}: complete, termination protection ${expected ? 'on' : 'off'}`);
    }

    let kmsKey: string | undefined;
    if (options.registry) {
      check(
        repo.imageTagMutability === registry.tagMutability,
        `repository ${repo.repositoryName}: imageTagMutability is ${repo.imageTagMutability}, registry.tagMutability is ${registry.tagMutability}`,
      );
      const expectedEncryption = registry.kmsEncryption ? 'KMS' : 'AES256';
      let encryption = repo.encryptionConfiguration?.encryptionType;
      kmsKey = repo.encryptionConfiguration?.kmsKey;
      if (encryption === undefined && registry.kmsEncryption) {
        // moto stores the CloudFormation EncryptionConfiguration as given ({EncryptionType, KmsKey}), which the
        // API then reports as an empty encryptionConfiguration: follow the template's key reference instead.
        kmsKey = this.repositoryKeyFromStack(asm, state.resources[asm.registry.stackName]);
        check(kmsKey, `registry.kmsEncryption is true, but the repository in ${asm.registry.stackName} references no KMS key`);
        encryption = expectedEncryption;
        this.steps.notVerified(
          `encryption of ${repo.repositoryName} as ECR reports it`,
          `moto keeps CloudFormation's EncryptionConfiguration in CloudFormation casing, so describe-repositories returns an empty encryptionConfiguration; checked instead: the KMS key the repository references exists and is Enabled`,
        );
      }
      check(encryption === expectedEncryption, `repository ${repo.repositoryName}: encryption is ${encryption}, registry.kmsEncryption is ${registry.kmsEncryption}`);
      if (registry.kmsEncryption) {
        check(kmsKey, `repository ${repo.repositoryName} is KMS-encrypted but names no key`);
        await this.checkKeyUsable(ctx, kmsKey, `repository ${repo.repositoryName}`);
      }
      this.steps.info(`repository ${repo.repositoryName}: ${repo.imageTagMutability}, ${encryption}${kmsKey ? ` with key ${kmsKey}` : ''}`);
    }

    await this.checkLogGroupEncryption(ctx, asm, state.resources[asm.service.stackName]);

    const images = this.appImages(state.taskDefinition);
    check(images.length > 0, `task definition ${state.taskDefinition.taskDefinitionArn} has no container running an image from ${registry.repositoryName} (containers: ${JSON.stringify(state.taskDefinition.containerDefinitions)})`);
    for (const image of images) check(image === target.imageUri, `task definition ${state.taskDefinition.taskDefinitionArn}: container image is ${image}, expected ${target.imageUri}`);
    this.steps.info(`task definition ${state.taskDefinition.taskDefinitionArn}: image ${target.imageUri} from the shared repository`);
    return { state, kmsKey };
  }

  /**
   * Checks that a KMS key exists and is Enabled (not disabled or pending deletion). moto's DescribeKey crashes
   * (HTTP 500, "TypeError: the JSON object must be str ... not dict" in moto/kms/policy_validator.py) for keys
   * CloudFormation created, whose KeyPolicy it stores as an object: then only existence can be checked.
   */
  async checkKeyUsable(ctx: StepContext, keyId: string, owner: string): Promise<void> {
    const run = this.aws(ctx);
    const logAt = this.moto.logSize();
    const r = await run(['kms', 'describe-key', '--key-id', keyId]);
    if (r.code === 0) {
      const state = (JSON.parse(r.stdout) as { KeyMetadata: { KeyState: string } }).KeyMetadata.KeyState;
      check(state === 'Enabled', `KMS key ${keyId} of ${owner} is ${state}`);
      return;
    }
    if (!(await this.moto.logShows(/policy_validator\.py[\s\S]*the JSON object must be str/, logAt))) {
      throw new CommandError(`kms describe-key ${keyId} failed with exit code ${r.code}`, r.command, r.output);
    }
    const keys = await awsJson<{ Keys: { KeyId: string; KeyArn: string }[] }>(run, ['kms', 'list-keys']);
    check(keys.Keys.some((k) => k.KeyId === keyId || k.KeyArn === keyId), `KMS key ${keyId} of ${owner} does not exist`);
    this.steps.notVerified(
      'KMS key state (Enabled, not pending deletion)',
      "moto's DescribeKey crashes (HTTP 500, TypeError in moto/kms/policy_validator.py) on keys CloudFormation created, and moto never schedules a key for deletion when its stack is deleted; checked instead: the key exists (list-keys) — the key's removal policy is covered by unit tests on the template",
    );
  }

  /**
   * Control Tower CT.CLOUDWATCH.PR.3: the task log group exists, encrypted with the service stack's own log key,
   * and that key exists and is usable. What moto cannot show is reported.
   */
  async checkLogGroupEncryption(ctx: StepContext, asm: EnvironmentAssembly, deployed: StackResource[]): Promise<void> {
    const [[groupId, group]] = resourcesOfType(asm.service.template, 'AWS::Logs::LogGroup');
    const name = (group.Properties?.LogGroupName as string | undefined) ?? deployed.find((r) => r.LogicalResourceId === groupId)?.PhysicalResourceId;
    check(name, `log group ${groupId} of ${asm.service.stackName} has no name`);
    const keyRef = group.Properties?.KmsKeyId as { 'Fn::GetAtt'?: [string, string] } | undefined;
    const keyLogicalId = keyRef?.['Fn::GetAtt']?.[0];
    check(keyLogicalId, `log group ${name} in the template is not encrypted with a key of its stack (KmsKeyId: ${JSON.stringify(keyRef)})`);
    const keyId = deployed.find((r) => r.LogicalResourceId === keyLogicalId)?.PhysicalResourceId;
    check(keyId, `log key ${keyLogicalId} of ${asm.service.stackName} was not deployed`);
    const groups = await awsJson<{ logGroups: { logGroupName: string; kmsKeyId?: string }[] }>(this.aws(ctx), ['logs', 'describe-log-groups', '--log-group-name-prefix', name]);
    const found = groups.logGroups.find((g) => g.logGroupName === name);
    check(found, `log group ${name} does not exist`);
    await this.checkKeyUsable(ctx, keyId, `log group ${name}`);
    if (found.kmsKeyId === undefined) {
      this.steps.notVerified(
        `KMS encryption of log group ${name} as CloudWatch Logs reports it`,
        "moto's CloudFormation creates the log group without the template's KmsKeyId (describe-log-groups shows no kmsKeyId); checked instead: the log group and its own key exist, the key is usable, and the template references that key (unit tests and the Control Tower checks on the template)",
      );
    } else {
      check(found.kmsKeyId === keyId || found.kmsKeyId.endsWith(`/${keyId}`), `log group ${name} is encrypted with ${found.kmsKeyId}, expected the stack's log key ${keyId}`);
      this.steps.info(`log group ${name}: encrypted with its own key ${keyId}`);
    }
    this.steps.notVerified(
      'KMS key policies (CT.KMS.PR.3 grant limit, the CloudWatch Logs and SNS encryption-context conditions, the CloudWatch aws:SourceAccount condition)',
      'moto stores key policies but does not enforce them, and its CloudWatch Logs does not encrypt with the key — evaluated on the synthesized templates with AWS policy logic by the access-path suite (test/access/), and checked by the Control Tower checks at synth',
    );
  }

  /** The deployed KMS key (id or ARN) the template's repository points its EncryptionConfiguration.KmsKey at. */
  repositoryKeyFromStack(asm: EnvironmentAssembly, deployed: StackResource[]): string | undefined {
    const [, repo] = resourcesOfType(asm.registry.template, 'AWS::ECR::Repository')[0];
    const ref = (repo.Properties?.EncryptionConfiguration as { KmsKey?: unknown } | undefined)?.KmsKey;
    if (typeof ref === 'string') return ref;
    const r = ref as { 'Fn::GetAtt'?: [string, string]; Ref?: string } | undefined;
    const logicalId = r?.['Fn::GetAtt']?.[0] ?? r?.Ref;
    return deployed.find((x) => x.LogicalResourceId === logicalId)?.PhysicalResourceId;
  }

  /** Images of containers that run from the shared repository (sidecars from elsewhere are ignored). */
  appImages(taskDef: TaskDefinitionDescription): string[] {
    return taskDef.containerDefinitions.map((c) => c.image ?? '').filter((i) => /\/[^/]+$/.exec(i)?.[0].split(/[:@]/)[0] === `/${REGISTRY_CONFIG.repositoryName}`);
  }

  checkResources(stackName: string, template: Template, deployed: StackResource[], unsupported: Set<string>): void {
    const skipped = new Map<string, number>();
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type === 'AWS::CDK::Metadata') continue;
      const found = deployed.find((r) => r.LogicalResourceId === logicalId);
      if (found) {
        check(/_COMPLETE$/.test(found.ResourceStatus), `${stackName}/${logicalId} (${resource.Type}) is ${found.ResourceStatus}`);
      } else {
        check(unsupported.has(resource.Type), `${stackName}/${logicalId} (${resource.Type}) is missing from the deployed stack`);
        skipped.set(resource.Type, (skipped.get(resource.Type) ?? 0) + 1);
      }
    }
    for (const [type, count] of skipped) {
      this.steps.notVerified(
        `${type} (${count} in ${stackName})`,
        "moto's CloudFormation does not implement this resource type and skips it (never created) — covered by unit tests on the template",
      );
    }
    const rules = Object.values(template.Resources ?? {}).filter((r) => r.Type === 'AWS::Events::Rule');
    const readOnly = rules.filter((r) => r.Properties?.State === 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS').length;
    if (rules.length > 0) {
      this.steps.notVerified(
        `EventBridge rule matching and delivery (${rules.length} rule(s) in ${stackName}, ${readOnly} in state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS)`,
        'moto creates the rules but emits no ECR, Amazon Inspector or CloudTrail events, so no pattern, rule state or target delivery is exercised — covered by unit tests on the template',
      );
    }
  }

  /**
   * Every declared output must have a value after deploy; outputs named after a fact the e2e observed itself
   * (`facts`, matched by output key or key suffix) must carry exactly that value.
   */
  checkOutputs(stackName: string, template: Template, deployed: StackDescription, unsupported: Set<string>, facts: Readonly<Record<string, string>>): void {
    const declared = Object.entries(template.Outputs ?? {});
    const matched: string[] = [];
    for (const [key, output] of declared) {
      const value = deployed.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
      if (value !== undefined && value !== '' && value !== 'None') {
        const fact = Object.entries(facts).find(([name]) => key === name || key.endsWith(name));
        if (fact) {
          check(value === fact[1], `stack ${stackName}: output ${key} is ${value}, but AWS reports ${fact[1]}`);
          matched.push(key);
        }
        continue;
      }
      // An output that points at a resource moto skipped cannot have a value: that is moto, not the app.
      const refersToSkipped = Object.entries(template.Resources ?? {}).some(([id, r]) => unsupported.has(r.Type) && JSON.stringify(output).includes(`"${id}"`));
      check(refersToSkipped, `stack ${stackName}: output ${key} is missing or empty after deploy (declared as ${JSON.stringify(output)})`);
      this.steps.notVerified(`output ${stackName}.${key}`, 'its value refers to a resource type moto skips — covered by unit tests on the template');
    }
    this.steps.info(
      `stack ${stackName}: all ${declared.length} declared output(s) have values${matched.length ? `; ${matched.join(', ')} match what AWS reports` : ''}`,
    );
  }

  /** Repository features moto accepts in the template but does not apply: checked live, reported as gaps. */
  async checkRepositoryGaps(ctx: StepContext, asm: EnvironmentAssembly): Promise<void> {
    const run = this.aws(ctx);
    const coveredBy = 'covered by unit tests on the template';
    const probes = resourcesOfType(asm.registry.template, 'AWS::ECR::Repository').flatMap(([, repo]) => {
      const props = repo.Properties ?? {};
      const name = String(props.RepositoryName);
      const scan = props.ImageScanningConfiguration as { ScanOnPush?: boolean } | undefined;
      if (scan?.ScanOnPush !== undefined) {
        this.steps.notVerified(`scan on push of ${name}`, `moto does not report the CloudFormation ImageScanningConfiguration back in describe-repositories — ${coveredBy}`);
      }
      const lifecycle = async () => {
        const r = await run(['ecr', 'get-lifecycle-policy', '--repository-name', name]);
        const expected = (props.LifecyclePolicy as { LifecyclePolicyText?: unknown }).LifecyclePolicyText;
        if (r.code === 0 && typeof expected === 'string' && canonical(JSON.parse(JSON.parse(r.stdout).lifecyclePolicyText)) === canonical(JSON.parse(expected))) {
          this.steps.info(`repository ${name}: lifecycle policy applied as synthesized`);
        } else {
          this.steps.notVerified(`ECR lifecycle policy of ${name}`, `moto ignores AWS::ECR::Repository LifecyclePolicy (get-lifecycle-policy: ${r.code === 0 ? 'a different policy' : firstError(r.stderr)}) — ${coveredBy}`);
        }
      };
      const policy = async () => {
        const r = await run(['ecr', 'get-repository-policy', '--repository-name', name]);
        if (r.code === 0) this.steps.info(`repository ${name}: repository policy present`);
        else this.steps.notVerified(`ECR repository policy of ${name}`, `moto ignores AWS::ECR::Repository RepositoryPolicyText (get-repository-policy: ${firstError(r.stderr)}) — ${coveredBy}`);
      };
      return [props.LifecyclePolicy !== undefined ? lifecycle() : undefined, props.RepositoryPolicyText !== undefined ? policy() : undefined];
    });
    await Promise.all(probes);
  }
}

function firstError(stderr: string): string {
  return stderr.trim().split('\n').filter(Boolean).pop() ?? 'failed';
}

/** Deep equality by canonical JSON (key order independent). */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : x,
  );
}

/** Paths (and both values) where two JSON-like values differ, e.g. `repository.imageTagMutability: "A" -> "B"`. */
function differences(a: unknown, b: unknown, at = ''): string[] {
  if (canonical(a) === canonical(b)) return [];
  const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object';
  if (!isObj(a) || !isObj(b) || Array.isArray(a) !== Array.isArray(b)) return [`  ${at || '(root)'}: ${canonical(a)} -> ${canonical(b)}`];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.flatMap((k) => differences(a[k], b[k], at ? `${at}.${k}` : k));
}

function dockerManifest(seed: string): string {
  const digest = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1469, digest: digest(`config-${seed}`) },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 2811478, digest: digest(`layer-${seed}`) }],
  });
}

/** A release pushed through the ECR API, as CI would: its release tag and the digest ECR reported. */
interface Pushed {
  readonly tag: string;
  readonly digest: string;
}

/** Deploys the shared registry once (from the first environment's assembly) and checks it. */
async function registryFlow(e2e: E2e, first: { target: Target; base: EnvironmentAssembly }, all: readonly EnvironmentAssembly[]): Promise<string | undefined> {
  const { steps } = e2e;
  const { registry } = first.base;
  // The replica first: the settings stack's replication writes into it (a stack dependency cdk deploy follows).
  const shared = [registry, ...(first.base.replica ? [first.base.replica] : []), ...(first.base.settings ? [first.base.settings] : [])];
  await steps.step(`[registry] the registry and registry settings templates are identical in every environment's synth`, async () => {
    // Deploy-time context (-c env, -c imageDigest/imageTag) must never change the shared registry or its settings.
    for (const pick of [(a: EnvironmentAssembly) => a.registry, (a: EnvironmentAssembly) => a.settings, (a: EnvironmentAssembly) => a.replica]) {
      const text = (asm: EnvironmentAssembly) => { const s = pick(asm); return s ? fs.readFileSync(s.templateFile, 'utf8') : 'none'; };
      for (const asm of all) check(text(asm) === text(first.base), `${asm.dir}: ${pick(asm)?.stackName ?? 'the settings stack'} differs from ${first.base.dir}`);
    }
    steps.info(`${shared.map((s) => s.stackName).join(', ')}: byte-identical in ${all.length} assemblies (different -c env, -c imageDigest, -c imageTag)`);
  });
  await steps.step(`[registry] cdk deploy ${shared.map((s) => s.stackName).join(' ')}`, (ctx) => e2e.deploy(ctx, first.base, shared));
  const { kmsKey } = await steps.step('[registry] verify the repository every environment pulls from', async (ctx) => {
    // No service stack yet: verify() needs one, so deploy the first environment's with it (checked again later).
    await e2e.deploy(ctx, first.base, [first.base.service]);
    return e2e.verify(ctx, first.target, first.base, { registry: true });
  });
  return kmsKey;
}

/** Registers the DescribeImageScanFindings response moto returns for one image (see AWS-FACTS: moto gaps). */
async function registerScanResult(e2e: E2e, digest: string, counts: Record<string, number>): Promise<void> {
  const body = JSON.stringify({
    region: REGISTRY_CONFIG.region,
    results: [{
      registryId: MOTO_ACCOUNT,
      repositoryName: REGISTRY_CONFIG.repositoryName,
      imageId: { imageDigest: digest },
      imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
      imageScanFindings: { findingSeverityCounts: counts, findings: [] },
    }],
  });
  const res = await fetch(`${e2e.moto.endpoint}/moto-api/static/ecr/scan-finding-results`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
  check(res.ok, `moto refused the scan-finding results for ${digest}: HTTP ${res.status} ${await res.text()}`);
}

/**
 * Build once, promote by digest: CI's push is stood in for by put-image (moto cannot run docker), the scan
 * by moto's configurable scan results. The gate must refuse an image with CRITICAL findings and one with no
 * scan, and promote a clean one build -> dev -> staging -> prod by adding tags to the same digest.
 */
async function promotionFlow(e2e: E2e): Promise<Pushed> {
  const { steps } = e2e;
  const repo = REGISTRY_CONFIG.repositoryName;
  const images = await steps.step(`[promote] push six release images through the ECR API (put-image), scan them, sign them (stand-in)`, async (ctx) => {
    const run = e2e.aws(ctx);
    const put = async (tag: string, seed: string): Promise<Pushed> => {
      const r = await awsJson<{ image: { imageId: { imageDigest: string } } }>(run, [
        'ecr', 'put-image', '--repository-name', repo, '--image-tag', tag,
        '--image-manifest', dockerManifest(seed), '--image-manifest-media-type', 'application/vnd.docker.distribution.manifest.v2+json',
      ]);
      return { tag, digest: r.image.imageId.imageDigest };
    };
    const [clean, critical, unscanned, unsigned, failed, foreign] = await Promise.all([
      put('v1.0.1-e2e0001', 'clean'), put('v1.0.2-e2e0002', 'critical'), put('v1.0.3-e2e0003', 'unscanned'),
      put('v1.0.4-e2e0004', 'unsigned'), put('v1.0.5-e2e0005', 'failed'), put('v1.0.6-e2e0006', 'foreign'),
    ]);
    // moto needs a started scan before it answers DescribeImageScanFindings; the unscanned image gets none.
    await Promise.all([clean, critical, unsigned, failed, foreign].map((i) => awsJson(run, ['ecr', 'start-image-scan', '--repository-name', repo, '--image-id', `imageDigest=${i.digest}`])));
    await Promise.all([
      registerScanResult(e2e, clean.digest, { LOW: 2 }),
      registerScanResult(e2e, critical.digest, { CRITICAL: 2, HIGH: 1 }),
      ...[unsigned, failed, foreign].map((i) => registerScanResult(e2e, i.digest, { LOW: 1 })),
    ]);
    // Managed signing, as the stand-in reports it (moto has none): the first three signed by the configured
    // profile, one never signed, one FAILED, one signed by a profile of another account.
    const profile = signingProfileArn(REGISTRY_CONFIG.region, MOTO_ACCOUNT, REGISTRY_CONFIG.settings.signing.profileName);
    for (const i of [clean, critical, unscanned]) e2e.signing.register(i.digest, [{ signingProfileArn: profile, status: 'COMPLETE' }]);
    e2e.signing.register(failed.digest, [{ signingProfileArn: profile, status: 'FAILED', failureCode: 'AccessDeniedException', failureReason: 'not authorized to perform signer:SignPayload' }]);
    e2e.signing.register(foreign.digest, [{ signingProfileArn: profile.replace(MOTO_ACCOUNT, '999999999999'), status: 'COMPLETE' }]);
    // Release tags are immutable: a second push of a tag with another manifest is refused. ECR answers
    // ImageTagAlreadyExistsException, moto ImageAlreadyExistsException.
    await awsExpectError(run, ['ecr', 'put-image', '--repository-name', repo, '--image-tag', clean.tag, '--image-manifest', dockerManifest('other'),
      '--image-manifest-media-type', 'application/vnd.docker.distribution.manifest.v2+json'], /ImageTagAlreadyExistsException|ImageAlreadyExistsException/);
    steps.info(`pushed ${clean.tag} (${clean.digest}), ${critical.tag} (CRITICAL=2), ${unscanned.tag} (never scanned), ${unsigned.tag} (never signed), ${failed.tag} (signing FAILED), ${foreign.tag} (signed by another account's profile); re-pushing ${clean.tag} is refused`);
    return { clean, critical, unscanned, unsigned, failed, foreign };
  });
  steps.notVerified(
    'ECR managed signing itself (the signing configuration signing each push as the pusher, DescribeImageSigningStatus)',
    'moto 5.2.1 implements neither the signing configuration nor DescribeImageSigningStatus; the e2e answers DescribeImageSigningStatus from a stand-in in front of moto (statuses it registered per digest), so the gate runs through the real CLI and SDK — ECR\'s own statuses are covered by unit tests with aws-sdk-client-mock (test/promotion/promote.test.ts)',
  );

  await steps.step('[promote] the signature gate refuses an unsigned, a FAILED and a wrongly signed image (exit 1, nothing tagged)', async (ctx) => {
    const [unsigned, failed, foreign] = await Promise.all([
      e2e.promote(ctx, ['--from', 'build', '--to', 'dev', '--tag', images.unsigned.tag], 1),
      e2e.promote(ctx, ['--from', 'build', '--to', 'dev', '--tag', images.failed.tag], 1),
      e2e.promote(ctx, ['--from', 'build', '--to', 'dev', '--tag', images.foreign.tag], 1),
    ]);
    check(/REFUSED: .*it has no managed signature/.test(unsigned.stderr), `no "no managed signature" refusal in: ${unsigned.stderr}`);
    check(/REFUSED: .*FAILED \(AccessDeniedException: not authorized to perform signer:SignPayload\)/.test(failed.stderr), `no FAILED-signature refusal in: ${failed.stderr}`);
    check(/REFUSED: .*not signed by the configured profile .*only by arn:aws:signer:[^:]+:999999999999:/.test(foreign.stderr), `no wrong-profile refusal in: ${foreign.stderr}`);
    const tags = await e2e.imageTags(ctx, [images.unsigned.digest, images.failed.digest, images.foreign.digest]);
    check(tags.every((t) => !t.some((x) => x.startsWith('dev-'))), `a refused image was tagged anyway: ${JSON.stringify(tags)}`);
    check(e2e.signing.answered >= 3, `the signing stand-in answered ${e2e.signing.answered} DescribeImageSigningStatus calls, expected at least 3`);
    for (const r of [unsigned, failed, foreign]) steps.info(`refused: ${r.stderr.trim().split('\n').pop()}`);
  });

  await steps.step('[promote] the gate refuses CRITICAL findings and an image with no scan (exit 1, nothing tagged)', async (ctx) => {
    const [critical, unscanned] = await Promise.all([
      e2e.promote(ctx, ['--from', 'build', '--to', 'dev', '--tag', images.critical.tag], 1),
      e2e.promote(ctx, ['--from', 'build', '--to', 'dev', '--digest', images.unscanned.digest], 1),
    ]);
    check(/REFUSED: .*findings at or above CRITICAL: CRITICAL=2/.test(critical.stderr), `no CRITICAL refusal in: ${critical.stderr}`);
    check(/REFUSED: .*has no scan/.test(unscanned.stderr), `no "no scan" refusal in: ${unscanned.stderr}`);
    const tags = await e2e.imageTags(ctx, [images.critical.digest, images.unscanned.digest]);
    check(tags.every((t) => !t.some((x) => x.startsWith('dev-'))), `a refused image was tagged anyway: ${JSON.stringify(tags)}`);
    steps.info(`refused: ${critical.stderr.trim().split('\n').pop()}`);
    steps.info(`refused: ${unscanned.stderr.trim().split('\n').pop()}`);
  });

  await steps.step('[promote] a clean image: dry run changes nothing; then build -> dev -> staging -> prod', async (ctx) => {
    const { clean } = images;
    const dry = await e2e.promote(ctx, ['--from', 'build', '--to', 'dev', '--tag', clean.tag, '--dry-run'], 0);
    check(dry.stdout.includes(`would promote (dry run) ${clean.digest} to dev`), `dry run output: ${dry.stdout}`);
    check(/signature COMPLETE by arn:aws:signer:/.test(dry.stdout), `the dry run does not show the signature check: ${dry.stdout}`);
    check(!(await e2e.imageTags(ctx, [clean.digest]))[0].includes(`dev-${clean.tag}`), 'the dry run tagged the image');
    // Skipping an environment is refused before any AWS call.
    await e2e.promote(ctx, ['--from', 'dev', '--to', 'prod', '--tag', clean.tag], 2);
    for (const [from, to] of [['build', 'dev'], ['dev', 'staging'], ['staging', 'prod']]) {
      const r = await e2e.promote(ctx, ['--from', from, '--to', to, '--tag', clean.tag, '--digest', clean.digest], 0);
      check(r.stdout.includes(`digest=${clean.digest}`), `promote ${from} -> ${to} printed no digest: ${r.stdout}`);
    }
    const again = await e2e.promote(ctx, ['--from', 'staging', '--to', 'prod', '--digest', clean.digest], 0);
    check(again.stdout.includes('already promoted'), `a second promotion to prod is not idempotent: ${again.stdout}`);
    const [tags] = await e2e.imageTags(ctx, [clean.digest]);
    const expected = [clean.tag, ...['dev', 'staging', 'prod'].map((e) => `${e}-${clean.tag}`)].sort();
    check(JSON.stringify([...tags].sort()) === JSON.stringify(expected), `${clean.digest} carries ${JSON.stringify(tags)}, expected ${JSON.stringify(expected)}`);
    steps.info(`${clean.digest}: one digest, tags ${expected.join(', ')}; a second promotion to prod is a no-op`);
  });
  return images.clean;
}

/** One environment's service stack: deploy, no-op redeploy, diff, then deploy pinned to the promoted digest. */
async function environmentFlow(e2e: E2e, target: Target, asm: EnvironmentAssembly, changed: EnvironmentAssembly, change: Change, deployed: boolean): Promise<void> {
  const { steps } = e2e;
  const { name } = target;
  const label = `[${name}]`;
  const service = [asm.service];

  if (!deployed) await steps.step(`${label} cdk deploy ${asm.service.stackName} --exclusively`, (ctx) => e2e.deploy(ctx, asm, service));
  const { state: before } = await steps.step(`${label} verify the service stack`, (ctx) => e2e.verify(ctx, target, asm, { registry: false }));

  await steps.step(`${label} cdk deploy again (must change nothing)`, async (ctx) => {
    // With --no-previous-parameters (needed by moto) cdk cannot skip the deploy: the deployed BootstrapVersion
    // parameter counts as a change, so CloudFormation runs a real update with the identical template.
    await e2e.deploy(ctx, asm, service);
    const after = await e2e.observe(ctx, asm, { registry: false });
    check(after.stacks[1].StackStatus === 'UPDATE_COMPLETE', `stack ${after.stacks[1].StackName} is ${after.stacks[1].StackStatus} after the second deploy`);
    // Statuses move from CREATE_COMPLETE to UPDATE_COMPLETE on any update; everything else must stay put.
    const stable = (state: typeof before) => ({
      taskDefinition: state.taskDefinition,
      taskDefinitionRevisions: state.taskDefinitionRevisions,
      stack: (({ StackStatus: _s, LastUpdatedTime: _t, ...rest }) => rest)(state.stacks[1]),
      resources: state.resources[asm.service.stackName].map(({ ResourceStatus: _r, ...rest }) => rest),
    });
    const differ = differences(stable(before), stable(after));
    check(differ.length === 0, `the second deploy changed what AWS reports:\n${differ.slice(0, 10).join('\n')}`);
    steps.info(`${label} stack outputs/tags/parameters, stack resources, task definition and its revisions identical before and after`);
  });

  await steps.step(`${label} cdk diff --fail (no differences)`, async (ctx) => {
    // --method=template: a change-set diff would hit moto's change-set bug and a ~50 s retry loop.
    const r = await e2e.cdk(ctx, ['diff', '--app', asm.dir, ...asm.stacks.map((s) => s.id), '--method=template', '--fail']);
    check(/Number of stacks with differences: 0/.test(r.output), 'cdk diff exited 0 but did not report 0 stacks with differences');
  });

  await steps.step(`${label} cdk diff ${change.flags.join(' ')} (must show it, on the service stack only)`, async (ctx) => {
    // --fail: exit 1 means "differences found"; anything else (or no diff text) is a failure of the step.
    const r = await e2e.cdk(ctx, ['diff', '--app', changed.dir, ...changed.stacks.map((s) => s.id), '--method=template', '--fail'], 1);
    check(r.output.includes(change.needle), `cdk diff does not mention ${change.needle}`);
    check(/Number of stacks with differences: 1\b/.test(r.output), 'cdk diff did not report exactly one stack (the service) with differences');
    check(/AWS::ECS::TaskDefinition/.test(r.output), 'cdk diff does not show the task definition changing');
  });

  await steps.step(`${label} cdk deploy ${change.flags.join(' ')} --exclusively`, async (ctx) => {
    await e2e.deploy(ctx, changed, [changed.service]);
    const run = e2e.aws(ctx);
    const [tpl, after] = await Promise.all([
      awsJson<{ TemplateBody: unknown }>(run, ['cloudformation', 'get-template', '--stack-name', changed.service.stackName]),
      e2e.observe(ctx, changed, { registry: false }),
    ]);
    const stack = after.stacks[1];
    check(stack.StackStatus === 'UPDATE_COMPLETE', `stack ${stack.StackName} is ${stack.StackStatus} after the change, expected UPDATE_COMPLETE`);
    const body = typeof tpl.TemplateBody === 'string' ? tpl.TemplateBody : JSON.stringify(tpl.TemplateBody);
    check(body.includes(change.needle), `the deployed template of ${changed.service.stackName} does not contain ${change.needle}`);
    check(after.taskDefinition.taskDefinitionArn !== before.taskDefinition.taskDefinitionArn, `the task definition was not replaced (still ${before.taskDefinition.taskDefinitionArn})`);
    check(after.taskDefinitionRevisions.includes(after.taskDefinition.taskDefinitionArn), `new revision ${after.taskDefinition.taskDefinitionArn} is not registered`);
    // The digest the deployed stack runs (its ImageUri output, resolved by CloudFormation) must exist in the
    // repository it pulls from.
    const deployedUri = stack.Outputs?.find((o) => o.OutputKey === 'ImageUri')?.OutputValue ?? '';
    const uri = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.[^/]+\/([^@]+)@(sha256:[a-f0-9]{64})$/.exec(deployedUri);
    check(uri, `${changed.service.stackName} output ImageUri ${JSON.stringify(deployedUri)} names no image by digest`);
    const [, account, region, repository, digest] = uri;
    const found = await awsJson<{ imageDetails: { imageDigest: string; imageTags?: string[] }[] }>(run, [
      'ecr', 'describe-images', '--registry-id', account, '--region', region, '--repository-name', repository, '--image-ids', `imageDigest=${digest}`,
    ]);
    check(found.imageDetails[0]?.imageDigest === digest, `DescribeImages finds no ${digest} in ${repository}`);
    check((found.imageDetails[0].imageTags ?? []).includes(`${name}-${found.imageDetails[0].imageTags?.find((t) => t.startsWith('v'))}`), `${digest} is deployed to ${name} but carries no ${name}-<release> promotion tag`);
    steps.info(`${stack.StackName}: UPDATE_COMPLETE, runs ${repository}@${digest}, which DescribeImages finds with tags ${found.imageDetails[0].imageTags?.join(', ')}`);
    const images = e2e.appImages(after.taskDefinition);
    if (images.length > 0) {
      for (const image of images) check(image === change.imageUri, `new task definition revision runs ${image}, expected ${change.imageUri}`);
    } else {
      steps.notVerified(
        `${label} container image of the updated task definition revision`,
        `moto registers the new revision without its container image/name (only the first revision is faithful); checked instead: the deployed template carries ${change.imageUri} and a new revision was registered`,
      );
    }
  });
}

/** Destroys every service stack, then the registry: the RETAIN repository keeps its images and promotion tags. */
async function destroyFlow(e2e: E2e, flows: readonly { readonly changed: EnvironmentAssembly }[], pushed: Pushed, kmsKey: string | undefined): Promise<void> {
  const { steps } = e2e;
  const repo = REGISTRY_CONFIG.repositoryName;
  await steps.step(`cdk destroy every stack (repository, images and promotion tags must remain: RETAIN)`, async (ctx) => {
    const run = e2e.aws(ctx);
    const all = await awsJson<{ Stacks: StackDescription[] }>(run, ['cloudformation', 'describe-stacks']);
    const settings = flows[0].changed.settings;
    const stacks = [...flows.map((f) => f.changed.service), flows[0].changed.registry, ...(settings ? [settings] : [])];
    const isProtected = (name: string) => all.Stacks.some((d) => d.StackName === name && d.EnableTerminationProtection);
    for (const s of stacks.filter((x) => isProtected(x.stackName))) {
      // Explicit and visible: a protected stack is never destroyed by accident, not even by the e2e.
      console.log(`    termination protection is ON for ${s.stackName}: turning it off explicitly (aws cloudformation update-termination-protection --no-enable-termination-protection)`);
      const logAt = e2e.moto.logSize();
      const r = await run(['cloudformation', 'update-termination-protection', '--no-enable-termination-protection', '--stack-name', s.stackName]);
      if (r.code === 0) continue;
      if (!(await e2e.moto.logShows(/update_termination_protection action has not been implemented/, logAt))) {
        throw new CommandError(`update-termination-protection failed with exit code ${r.code}`, r.command, r.output);
      }
      steps.notVerified(
        'turning termination protection off, and protection blocking a delete',
        'moto does not implement UpdateTerminationProtection (HTTP 500) and its DeleteStack ignores termination protection; checked instead: the deployed stacks report EnableTerminationProtection=true — the stack property is covered by unit tests',
      );
    }
    for (const flow of flows) await e2e.cdk(ctx, ['destroy', '--app', flow.changed.dir, flow.changed.service.id, '--exclusively', '--force']);
    await e2e.cdk(ctx, ['destroy', '--app', flows[0].changed.dir, flows[0].changed.registry.id, '--exclusively', '--force']);
    if (settings) {
      await e2e.cdk(ctx, ['destroy', '--app', flows[0].changed.dir, settings.id, '--exclusively', '--force']);
      steps.notVerified(
        `${settings.stackName} keeps scanning and signing when it is destroyed (DeletionPolicy Retain on all three resources)`,
        'moto creates no registry scanning configuration, Signer profile or signing configuration from CloudFormation, so nothing can remain to look at — the Retain policies are checked on the template by test/constructs/registry-settings.spec.ts',
      );
    }
    const [, repos, images] = await Promise.all([
      expectStacksGone(run, stacks.map((s) => s.stackName)),
      awsJson<{ repositories: RepositoryDescription[] }>(run, ['ecr', 'describe-repositories', '--repository-names', repo]),
      awsJson<{ imageDetails: { imageDigest: string; imageTags?: string[] }[] }>(run, ['ecr', 'describe-images', '--repository-name', repo, '--image-ids', `imageTag=prod-${pushed.tag}`]),
      // A retained repository whose key is deleted holds images nobody can pull any more.
      kmsKey ? e2e.checkKeyUsable(ctx, kmsKey, `the retained repository ${repo} after destroy (retain the key with the repository)`) : undefined,
    ]);
    check(repos.repositories.length === 1, `repository ${repo} is gone after destroy, but registry.removalPolicy is ${REGISTRY_CONFIG.removalPolicy}`);
    check(images.imageDetails[0]?.imageDigest === pushed.digest, `${repo}:prod-${pushed.tag} is not ${pushed.digest} after destroy`);
    steps.info(`stacks deleted; repository ${repo} kept with prod-${pushed.tag} (${pushed.digest})${kmsKey ? `; its KMS key ${kmsKey} kept` : ''}`);
  });
}

async function expectStacksGone(run: AwsRunner, stackNames: readonly string[]): Promise<void> {
  const all = await awsJson<{ Stacks: StackDescription[] }>(run, ['cloudformation', 'describe-stacks']);
  const left = all.Stacks.filter((s) => stackNames.includes(s.StackName) && s.StackStatus !== 'DELETE_COMPLETE');
  check(left.length === 0, `still deployed after destroy: ${left.map((s) => `${s.StackName} (${s.StackStatus})`).join(', ')}`);
}

/**
 * Runs synths at most two at a time (they are CPU-bound; this machine may have 2 cores). After a failure no new
 * one starts, and it rejects only once the running ones have finished.
 */
function synthsInPool<T>(jobs: readonly (() => Promise<T>)[]): Promise<T[]> {
  return inPool(2, jobs, { stopOnError: true });
}

async function main(): Promise<number> {
  const started = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bcb-e2e-'));
  const [work, logs, home] = ['work', 'logs', 'home'].map((d) => path.join(tmp, d));
  for (const d of [work, logs, home]) fs.mkdirSync(d);
  const emptyFile = path.join(tmp, 'empty-aws-config');
  fs.writeFileSync(emptyFile, '');
  const motoLog = path.join(tmp, 'moto.log');

  let moto: MotoServer | undefined;
  let signing: SigningStandIn | undefined;
  let awsCli: WarmAwsCli | undefined;
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${sig}: stopping the running command and moto_server${moto ? ` (PID ${moto.pid})` : ''}; files kept in ${tmp}`);
    killRunningCommands();
    awsCli?.stop();
    void (moto?.stop() ?? Promise.resolve()).finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let failure: StepFailure | undefined;
  let e2e: E2e | undefined;
  try {
    const motoStart = Date.now();
    moto = await MotoServer.start(motoLog, isolatedEnv());
    console.log(`moto_server PID ${moto.pid} on ${moto.endpoint} (log: ${motoLog}), ready in ${((Date.now() - motoStart) / 1000).toFixed(1)} s`);
    signing = await SigningStandIn.start(moto.endpoint, MOTO_ACCOUNT);
    console.log(`signing stand-in on ${signing.endpoint} (answers DescribeImageSigningStatus, forwards the rest to moto)`);
    const env = cliEnv(moto.endpoint, home, emptyFile);
    awsCli = await WarmAwsCli.start(env, work);
    console.log(awsCli ? 'AWS CLI kept warm: one Python process, a forked child per call (test/e2e/lib/aws-cli-server.py)' : 'AWS CLI: python3 cannot import awscli here, so each call spawns `aws`');
    e2e = new E2e(moto, env, work, logs, signing, awsCli);
    const { steps } = e2e;
    const runner = e2e;

    const targets = E2E_ENVS.map(targetFor);
    for (const t of targets) {
      if (t.context.includes(`account=${MOTO_ACCOUNT}`)) steps.info(`${t.name} is pinned to account ${t.config.account}: deployed into moto's ${MOTO_ACCOUNT} with -c account=${MOTO_ACCOUNT}`);
    }
    const regions = [...new Set([REGISTRY_CONFIG.region, ...(REGISTRY_CONFIG.replicaRegion ? [REGISTRY_CONFIG.replicaRegion] : []), ...targets.map((t) => t.config.region)])];

    // Bootstrap and the base synths at once: bootstrap mostly waits on moto, synths mostly use CPU. allSettled,
    // so nothing is still running when a failure stops moto.
    const bootstrapTargets = regions.map((r) => `aws://${MOTO_ACCOUNT}/${r}`);
    const [bootstrapped, probed, synthesized] = await Promise.allSettled([
      steps.step(`cdk bootstrap ${bootstrapTargets.join(' ')}`, (ctx) => runner.cdk(ctx, ['bootstrap', ...bootstrapTargets])),
      steps.step('probe moto: CloudFormation AWS::KMS::Key with Tags', (ctx) => runner.motoRejectsTaggedKmsKeys(ctx)),
      synthsInPool(targets.map((t) => () => steps.step(`[${t.name}] cdk synth ${t.context.join(' ')}`, (ctx) => runner.synth(ctx, t, [], path.join(tmp, `asm-${t.name}`))))),
    ]);
    for (const settled of [bootstrapped, probed, synthesized]) if (settled.status === 'rejected') throw settled.reason;
    const workarounds: Workaround[] = [GETATT_TO_ALARMS, GETATT_TO_SIGNING_PROFILES];
    if ((probed as PromiseFulfilledResult<boolean>).value) workarounds.push(KMS_KEY_TAGS);
    /** moto workarounds, applied to every assembly alike (so cdk diff stays exact) and reported once each. */
    const counts = new Map<Workaround, number>();
    const adapt = (asm: EnvironmentAssembly, target: Target): EnvironmentAssembly => {
      for (const w of workarounds) {
        const r = applyWorkaround(asm, w, { account: MOTO_ACCOUNT, region: target.config.region });
        asm = r.assembly;
        counts.set(w, (counts.get(w) ?? 0) + r.count);
      }
      return asm;
    };
    const bases = (synthesized as PromiseFulfilledResult<EnvironmentAssembly[]>).value.map((asm, i) => adapt(asm, targets[i]));

    // The registry first (every environment pulls from it), then the release through the promotion gate.
    const kmsKey = await registryFlow(e2e, { target: targets[0], base: bases[0] }, bases);
    const pushed = await promotionFlow(e2e);
    const replica = REGISTRY_CONFIG.replicaRegion && bases[0].replica
      ? { repositoryName: REGISTRY_CONFIG.repositoryName, registryRegion: REGISTRY_CONFIG.region, replicaRegion: REGISTRY_CONFIG.replicaRegion, stack: bases[0].replica, promoted: pushed }
      : undefined;
    if (replica) await replicaE2e(e2e, replica);
    // Each service stack then changes to the promoted digest, with its release tag, as the pipeline deploys it.
    const change: Change = { flags: ['-c', `imageDigest=${pushed.digest}`, '-c', `imageTag=${pushed.tag}`], imageUri: imageUri(pushed.digest), needle: `@${pushed.digest}` };
    const changedAssemblies = await synthsInPool(targets.map((t) => () => steps.step(`[${t.name}] cdk synth ${t.context.join(' ')} ${change.flags.join(' ')}`, (ctx) => runner.synth(ctx, t, change.flags, path.join(tmp, `asm-${t.name}-changed`)))));
    const flows = targets.map((target, i) => ({ target, base: bases[i], changed: adapt(changedAssemblies[i], target) }));
    for (const [w, count] of counts) if (count > 0) steps.notVerified(w.what, w.why(count));
    // Once the registry is deployed, each environment's service stack is independent of the others': their flows run
    // side by side (each is one CDK CLI or AWS call at a time). allSettled, so nothing still runs when a failure stops moto.
    const settledFlows = await Promise.allSettled(flows.map((flow, i) => environmentFlow(runner, flow.target, flow.base, flow.changed, change, i === 0)));
    for (const settled of settledFlows) if (settled.status === 'rejected') throw settled.reason;
    // After the deploys, as the pipeline runs it: npm run doctor against the registry and the first environment.
    await doctorE2e(e2e, flows[0].target.name, flows[0].target.context, flows[0].changed);
    await destroyFlow(e2e, flows, pushed, kmsKey);
    if (replica) await replicaDestroy(e2e, { ...replica, assemblyDir: flows[0].changed.dir });
    await inventoryE2e(e2e);
  } catch (e) {
    const outside = moto ? 'setup (between steps)' : 'start moto_server';
    failure = e instanceof StepFailure ? e : new StepFailure(outside, e instanceof Error ? e.message : String(e), e instanceof CommandError ? e.command : undefined, e instanceof CommandError ? e.output : undefined, 0);
  } finally {
    awsCli?.stop();
    await signing?.close();
    if (moto) {
      await moto.stop();
      console.log(`moto_server PID ${moto.pid} stopped`);
    }
  }

  const total = Date.now() - started;
  if (e2e) console.log(`\n${e2e.steps.summary(total)}`);
  if (failure) {
    const log = fs.existsSync(motoLog) ? fs.readFileSync(motoLog).subarray(failure.motoLogOffset).toString('utf8') : '';
    console.error(renderFailure(failure, log, motoLog));
    console.error(`Command logs and assemblies kept in ${tmp}`);
    return 1;
  }
  if (process.env.E2E_KEEP) console.log(`\nFiles kept in ${tmp} (E2E_KEEP is set)`);
  else fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`\nE2E PASSED in ${(total / 1000).toFixed(1)} s`);
  return 0;
}

const E2E_USAGE = `Usage: npm run e2e

Deploys, re-deploys, diffs and destroys the stacks with the real CDK CLI against a local moto_server on
127.0.0.1 (never real AWS), then prints per-step timings. Needs moto_server and the aws CLI on PATH.
Takes no flags; settings come from the environment:
  E2E_ENVS=dev,prod   environments to run, in order (default dev,prod)
  E2E_KEEP=1          keep the temp dir (assemblies, per-step command logs, moto.log)

Exit codes: 0 passed, 1 failed, 2 bad arguments.
`;

const argsExit = helpOrRefuseArgs('e2e', process.argv.slice(2), E2E_USAGE);
if (argsExit !== undefined) {
  process.exitCode = argsExit;
} else {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
