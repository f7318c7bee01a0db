import { Annotations, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { ACCOUNT_ID_RE } from '../aws/formats';
import { denyGrantsNotForAwsResources } from '../governance/kms-key-policy';
import { LifecyclePolicy } from '../lifecycle/policy';
import { RetentionIntent, lifecyclePolicyText, renderRetentionPolicy } from '../lifecycle/retention';

/** What `docker pull` needs on the repository (plus ecr:GetAuthorizationToken, which is account-wide). */
export const ECR_PULL_ACTIONS: readonly string[] = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

/**
 * What `docker push` needs, as listed by the ECR user guide ("IAM permissions for pushing an image"):
 * BatchGetImage is included because clients read existing manifests (multi-arch indexes, `buildx` checks).
 */
export const ECR_PUSH_ACTIONS: readonly string[] = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:CompleteLayerUpload',
  'ecr:InitiateLayerUpload',
  'ecr:PutImage',
  'ecr:UploadLayerPart',
];

/** Retention used when the caller states none: bounded growth, releases kept, nothing pinned. */
export const DEFAULT_RETENTION: RetentionIntent = {
  protectTagPatterns: [],
  releaseTagPatterns: ['v*'],
  keepReleaseImages: 30,
  expireUntaggedAfterDays: 7,
  maxImages: 500,
};

/** The image a task definition runs; the lifecycle policy never expires it. */
export interface PinnedImage {
  /** The tag the task definition runs, or the tag the pinned digest was pushed with. */
  readonly tag: string;
  /**
   * `sha256:...` when the task definition pins a digest. A lifecycle policy cannot select images by digest,
   * so only `tag` is protected; the construct warns at synth so the pipeline keeps both in step.
   * @default - the task definition runs the tag
   */
  readonly digest?: string;
}

/** Props for {@link ContainerRegistry}. */
export interface ContainerRegistryProps {
  /** ECR repository name (fixed, so other stacks find the repository without exports). */
  readonly repositoryName: string;
  /**
   * Basic scanning of every pushed image (Security Hub ECR.1).
   * @default true
   */
  readonly imageScanOnPush?: boolean;
  /**
   * Tag mutability. IMMUTABLE (Security Hub ECR.2) means a tag names one image forever.
   * @default ecr.TagMutability.IMMUTABLE
   */
  readonly tagMutability?: ecr.TagMutability;
  /**
   * Wildcard filters (1-5) for the `*_WITH_EXCLUSION` modes: tags matching them get the opposite mutability,
   * e.g. `latest` and `dev-*` stay movable in an otherwise immutable repository.
   * @default - none (required, 1-5, with a `*_WITH_EXCLUSION` mode)
   */
  readonly tagMutabilityExclusions?: readonly string[];
  /**
   * Encrypt with a customer-managed KMS key instead of AES256. A new key (rotation on, same removal
   * policy as the repository) is created unless `encryptionKey` is given. The encryption settings of an
   * ECR repository cannot change after creation: switching means a new repository.
   * @default false - AES256 with keys ECR manages
   */
  readonly kmsEncryption?: boolean;
  /**
   * An existing customer-managed key; implies `kmsEncryption`.
   * @default - a new key when `kmsEncryption` is true
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * RETAIN keeps repository and images when the stack is deleted. DESTROY deletes both: the repository is
   * emptied first (`EmptyOnDelete`), since CloudFormation cannot delete a repository that holds images.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * What the lifecycle policy keeps, rendered into ECR rules (see lib/lifecycle/retention.ts).
   * @default DEFAULT_RETENTION
   */
  readonly retention?: RetentionIntent;
  /**
   * The image the environment's task definition runs; a protecting rule keeps it forever.
   * @default - no image is pinned
   */
  readonly pinnedImage?: PinnedImage;
  /**
   * More tags whose images are never expired (e.g. the image tags several environments' configurations run,
   * when they all pull from this repository). Protected exactly like `pinnedImage.tag`.
   * @default - none
   */
  readonly pinnedImageTags?: readonly string[];
  /**
   * 12-digit account IDs allowed to pull, through the repository policy. Never `*`.
   * @default - no cross-account access
   */
  readonly crossAccountPullAccounts?: readonly string[];
}

/**
 * An ECR repository with secure defaults (scan on push, immutable tags, RETAIN), retention expressed as
 * intent and validated the way ECR validates it, a pinned image that can never be expired, and grants
 * that never allow a wildcard principal.
 */
export class ContainerRegistry extends Construct {
  readonly repository: ecr.Repository;
  /** The customer-managed key, when the repository uses KMS. */
  readonly encryptionKey?: kms.IKey;
  /** The lifecycle policy the repository carries, as validated. */
  readonly lifecyclePolicy: LifecyclePolicy;

  constructor(scope: Construct, id: string, props: ContainerRegistryProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (removalPolicy !== RemovalPolicy.RETAIN && removalPolicy !== RemovalPolicy.DESTROY) {
      throw new Error(`removalPolicy ${removalPolicy} is not supported for an ECR repository: use RemovalPolicy.RETAIN (keep images) or RemovalPolicy.DESTROY (empty and delete)`);
    }
    const tagMutability = props.tagMutability ?? ecr.TagMutability.IMMUTABLE;
    const exclusions = props.tagMutabilityExclusions ?? [];
    const withExclusion = tagMutability === ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION || tagMutability === ecr.TagMutability.MUTABLE_WITH_EXCLUSION;
    if (withExclusion && (exclusions.length < 1 || exclusions.length > 5)) {
      throw new Error(`tagMutabilityExclusions needs 1-5 wildcard filters with ${tagMutability}, got ${exclusions.length}: list the tags that should behave differently (e.g. 'latest', 'dev-*')`);
    }
    if (!withExclusion && exclusions.length > 0) {
      throw new Error(`tagMutabilityExclusions ${JSON.stringify(exclusions)} only apply to IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION, not ${tagMutability}: remove them or change tagMutability`);
    }
    const accounts = props.crossAccountPullAccounts ?? [];
    accounts.forEach((a, i) => {
      if (Token.isUnresolved(a)) return;
      if (a.includes('*')) {
        throw new Error(`crossAccountPullAccounts[${i}] is ${JSON.stringify(a)}: wildcard principals are never allowed; list the 12-digit account IDs that may pull`);
      }
      if (!ACCOUNT_ID_RE.test(a)) {
        throw new Error(`crossAccountPullAccounts[${i}] must be a 12-digit AWS account ID, got ${JSON.stringify(a)}`);
      }
    });

    if (props.kmsEncryption === false && props.encryptionKey) {
      throw new Error('encryptionKey was given with kmsEncryption: false: drop kmsEncryption (a key implies KMS) or the key');
    }
    if (props.encryptionKey) {
      this.encryptionKey = props.encryptionKey;
    } else if (props.kmsEncryption) {
      this.encryptionKey = new kms.Key(this, 'EncryptionKey', {
        description: `Encrypts images in ECR repository ${props.repositoryName}`,
        enableKeyRotation: true,
        // Deleting the key makes every image encrypted with it unreadable: it lives exactly as long as the
        // repository does.
        removalPolicy,
      });
      // Control Tower CT.KMS.PR.3. ECR's own grants for the repository carry kms:GrantIsForAWSResource.
      this.encryptionKey.addToResourcePolicy(denyGrantsNotForAwsResources());
    }

    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: props.repositoryName,
      imageScanOnPush: props.imageScanOnPush ?? true,
      imageTagMutability: tagMutability,
      imageTagMutabilityExclusionFilters: withExclusion ? exclusions.map((f) => ecr.ImageTagMutabilityExclusionFilter.wildcard(f)) : undefined,
      encryption: this.encryptionKey ? ecr.RepositoryEncryption.KMS : ecr.RepositoryEncryption.AES_256,
      encryptionKey: this.encryptionKey,
      removalPolicy,
      emptyOnDelete: removalPolicy === RemovalPolicy.DESTROY ? true : undefined,
    });

    const pinned = props.pinnedImage;
    this.lifecyclePolicy = renderRetentionPolicy(props.retention ?? DEFAULT_RETENTION, {
      pinnedImageTags: [...(props.pinnedImageTags ?? []), ...(pinned ? [pinned.tag] : [])],
    });
    // Escape hatch: the L2 re-renders LifecycleRule objects itself (its own field order, auto-assigned
    // priorities) and checks none of ECR's cross-rule limits. Setting the validated text verbatim makes the
    // deployed text byte-for-byte what was checked and what `npm run lifecycle -- --env` previews. Do not
    // also call repository.addLifecycleRule(): this text replaces the L2's rendering.
    const cfn = this.repository.node.defaultChild as ecr.CfnRepository;
    cfn.lifecyclePolicy = {
      lifecyclePolicyText: pinned && Token.isUnresolved(pinned.tag)
        ? Stack.of(this).toJsonString(this.lifecyclePolicy)
        : lifecyclePolicyText(this.lifecyclePolicy),
    };
    if (pinned?.digest !== undefined) {
      Annotations.of(this).addWarningV2(
        '@better-call-buffet/registry:pinnedDigest',
        `The task definition pins digest ${pinned.digest}; lifecycle rules cannot select by digest, so only tag ${pinned.tag} is protected. ` +
          'Make sure that digest carries that tag (push and pin from the same build), or add one of its tags to retention.protectTagPatterns.',
      );
    }

    if (accounts.length > 0) {
      this.repository.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'CrossAccountPull',
        principals: accounts.map((a) => new iam.AccountPrincipal(a)),
        actions: [...ECR_PULL_ACTIONS],
      }));
    }
    // Catches wildcard principals however they got into the repository policy (a direct
    // repository.addToResourcePolicy, or the L2's repository.grantPull bypassing this construct).
    this.node.addValidation({ validate: () => wildcardPrincipalProblems(this.repository) });
  }

  /** `<account>.dkr.ecr.<region>.<suffix>`: the registry host `docker login` takes. */
  get registryHost(): string {
    return registryHostOf(this.repository);
  }

  /** Lets `grantee` pull images. Wildcard principals are refused. */
  grantPull(grantee: iam.IGrantable): iam.Grant {
    return grantEcrAccess(this.repository, grantee, ECR_PULL_ACTIONS);
  }

  /** Lets `grantee` push images. Wildcard principals are refused. */
  grantPush(grantee: iam.IGrantable): iam.Grant {
    return grantEcrAccess(this.repository, grantee, ECR_PUSH_ACTIONS);
  }
}

/** `<account>.dkr.ecr.<region>.<url suffix>` of the registry that holds `repository`. */
export function registryHostOf(repository: ecr.IRepository): string {
  const stack = Stack.of(repository);
  // A literal suffix when the region is known, so an environment with a fixed account gets a plain string.
  const suffix = (!Token.isUnresolved(stack.region) && RegionInfo.get(stack.region).domainSuffix) || stack.urlSuffix;
  return `${stack.account}.dkr.ecr.${stack.region}.${suffix}`;
}

function isWildcardPrincipal(principal: iam.IPrincipal): boolean {
  const json = principal.policyFragment.principalJson;
  return Object.values(json).some((values) => values.some((v) => !Token.isUnresolved(v) && v.includes('*')));
}

/**
 * Grants `actions` on `repository` plus ecr:GetAuthorizationToken, which has no resource-level
 * permissions (the service authorization reference lists no resource type for it), so it must be `*`;
 * the token alone opens no repository.
 */
export function grantEcrAccess(repository: ecr.IRepository, grantee: iam.IGrantable, actions: readonly string[]): iam.Grant {
  if (isWildcardPrincipal(grantee.grantPrincipal)) {
    throw new Error(`cannot grant ${actions.join(', ')} on ${repository.node.path} to a wildcard principal (${grantee.grantPrincipal}): name the role or the 12-digit account instead`);
  }
  const grant = repository.grant(grantee, ...actions);
  iam.Grant.addToPrincipal({ grantee, actions: ['ecr:GetAuthorizationToken'], resourceArns: ['*'] });
  return grant;
}

function wildcardPrincipalProblems(repository: ecr.Repository): string[] {
  const cfn = repository.node.defaultChild as ecr.CfnRepository;
  const doc = Stack.of(repository).resolve(cfn.repositoryPolicyText) as { Statement?: Array<{ Effect?: string; Principal?: unknown }> } | undefined;
  const problems: string[] = [];
  (doc?.Statement ?? []).forEach((st, i) => {
    if (st.Effect === 'Allow' && JSON.stringify(st.Principal ?? null).includes('"*"')) {
      problems.push(`repository policy statement ${i} allows a wildcard principal (${JSON.stringify(st.Principal)}): name 12-digit accounts or roles instead`);
    }
  });
  return problems;
}
