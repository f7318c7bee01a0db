import * as cdk from 'aws-cdk-lib';
import { PeerRegistryStack } from './registry-stack';
import { PeerServiceStack } from './service-stack';

/** The peer's stacks: one registry stack and one service stack per environment, like the app's. */
export function buildPeer(app: cdk.App): { registry: PeerRegistryStack; services: PeerServiceStack[] } {
  const env = { region: 'us-east-1' };
  const registry = new PeerRegistryStack(app, 'Peer-Registry', { env });
  const services = ['dev', 'staging', 'prod'].map((name) => {
    const service = new PeerServiceStack(app, `Peer-${name}-Service`, { env, envName: name, repositoryName: 'peer' });
    service.addStackDependency(registry, 'the task definition pulls from the registry');
    return service;
  });
  return { registry, services };
}
