import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { TaskVpcEndpoints, TaskVpcEndpointsProps } from '../../lib/constructs/vpc-endpoints';
import { cdkJsonContext } from '../helpers/app';

const ACCOUNT = '123456789012';
const REPO_ARN = `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/app`;
const LOG_ARN = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/ecs/app:*`;
const BASE: TaskVpcEndpointsProps = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
  routeTableIds: ['rtb-0123456789abcdef0'],
  vpcCidr: '10.0.0.0/16',
  repositoryArns: [REPO_ARN],
  logGroupArn: LOG_ARN,
};

function build(props: Partial<TaskVpcEndpointsProps> = {}) {
  const stack = new Stack(new App({ context: cdkJsonContext() }), 'TestStack', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const construct = new TaskVpcEndpoints(stack, 'Endpoints', { ...BASE, ...props });
  return { construct, template: Template.fromStack(stack) };
}

/** The endpoint whose ServiceName ends with `.<suffix>`. */
function endpoint(template: Template, suffix: string) {
  const all = Object.values(template.findResources('AWS::EC2::VPCEndpoint'));
  const found = all.filter((e) => JSON.stringify(e.Properties.ServiceName).endsWith(`.${suffix}"`) || JSON.stringify(e.Properties.ServiceName).endsWith(`.${suffix}"]]}`));
  expect(found).toHaveLength(1);
  return found[0].Properties;
}

describe('TaskVpcEndpoints', () => {
  test('ecr.api, ecr.dkr and logs interface endpoints with private DNS in the given subnets, and an S3 gateway endpoint on the route tables', () => {
    // GIVEN / WHEN
    const { template } = build();
    // THEN
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 4);
    for (const service of ['ecr.api', 'ecr.dkr', 'logs']) {
      expect(endpoint(template, service)).toMatchObject({
        VpcEndpointType: 'Interface',
        VpcId: BASE.vpcId,
        SubnetIds: BASE.subnetIds,
        PrivateDnsEnabled: true,
      });
    }
    expect(endpoint(template, 's3')).toMatchObject({ VpcEndpointType: 'Gateway', VpcId: BASE.vpcId, RouteTableIds: BASE.routeTableIds });
  });

  test('security group: HTTPS from the VPC CIDR only, no egress', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.0.0.0/16', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })],
      // CDK's "matches nothing" rule: no real egress.
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' })],
    });
  });

  test('security group: HTTPS from the task security group only, when given instead of the CIDR', () => {
    const { template } = build({ vpcCidr: undefined, taskSecurityGroupId: 'sg-0123456789abcdef0' });
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'));
    const inline = Object.values(template.findResources('AWS::EC2::SecurityGroup')).flatMap((g) => g.Properties.SecurityGroupIngress ?? []);
    expect([...inline, ...ingress.map((i) => i.Properties)]).toEqual([
      expect.objectContaining({ SourceSecurityGroupId: 'sg-0123456789abcdef0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
  });

  test('endpoint policies: ECR pulls from the given repositories only (GetAuthorizationToken needs *), logs to the given group only', () => {
    const { template } = build();
    const ecrStatements = [
      { Effect: 'Allow', Principal: '*', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      { Effect: 'Allow', Principal: '*', Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: REPO_ARN },
    ];
    expect(endpoint(template, 'ecr.api').PolicyDocument.Statement).toEqual(ecrStatements);
    expect(endpoint(template, 'ecr.dkr').PolicyDocument.Statement).toEqual(ecrStatements);
    expect(endpoint(template, 'logs').PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: '*', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: LOG_ARN },
    ]);
  });

  test('S3 gateway policy: GetObject on the region\'s ECR layer bucket only', () => {
    const { template } = build();
    expect(endpoint(template, 's3').PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::prod-us-east-1-starport-layer-bucket/*']] } },
    ]);
  });

  test('secretsmanager and ssm endpoints only when the task reads such secrets, limited to them', () => {
    expect(Object.keys(build().construct.endpoints).sort()).toEqual(['ecr.api', 'ecr.dkr', 'logs', 's3']);
    const secret = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app/db-AbCdEf`;
    const parameter = `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/key`;
    const { template, construct } = build({ secretArns: [secret], parameterArns: [parameter] });
    expect(Object.keys(construct.endpoints).sort()).toEqual(['ecr.api', 'ecr.dkr', 'logs', 's3', 'secretsmanager', 'ssm']);
    expect(endpoint(template, 'secretsmanager').PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: secret }]);
    expect(endpoint(template, 'ssm').PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: '*', Action: 'ssm:GetParameters', Resource: parameter }]);
  });
});

describe('TaskVpcEndpoints validation', () => {
  const b = (props: Partial<TaskVpcEndpointsProps>) => () => build(props);
  test('VPC ID', () => expect(b({ vpcId: 'vpc-123' })).toThrow(/vpcId "vpc-123" is not a valid ID/));
  test('subnet IDs', () => expect(b({ subnetIds: ['subnet-xyz'] })).toThrow(/subnetIds entry "subnet-xyz"/));
  test('at least one subnet', () => expect(b({ subnetIds: [] })).toThrow(/at least one subnet/));
  test('route table IDs', () => expect(b({ routeTableIds: ['rt-0123456789abcdef0'] })).toThrow(/routeTableIds entry "rt-0123456789abcdef0"/));
  test('exactly one source', () => expect(b({ taskSecurityGroupId: 'sg-0123456789abcdef0' })).toThrow(/exactly one of vpcCidr .* or taskSecurityGroupId/));
  test('CIDR', () => expect(b({ vpcCidr: '10.0.0.0/8' })).toThrow(/vpcCidr "10.0.0.0\/8" has prefix \/8/));
  test('security group ID', () => expect(b({ vpcCidr: undefined, taskSecurityGroupId: 'sg-1' })).toThrow(/taskSecurityGroupId "sg-1"/));
});
