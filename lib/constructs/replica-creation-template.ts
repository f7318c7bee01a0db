import { CfnTag, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { CREATION_TEMPLATE_PREFIX_RE } from '../aws/replication';

/** Props for {@link ReplicaCreationTemplate}. */
export interface ReplicaCreationTemplateProps {
  /** Repository name (namespace prefix) the template applies to: the replicated repository's name. */
  readonly prefix: string;
  /** Customer managed key in THIS region ("The key must exist in the same Region as the repository"). */
  readonly encryptionKey: kms.IKey;
  /** The lifecycle policy text, exactly as the source repository carries it (a lifecycle policy acts only in its region). */
  readonly lifecyclePolicyText: string;
  /**
   * The repository policy text (cross-account pulls), as the source repository carries it.
   * @default - no repository policy
   */
  readonly repositoryPolicyText?: string;
  /**
   * Tag mutability of the repositories it creates.
   * @default ecr.TagMutability.IMMUTABLE
   */
  readonly tagMutability?: ecr.TagMutability;
  /**
   * Tags the created repositories carry.
   * @default - none
   */
  readonly resourceTags?: Readonly<Record<string, string>>;
}

/**
 * A repository creation template for REPLICATION: the settings ECR gives a repository it creates in this region
 * while replicating into it (KMS with the given key, tag mutability, lifecycle and repository policy, tags), so a
 * replica ECR creates is governed like its source. Without a matching template ECR creates it MUTABLE, AES-256,
 * with no repository or lifecycle policy. A template applies only at creation: it changes no existing repository
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates.html).
 *
 * Templates are per region: ECR applies the one of the region where it creates the repository, and the KMS key
 * "must exist in the same Region as the repository", given by its full ARN
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_EncryptionConfigurationForRepositoryCreationTemplate.html),
 * so this lives in the replica's region. A role is required with KMS or tags ("This role must be provided when
 * using repository tags and/or KMS in the template, otherwise the repository creation will fail"): ECR assumes
 * it (trust `ecr.amazonaws.com`) with the documented custom policy (ecr:CreateRepository, ecr:ReplicateImage,
 * ecr:TagResource; kms:CreateGrant, kms:RetireGrant, kms:DescribeKey), scoped here to the one repository and key
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates-custom.html,
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates-create-iam.html).
 *
 * CloudFormation reference (every property used): AWS::ECR::RepositoryCreationTemplate AppliedFor, CustomRoleArn,
 * Description (<= 256), EncryptionConfiguration EncryptionType / KmsKey, ImageTagMutability, LifecyclePolicy
 * (100-30,720 characters), Prefix (replacement on change), RepositoryPolicy (<= 10,240), ResourceTags (<= 50):
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecr-repositorycreationtemplate.html
 */
export class ReplicaCreationTemplate extends Construct {
  readonly template: ecr.CfnRepositoryCreationTemplate;
  /** The role ECR assumes to create and encrypt (and tag) the repository. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ReplicaCreationTemplateProps) {
    super(scope, id);
    validateProps(props);
    const stack = Stack.of(this);
    const repositoryArn = stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: props.prefix });

    this.role = new iam.Role(this, 'CreationRole', {
      assumedBy: new iam.ServicePrincipal('ecr.amazonaws.com'),
      description: `Assumed by ECR to create the replica of ${props.prefix} in ${stack.region} with its KMS key and tags (repository creation template)`,
    });
    const policy = new iam.Policy(this, 'CreationPolicy', { roles: [this.role] });
    policy.addStatements(new iam.PolicyStatement({
      sid: 'CreateTheReplicaRepository',
      actions: ['ecr:CreateRepository', 'ecr:ReplicateImage', 'ecr:TagResource'],
      resources: [repositoryArn],
    }));
    policy.addStatements(new iam.PolicyStatement({
      sid: 'EncryptItWithTheReplicaKey',
      actions: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:RetireGrant'],
      resources: [props.encryptionKey.keyArn],
    }));

    const tags: CfnTag[] = Object.entries(props.resourceTags ?? {}).map(([key, value]) => ({ key, value }));
    this.template = new ecr.CfnRepositoryCreationTemplate(this, 'Resource', {
      prefix: props.prefix,
      appliedFor: ['REPLICATION'],
      description: `Replicas of ${props.prefix}: KMS, immutable tags, the source's lifecycle and repository policy`,
      customRoleArn: this.role.roleArn,
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: props.encryptionKey.keyArn },
      imageTagMutability: props.tagMutability ?? ecr.TagMutability.IMMUTABLE,
      lifecyclePolicy: props.lifecyclePolicyText,
      repositoryPolicy: props.repositoryPolicyText,
      resourceTags: tags.length > 0 ? tags : undefined,
    });
    // The role (GetAtt) is created first anyway; its policy must be attached too before ECR may use the role.
    this.template.node.addDependency(policy);
  }
}

function validateProps(props: ReplicaCreationTemplateProps): void {
  const fail = (msg: string): never => {
    throw new Error(`ReplicaCreationTemplate: ${msg}`);
  };
  const known = (v: string | undefined): v is string => v !== undefined && !Token.isUnresolved(v);
  if (!known(props.prefix) || props.prefix === 'ROOT' || props.prefix.length > 256 || !CREATION_TEMPLATE_PREFIX_RE.test(props.prefix)) {
    fail(`prefix ${JSON.stringify(props.prefix)} must be a literal repository name (not ROOT, which would govern every replicated repository of the registry)`);
  }
  if (known(props.lifecyclePolicyText) && (props.lifecyclePolicyText.length < 100 || props.lifecyclePolicyText.length > 30_720)) {
    fail(`lifecyclePolicyText must be 100-30,720 characters (CloudFormation), got ${props.lifecyclePolicyText.length}`);
  }
  if (known(props.repositoryPolicyText) && props.repositoryPolicyText.length > 10_240) {
    fail(`repositoryPolicyText must be at most 10,240 characters (CloudFormation), got ${props.repositoryPolicyText.length}`);
  }
  const tags = Object.keys(props.resourceTags ?? {});
  if (tags.length > 50) fail(`resourceTags can hold at most 50 tags, got ${tags.length}`);
}
