import { ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { SIGNING_PROFILE_ARN_RE } from '../aws/signing';
import { ECR_PUSH_ACTIONS, grantEcrAccess } from './container-registry';

/** GitHub Actions' OIDC issuer (the `iss` of its ID tokens). */
export const GITHUB_OIDC_ISSUER = 'token.actions.githubusercontent.com';
/** The audience `aws-actions/configure-aws-credentials` requests by default. */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

/**
 * What promotion needs on top of pushing (`npm run promote`): read the image, its scan (DescribeImages,
 * DescribeImageScanFindings, which `aws ecr wait image-scan-complete` also polls) and its managed signature
 * (DescribeImageSigningStatus, a Read action of ECR: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImageSigningStatus.html),
 * and check the repository's tag mutability (DescribeRepositories). Tagging itself is BatchGetImage + PutImage,
 * already push actions (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-retag.html).
 */
export const ECR_PROMOTE_READ_ACTIONS: readonly string[] = ['ecr:DescribeImageScanFindings', 'ecr:DescribeImageSigningStatus', 'ecr:DescribeImages', 'ecr:DescribeRepositories'];

/**
 * ECR managed signing signs each push "using the identity of the entity pushing the image": the pusher needs
 * signer:SignPayload on the signing profile, and nothing else of Signer (the ECR user guide's example policy,
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/managed-signing.html; PutSigningConfiguration: "the IAM
 * principal pushing images must have permission to sign payloads with the AWS Signer signing profile").
 */
export const SIGNER_MANAGED_SIGNING_ACTIONS: readonly string[] = ['signer:SignPayload'];

const GITHUB_REPOSITORY_RE = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
/** Branch and environment names are matched literally: no wildcards, no spaces, no `:` (the sub separator). */
const LITERAL_NAME_RE = /^[A-Za-z0-9._/-]+$/;
const OIDC_PROVIDER_ARN_RE = new RegExp(`^arn:aws[a-z-]*:iam::\\d{12}:oidc-provider/${GITHUB_OIDC_ISSUER.replace(/\./g, '\\.')}$`);

/** Props for {@link GithubCiPushRole}. */
export interface GithubCiPushRoleProps {
  /** The only repository the role may push to. */
  readonly repository: ecr.IRepository;
  /** `owner/repo` on GitHub whose workflows may assume the role. */
  readonly githubRepository: string;
  /**
   * Branches whose workflow runs may assume the role (sub `repo:owner/repo:ref:refs/heads/<branch>`).
   * @default - none
   */
  readonly branches?: readonly string[];
  /**
   * GitHub deployment environments whose jobs may assume the role (sub `repo:owner/repo:environment:<env>`).
   * A job that names an environment gets this sub instead of the branch one, and the environment's
   * protection rules (reviewers, allowed branches) then gate every push.
   * @default - none
   */
  readonly environments?: readonly string[];
  /**
   * ARN of the account's existing GitHub OIDC provider. IAM allows one provider per issuer URL and account:
   * any account already using GitHub OIDC has it, and creating it again fails with EntityAlreadyExists
   * (aws/aws-cdk#35878).
   * @default - the account's provider, arn:<partition>:iam::<account>:oidc-provider/token.actions.githubusercontent.com
   */
  readonly oidcProviderArn?: string;
  /**
   * Create the GitHub OIDC provider here instead of using the account's existing one: only for an account
   * that has none. The provider is retained when the stack is deleted (other roles in the account may
   * trust it, and deleting it would break them).
   * @default false
   */
  readonly createOidcProvider?: boolean;
  /**
   * Longest session a workflow can get.
   * @default Duration.hours(1)
   */
  readonly maxSessionDuration?: Duration;
  /**
   * ARN of the AWS Signer profile ECR managed signing signs this repository's pushes with
   * (`arn:<partition>:signer:<region>:<account>:/signing-profiles/<name>`): the role may sign payloads with it
   * (signer:SignPayload on that profile only), or its pushes stay unsigned.
   * @default - no Signer permission (pushes are not signed by managed signing)
   */
  readonly signingProfileArn?: string;
  /**
   * ARNs of replicas of the repository in other regions (ECR replication fills them): the role may read their
   * images (ecr:DescribeImages), which the promotion gate's replica check needs. Nothing is written there:
   * promotion tags are added to the source and replicated.
   * @default - no replica access
   */
  readonly replicaRepositoryArns?: readonly string[];
}

/**
 * An IAM role GitHub Actions workflows assume through OIDC to push images to one ECR repository and add
 * promotion tags there (the repository's single expected writer), so pipelines hold no long-lived keys. Trust is limited to one GitHub repository and to the listed
 * branches and deployment environments, matched exactly (StringEquals, no wildcards).
 */
export class GithubCiPushRole extends Construct {
  readonly role: iam.Role;
  /** The GitHub OIDC provider the role trusts (created here or imported). */
  readonly oidcProviderArn: string;

  constructor(scope: Construct, id: string, props: GithubCiPushRoleProps) {
    super(scope, id);
    const branches = props.branches ?? [];
    const environments = props.environments ?? [];
    const repo = props.githubRepository;
    if (!Token.isUnresolved(repo) && (!GITHUB_REPOSITORY_RE.test(repo) || repo.includes('*'))) {
      throw new Error(`githubRepository must be 'owner/repo' with no wildcards, got ${JSON.stringify(repo)}`);
    }
    if (branches.length + environments.length === 0) {
      throw new Error('GithubCiPushRole needs at least one branch or GitHub environment: without one, no workflow could assume the role');
    }
    for (const [kind, names] of [['branches', branches], ['environments', environments]] as const) {
      names.forEach((n, i) => {
        if (!Token.isUnresolved(n) && !LITERAL_NAME_RE.test(n)) {
          throw new Error(`${kind}[${i}] ${JSON.stringify(n)} must be a literal name (letters, digits, . _ / -): wildcards would let other ${kind} assume the role`);
        }
      });
    }
    if (props.oidcProviderArn !== undefined && !Token.isUnresolved(props.oidcProviderArn) && !OIDC_PROVIDER_ARN_RE.test(props.oidcProviderArn)) {
      throw new Error(`oidcProviderArn must be the ARN of the account's ${GITHUB_OIDC_ISSUER} provider (arn:aws:iam::<account>:oidc-provider/${GITHUB_OIDC_ISSUER}), got ${JSON.stringify(props.oidcProviderArn)}`);
    }

    if (props.createOidcProvider && props.oidcProviderArn !== undefined) {
      throw new Error('createOidcProvider and oidcProviderArn were both given: create the provider or use an existing one, not both');
    }
    if (props.createOidcProvider) {
      const provider = new iam.OidcProviderNative(this, 'GithubOidcProvider', {
        url: `https://${GITHUB_OIDC_ISSUER}`,
        clientIds: [GITHUB_OIDC_AUDIENCE],
        // No thumbprints: IAM verifies GitHub's certificate against its own trusted root CAs.
      });
      // One provider per URL per account, possibly trusted by roles outside this stack: never delete it.
      provider.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.oidcProviderArn = provider.oidcProviderArn;
    } else {
      this.oidcProviderArn = props.oidcProviderArn ?? Stack.of(this).formatArn({
        service: 'iam',
        region: '',
        resource: 'oidc-provider',
        resourceName: GITHUB_OIDC_ISSUER,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    }

    const subjects = [
      ...branches.map((b) => `repo:${repo}:ref:refs/heads/${b}`),
      ...environments.map((e) => `repo:${repo}:environment:${e}`),
    ];
    this.role = new iam.Role(this, 'Role', {
      description: `GitHub Actions in ${repo} push images to ${props.repository.repositoryName} (OIDC, no access keys)`,
      maxSessionDuration: props.maxSessionDuration ?? Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(this.oidcProviderArn, {
        StringEquals: {
          // aud pins tokens minted for AWS STS; sub pins repository + branch/environment. Without the sub
          // condition any GitHub repository in the world could assume the role.
          [`${GITHUB_OIDC_ISSUER}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_ISSUER}:sub`]: subjects.length === 1 ? subjects[0] : subjects,
        },
      }),
    });
    grantEcrAccess(props.repository, this.role, [...ECR_PUSH_ACTIONS, ...ECR_PROMOTE_READ_ACTIONS]);
    if (props.signingProfileArn !== undefined) {
      if (!Token.isUnresolved(props.signingProfileArn) && !SIGNING_PROFILE_ARN_RE.test(props.signingProfileArn)) {
        throw new Error(`signingProfileArn must be a Signer profile ARN without version (arn:aws:signer:<region>:<account>:/signing-profiles/<name>), got ${JSON.stringify(props.signingProfileArn)}`);
      }
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'SignPushesWithTheManagedSigningProfile',
        actions: [...SIGNER_MANAGED_SIGNING_ACTIONS],
        resources: [props.signingProfileArn],
      }));
    }
    if ((props.replicaRepositoryArns ?? []).length > 0) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ReadReplicasForThePromotionGate',
        actions: ['ecr:DescribeImages'],
        resources: [...(props.replicaRepositoryArns ?? [])],
      }));
    }
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken supports no resource-level permissions, so its Resource must be *; every repository action is scoped to this one repository ARN',
    });
  }
}
