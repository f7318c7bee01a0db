import { ENVIRONMENTS, REGISTRY } from '../../lib/config/environments';
import { loadEnvironments } from '../../lib/config/load';
import { NetworkConfig } from '../../lib/config/types';
import { ConfigError, validateEnvConfig } from '../../lib/config/validate';
import { SAMPLE_NETWORK } from '../helpers/network';


const withNetwork = (network: unknown) => ({ ...ENVIRONMENTS.prod, network: network as NetworkConfig });
const problems = (network: unknown): readonly string[] => {
  try {
    validateEnvConfig(withNetwork(network), REGISTRY);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
};

describe('network config', () => {
  test('is off in every shipped environment', () => {
    for (const env of Object.values(ENVIRONMENTS)) expect(env.network).toBeUndefined();
  });

  test('a well-formed network passes, with a CIDR or a task security group', () => {
    expect(problems(SAMPLE_NETWORK)).toEqual([]);
    expect(problems({ ...SAMPLE_NETWORK, vpcCidr: undefined, taskSecurityGroupId: 'sg-0123abcd' })).toEqual([]);
  });

  const cases: Array<[string, unknown, RegExp]> = [
    ['a malformed VPC ID', { ...SAMPLE_NETWORK, vpcId: 'vpc-12' }, /prod\.network\.vpcId must be a VPC ID like vpc-0123456789abcdef0, got "vpc-12"/],
    ['a subnet ID with upper case', { ...SAMPLE_NETWORK, subnetIds: ['subnet-0123456789ABCDEF0'] }, /prod\.network\.subnetIds\[0\] must be an ID like subnet-0123456789abcdef0, got "subnet-0123456789ABCDEF0"/],
    ['no subnets', { ...SAMPLE_NETWORK, subnetIds: [] }, /prod\.network\.subnetIds must be a non-empty list/],
    ['a duplicate subnet', { ...SAMPLE_NETWORK, subnetIds: ['subnet-0123abcd', 'subnet-0123abcd'] }, /prod\.network\.subnetIds lists an ID twice/],
    ['a route table ID with the wrong prefix', { ...SAMPLE_NETWORK, routeTableIds: ['rt-0123abcd'] }, /prod\.network\.routeTableIds\[0\] must be an ID like rtb-0123456789abcdef0, got "rt-0123abcd"/],
    ['an octet above 255', { ...SAMPLE_NETWORK, vpcCidr: '10.0.300.0/16' }, /prod\.network\.vpcCidr "10\.0\.300\.0\/16" has an octet above 255/],
    ['a prefix no VPC can have', { ...SAMPLE_NETWORK, vpcCidr: '10.0.0.0/8' }, /prod\.network\.vpcCidr "10\.0\.0\.0\/8" has prefix \/8; a VPC CIDR block is \/16 to \/28/],
    ['a CIDR without prefix', { ...SAMPLE_NETWORK, vpcCidr: '10.0.0.0' }, /must be an IPv4 CIDR block like 10\.0\.0\.0\/16/],
    ['a malformed security group', { ...SAMPLE_NETWORK, vpcCidr: undefined, taskSecurityGroupId: 'sg-xyz' }, /prod\.network\.taskSecurityGroupId must be a security group ID like sg-0123456789abcdef0, got "sg-xyz"/],
    ['neither CIDR nor security group', { ...SAMPLE_NETWORK, vpcCidr: undefined }, /prod\.network needs exactly one of vpcCidr .* or taskSecurityGroupId .*, got neither/],
    ['both CIDR and security group', { ...SAMPLE_NETWORK, taskSecurityGroupId: 'sg-0123abcd' }, /got both/],
    ['an unknown field', { ...SAMPLE_NETWORK, natGateway: true }, /prod\.network\.natGateway is not a network setting; use vpcId, subnetIds/],
    ['a misspelt field', { ...SAMPLE_NETWORK, subnetIDs: ['subnet-0123456789abcdef0'] }, /prod\.network\.subnetIDs is not a network setting \(did you mean subnetIds\?\); use vpcId, subnetIds/],
    ['not an object', 'vpc-0123abcd', /prod\.network must be an object like/],
  ];
  test.each(cases)('rejects %s', (_name, network, message) => {
    expect(problems(network).join('\n')).toMatch(message);
  });
});

describe('-c network', () => {
  const load = (values: Record<string, unknown>) => () => loadEnvironments({ getContext: (k) => values[k] });

  test('sets the selected environment\'s network from JSON', () => {
    const [prod] = load({ env: 'prod', network: JSON.stringify(SAMPLE_NETWORK) })();
    expect(prod.network).toEqual(SAMPLE_NETWORK);
  });

  test('is validated like the config', () => {
    expect(load({ env: 'dev', network: JSON.stringify({ ...SAMPLE_NETWORK, vpcId: 'vpc-1' }) })).toThrow(/dev\.network\.vpcId must be a VPC ID/);
  });

  test('needs -c env', () => {
    expect(load({ network: JSON.stringify(SAMPLE_NETWORK) })).toThrow(/-c network=\.\.\. needs -c env=<dev\|staging\|prod>/);
  });

  test('must be JSON', () => {
    expect(load({ env: 'prod', network: 'vpc-0123abcd' })).toThrow(/context network="vpc-0123abcd" is not JSON; pass -c network='\{"vpcId"/);
  });
});
