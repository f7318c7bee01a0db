import { NetworkConfig } from '../../lib/config/types';

/** A sample network (IDs in the documented formats); the shipped environments set none. */
export const SAMPLE_NETWORK: NetworkConfig = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
  routeTableIds: ['rtb-0123456789abcdef0'],
  vpcCidr: '10.0.0.0/16',
};
