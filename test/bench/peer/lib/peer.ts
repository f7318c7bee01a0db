import * as cdk from 'aws-cdk-lib';
import { PeerRegistryStack } from './registry-stack';
import { PeerReplicaStack } from './replica-stack';
import { PeerServiceStack } from './service-stack';
import { PeerSettingsStack } from './settings-stack';

/** The peer's stacks, like the app's: the registry, its settings, its replica and one service stack per environment. */
export function buildPeer(app: cdk.App): { registry: PeerRegistryStack; settings: PeerSettingsStack; replica: PeerReplicaStack; services: PeerServiceStack[] } {
  const env = { region: 'us-east-1' };
  const repositoryName = 'peer';
  const registry = new PeerRegistryStack(app, 'Peer-Registry', { env });
  const settings = new PeerSettingsStack(app, 'Peer-RegistrySettings', { env, repositoryName, replicaRegion: 'us-west-2' });
  const replica = new PeerReplicaStack(app, 'Peer-RegistryReplica', { env: { region: 'us-west-2' }, repositoryName, sourceRegion: env.region });
  settings.addStackDependency(replica, 'replication writes into the replica repository');
  const services = ['dev', 'staging', 'prod'].map((name) => {
    const service = new PeerServiceStack(app, `Peer-${name}-Service`, { env, envName: name, repositoryName });
    service.addStackDependency(registry, 'the task definition pulls from the registry');
    return service;
  });
  return { registry, settings, replica, services };
}
