import { Aws, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ROUTE_TABLE_ID_RE, SECURITY_GROUP_ID_RE, SUBNET_ID_RE, VPC_ID_RE, vpcCidrProblem } from '../aws/formats';

/**
 * The existing VPC and private subnets (no NAT gateway) the tasks run in, all named by ID so synth needs no
 * AWS lookup.
 */
export interface TaskNetwork {
  /** The existing VPC (`vpc-...`). Imported by ID: no lookup, synth stays offline. */
  readonly vpcId: string;
  /** Private subnets the tasks run in (`subnet-...`), at most one per Availability Zone: each gets an endpoint interface. */
  readonly subnetIds: readonly string[];
  /** Route tables of those subnets (`rtb-...`); the S3 gateway endpoint (image layers) adds its route to each. */
  readonly routeTableIds: readonly string[];
  /**
   * HTTPS to the interface endpoints is allowed from this CIDR (the VPC's IPv4 CIDR). Exactly one of this and
   * `taskSecurityGroupId`.
   * @default - none
   */
  readonly vpcCidr?: string;
  /**
   * HTTPS to the interface endpoints is allowed from this security group (the tasks', `sg-...`) only.
   * Exactly one of this and `vpcCidr`.
   * @default - none
   */
  readonly taskSecurityGroupId?: string;
}

/** Props for {@link TaskVpcEndpoints}. */
export interface TaskVpcEndpointsProps extends TaskNetwork {
  /** ARNs of the repositories the tasks pull from: the only repositories the ECR endpoints serve. */
  readonly repositoryArns: readonly string[];
  /** ARN of the tasks' log group (`arn:...:log-group:<name>:*`): the only one the logs endpoint serves. */
  readonly logGroupArn: string;
  /**
   * Secrets Manager secrets the tasks read; a `secretsmanager` endpoint is added when non-empty.
   * @default - no Secrets Manager endpoint
   */
  readonly secretArns?: readonly string[];
  /**
   * SSM parameters the tasks read; an `ssm` endpoint is added when non-empty.
   * @default - no SSM endpoint
   */
  readonly parameterArns?: readonly string[];
}

/** What the ECS agent calls to pull an image (ECR user guide, "private repository policies"). */
const ECR_PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

/**
 * The VPC endpoints a Fargate task in private subnets without a NAT gateway needs to start
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html): `ecr.api` (auth token),
 * `ecr.dkr` (image manifests), an S3 gateway endpoint (ECR serves layers from S3), `logs` (awslogs driver),
 * and `secretsmanager` / `ssm` when the task reads secrets. Interface endpoints get private DNS, so the
 * default service host names resolve to them; the VPC needs DNS support and DNS host names on.
 *
 * Each endpoint policy admits only what the tasks do, on their own resources. The endpoints serve the whole
 * VPC: other workloads there reach only those resources through them (see docs/governance.md).
 */
export class TaskVpcEndpoints extends Construct {
  readonly securityGroup: ec2.SecurityGroup;
  /** Endpoint resources by service short name (`ecr.api`, `ecr.dkr`, `logs`, `s3`, `secretsmanager`, `ssm`). */
  readonly endpoints: Readonly<Record<string, ec2.CfnVPCEndpoint>>;

  constructor(scope: Construct, id: string, props: TaskVpcEndpointsProps) {
    super(scope, id);
    validateProps(props);
    const stack = Stack.of(this);
    // The VPC by ID only (never Vpc.fromLookup: synth stays offline and credential-free). Its subnets are not
    // imported: the endpoints name subnet and route table IDs directly (L1), so nothing needs to know their
    // Availability Zones; the attribute is a deploy-time Fn::GetAZs that nothing here renders.
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: props.vpcId, availabilityZones: Fn.getAzs(), vpcCidrBlock: props.vpcCidr });
    Validations.of(vpc).acknowledge({
      id: 'Annotation::@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones',
      reason: 'nothing selects subnets from this imported VPC: the endpoints take subnet and route table IDs directly',
    });

    // Endpoint network interfaces only answer; they never open connections, so no egress at all (CDK
    // renders a rule that matches no traffic).
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      allowAllOutbound: false,
      description: 'HTTPS from the ECS tasks to the VPC interface endpoints',
    });
    const peer = props.taskSecurityGroupId !== undefined ? ec2.Peer.securityGroupId(props.taskSecurityGroupId) : ec2.Peer.ipv4(props.vpcCidr as string);
    this.securityGroup.addIngressRule(peer, ec2.Port.tcp(443), 'HTTPS from the tasks to AWS APIs');

    const allow = (actions: string[], resources: readonly string[]) =>
      new iam.PolicyStatement({ principals: [new iam.StarPrincipal()], actions, resources: [...resources] });
    const ecrPolicy = new iam.PolicyDocument({
      statements: [
        // GetAuthorizationToken has no resource-level permissions: Resource must be "*" (the token alone
        // opens no repository; the statement below limits which repositories can be read).
        allow(['ecr:GetAuthorizationToken'], ['*']),
        allow(ECR_PULL_ACTIONS, props.repositoryArns),
      ],
    });

    const endpoints: Record<string, ec2.CfnVPCEndpoint> = {};
    const iface = (logicalId: string, shortName: string, service: ec2.InterfaceVpcEndpointAwsService, policy: iam.PolicyDocument) => {
      endpoints[shortName] = new ec2.CfnVPCEndpoint(this, logicalId, {
        vpcId: props.vpcId,
        vpcEndpointType: 'Interface',
        serviceName: service.name,
        subnetIds: [...props.subnetIds],
        securityGroupIds: [this.securityGroup.securityGroupId],
        privateDnsEnabled: true,
        policyDocument: policy,
      });
    };
    iface('EcrApi', 'ecr.api', ec2.InterfaceVpcEndpointAwsService.ECR, ecrPolicy);
    iface('EcrDkr', 'ecr.dkr', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER, ecrPolicy);
    // The awslogs driver creates the task's stream and writes to it; nothing else.
    iface('Logs', 'logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS, new iam.PolicyDocument({
      statements: [allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [props.logGroupArn])],
    }));
    if ((props.secretArns ?? []).length > 0) {
      iface('SecretsManager', 'secretsmanager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER, new iam.PolicyDocument({
        statements: [allow(['secretsmanager:GetSecretValue'], props.secretArns ?? [])],
      }));
    }
    if ((props.parameterArns ?? []).length > 0) {
      iface('Ssm', 'ssm', ec2.InterfaceVpcEndpointAwsService.SSM, new iam.PolicyDocument({
        statements: [allow(['ssm:GetParameters'], props.parameterArns ?? [])],
      }));
    }
    // ECR hands out layer downloads as S3 URLs in this region's layer bucket; the gateway endpoint is free and
    // its policy admits that bucket only ("Minimum Amazon S3 bucket permissions for Amazon ECR",
    // https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-minimum-s3-perms).
    endpoints.s3 = new ec2.CfnVPCEndpoint(this, 'S3', {
      vpcId: props.vpcId,
      vpcEndpointType: 'Gateway',
      serviceName: ec2.GatewayVpcEndpointAwsService.S3.name,
      routeTableIds: [...props.routeTableIds],
      policyDocument: new iam.PolicyDocument({
        statements: [allow(['s3:GetObject'], [`arn:${Aws.PARTITION}:s3:::prod-${stack.region}-starport-layer-bucket/*`])],
      }),
    });
    this.endpoints = endpoints;
  }
}

function validateProps(props: TaskVpcEndpointsProps): void {
  const fail = (message: string): never => {
    throw new Error(`TaskVpcEndpoints: ${message}`);
  };
  const check = (value: string, re: RegExp, what: string) => {
    if (!Token.isUnresolved(value) && !re.test(value)) fail(`${what} ${JSON.stringify(value)} is not a valid ID (e.g. ${re.source.split('-')[0].replace('^', '')}-0123456789abcdef0)`);
  };
  check(props.vpcId, VPC_ID_RE, 'vpcId');
  if (props.subnetIds.length === 0) fail('subnetIds must name at least one subnet the tasks run in');
  props.subnetIds.forEach((s) => check(s, SUBNET_ID_RE, 'subnetIds entry'));
  if (props.routeTableIds.length === 0) fail('routeTableIds must name the route tables of the task subnets (the S3 gateway endpoint routes through them)');
  props.routeTableIds.forEach((r) => check(r, ROUTE_TABLE_ID_RE, 'routeTableIds entry'));
  if ((props.vpcCidr === undefined) === (props.taskSecurityGroupId === undefined)) {
    fail('set exactly one of vpcCidr (HTTPS from the VPC) or taskSecurityGroupId (HTTPS from the tasks only)');
  }
  if (props.vpcCidr !== undefined && !Token.isUnresolved(props.vpcCidr)) {
    const problem = vpcCidrProblem(props.vpcCidr);
    if (problem) fail(`vpcCidr ${JSON.stringify(props.vpcCidr)} ${problem}`);
  }
  if (props.taskSecurityGroupId !== undefined) check(props.taskSecurityGroupId, SECURITY_GROUP_ID_RE, 'taskSecurityGroupId');
  if (props.repositoryArns.length === 0) fail('repositoryArns must name the repositories the tasks pull from');
}
