/**
 * The replica (`registry.replicaRegion`) against moto: the replica stack deploys in the replica region (the
 * registry flow deploys it with the registry and its settings), its repository is immutable, the promotion
 * gate's replica check runs through the real CLI and SDK (refusing before the image is in the replica, passing
 * after), the inventory CLI reads the replica with `--region`, and the retained repository outlives the stack.
 * moto implements no ECR replication: the e2e copies the promoted image into the replica itself (BatchGetImage
 * + PutImage per tag), which is what replication would have done, and says so.
 */
import * as path from 'path';
import { AssemblyStack, Template } from './assembly';
import { AwsRunner, awsJson, RepositoryDescription, StackDescription, StackResource } from './aws';
import { check, StepContext, Steps } from './steps';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** What the replica flow needs from the e2e runner (run-e2e.ts's E2e class). */
export interface ReplicaE2eRunner {
  readonly steps: Steps;
  readonly env: NodeJS.ProcessEnv;
  aws(ctx: StepContext): AwsRunner;
  promote(ctx: StepContext, args: readonly string[], expectCode: number): Promise<{ stdout: string; stderr: string }>;
  cdk(ctx: StepContext, args: readonly string[], expectCode?: number): Promise<unknown>;
  unsupportedTypes(): Set<string>;
  checkResources(stackName: string, template: Template, deployed: StackResource[], unsupported: Set<string>): void;
}

export interface ReplicaE2eInput {
  readonly repositoryName: string;
  readonly registryRegion: string;
  readonly replicaRegion: string;
  /** The replica stack in an assembly the registry flow deployed. */
  readonly stack: AssemblyStack;
  /** The image promoted build -> dev -> staging -> prod in the registry's region. */
  readonly promoted: { readonly tag: string; readonly digest: string };
}

/** The AWS CLI in another region. */
const inRegion = (run: AwsRunner, region: string): AwsRunner => (args) => run([...args, '--region', region]);

export async function replicaE2e(e2e: ReplicaE2eRunner, input: ReplicaE2eInput): Promise<void> {
  const { steps } = e2e;
  const { repositoryName: repo, replicaRegion, registryRegion, stack, promoted } = input;

  await steps.step(`[replica] verify ${stack.stackName} in ${replicaRegion}: complete, its repository immutable`, async (ctx) => {
    const run = inRegion(e2e.aws(ctx), replicaRegion);
    const [stacks, resources, repos] = await Promise.all([
      awsJson<{ Stacks: StackDescription[] }>(run, ['cloudformation', 'describe-stacks', '--stack-name', stack.stackName]),
      awsJson<{ StackResources: StackResource[] }>(run, ['cloudformation', 'describe-stack-resources', '--stack-name', stack.stackName]),
      awsJson<{ repositories: RepositoryDescription[] }>(run, ['ecr', 'describe-repositories', '--repository-names', repo]),
    ]);
    const deployed = stacks.Stacks[0];
    check(deployed && /_COMPLETE$/.test(deployed.StackStatus) && !/ROLLBACK/.test(deployed.StackStatus), `stack ${stack.stackName} is ${deployed?.StackStatus}`);
    e2e.checkResources(stack.stackName, stack.template, resources.StackResources.filter((r) => Boolean(r.LogicalResourceId)), e2e.unsupportedTypes());
    const replica = repos.repositories[0];
    check(replica?.repositoryArn?.includes(`:${replicaRegion}:`), `no repository ${repo} in ${replicaRegion}: ${JSON.stringify(repos)}`);
    check(replica.imageTagMutability === 'IMMUTABLE', `replica ${repo} is ${replica.imageTagMutability}, expected IMMUTABLE`);
    steps.info(`${stack.stackName}: ${deployed.StackStatus}; repository ${replica.repositoryArn} IMMUTABLE`);
  });
  steps.notVerified(
    `the replica repository's lifecycle policy, repository policy and KMS encryption as ECR in ${replicaRegion} reports them`,
    'moto ignores a repository\'s LifecyclePolicy and RepositoryPolicyText and reports CloudFormation\'s EncryptionConfiguration as empty (as for the source) — test/stacks/registry-replica.spec.ts compares them with the source repository\'s on the templates',
  );

  await steps.step('[replica] the promotion gate checks the replica: refused before the image is there (exit 1), passes after', async (ctx) => {
    const args = ['--from', 'staging', '--to', 'prod', '--digest', promoted.digest, '--check-replica'];
    // Already promoted to prod: the promotion itself is a no-op, then the replica is checked.
    const before = await e2e.promote(ctx, [...args, '--replica-wait', '0'], 1);
    check(new RegExp(`REFUSED: ${promoted.digest} is not in ${replicaRegion} yet after waiting 0 s`).test(before.stderr), `no "not in the replica yet" refusal in: ${before.stderr}`);
    // What replication does: the same manifest under every tag of the image, in the replica region.
    const source = e2e.aws(ctx);
    const got = await awsJson<{ images: { imageManifest: string; imageManifestMediaType?: string; imageId: { imageTag?: string } }[] }>(source, [
      'ecr', 'batch-get-image', '--repository-name', repo, '--image-ids', `imageDigest=${promoted.digest}`,
    ]);
    const described = await awsJson<{ imageDetails: { imageTags?: string[] }[] }>(source, ['ecr', 'describe-images', '--repository-name', repo, '--image-ids', `imageDigest=${promoted.digest}`]);
    const manifest = got.images[0];
    const tags = described.imageDetails[0]?.imageTags ?? [];
    check(manifest?.imageManifest && tags.includes(`prod-${promoted.tag}`), `${promoted.digest} has no manifest or no prod tag in ${registryRegion}: ${JSON.stringify(described)}`);
    const replica = inRegion(source, replicaRegion);
    for (const tag of tags) {
      await awsJson(replica, ['ecr', 'put-image', '--repository-name', repo, '--image-tag', tag, '--image-manifest', manifest.imageManifest,
        ...(manifest.imageManifestMediaType ? ['--image-manifest-media-type', manifest.imageManifestMediaType] : [])]);
    }
    const after = await e2e.promote(ctx, args, 0);
    check(after.stdout.includes(`replica ${replicaRegion}: ${promoted.digest} and prod-${promoted.tag} present`), `the replica check did not pass: ${after.stdout}`);
    steps.info(`before the copy: ${before.stderr.trim().split('\n').pop()?.slice(0, 160)}...`);
    steps.info(`after copying ${tags.length} tag(s) to ${replicaRegion}: ${after.stdout.split('\n').find((l) => l.includes(`replica ${replicaRegion}`))}`);
  });
  steps.notVerified(
    `ECR replication itself (the replication configuration copying every push and promotion tag to ${replicaRegion}), the repository creation template applied to a repository ECR creates, and the ECR Replication Action events (the failure rule in ${replicaRegion}, its forwarding to ${registryRegion}, the notification)`,
    'moto 5.2.1 implements neither replication nor creation templates (CloudFormation skips AWS::ECR::ReplicationConfiguration and AWS::ECR::RepositoryCreationTemplate) and emits no ECR events; the e2e copied the promoted image into the replica itself (BatchGetImage + PutImage per tag) — the configuration, the template, both rules and the role are checked on the templates by test/stacks/registry-replica.spec.ts and test/constructs/replication-failure-notification.spec.ts',
  );

  await steps.step(`[replica] npm run inventory -- --region ${replicaRegion} reads the replica`, async (ctx) => {
    const r = await ctx.runOk('npm', ['run', '--silent', 'inventory', '--', '--repository', repo, '--region', replicaRegion, '--max-attempts', '1'],
      { cwd: ROOT, env: { ...e2e.env, NODE_NO_WARNINGS: '1' }, timeoutMs: 60_000 });
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    check(out.repositoryName === repo && out.imageCount === 1 && out.taggedImageCount === 1, `inventory of the replica printed ${r.stdout}`);
    steps.info(`inventory --region ${replicaRegion}: ${out.imageCount} image, ${out.totalSizeBytes} bytes (the source holds more: only the promoted image was copied)`);
  });
}

/** Destroys the replica stack (after the settings stack, which depends on it): the repository stays (RETAIN). */
export async function replicaDestroy(e2e: ReplicaE2eRunner, input: Pick<ReplicaE2eInput, 'repositoryName' | 'replicaRegion' | 'stack' | 'promoted'> & { readonly assemblyDir: string }): Promise<void> {
  await e2e.steps.step(`[replica] cdk destroy ${input.stack.stackName} (its repository and images must remain: RETAIN)`, async (ctx) => {
    await e2e.cdk(ctx, ['destroy', '--app', input.assemblyDir, input.stack.id, '--exclusively', '--force']);
    const run = inRegion(e2e.aws(ctx), input.replicaRegion);
    const [stacks, images] = await Promise.all([
      awsJson<{ Stacks: StackDescription[] }>(run, ['cloudformation', 'describe-stacks']),
      awsJson<{ imageDetails: { imageDigest: string }[] }>(run, ['ecr', 'describe-images', '--repository-name', input.repositoryName, '--image-ids', `imageTag=prod-${input.promoted.tag}`]),
    ]);
    const left = stacks.Stacks.filter((s) => s.StackName === input.stack.stackName && s.StackStatus !== 'DELETE_COMPLETE');
    check(left.length === 0, `${input.stack.stackName} is still deployed: ${left.map((s) => s.StackStatus).join(', ')}`);
    check(images.imageDetails[0]?.imageDigest === input.promoted.digest, `the replica lost prod-${input.promoted.tag} with its stack`);
    e2e.steps.info(`${input.stack.stackName} deleted; the replica repository kept prod-${input.promoted.tag} (${input.promoted.digest})`);
  });
}
