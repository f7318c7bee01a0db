import { RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { EnvConfig, RegistryConfig } from '../config/types';
import { ContainerRegistryProps } from '../constructs/container-registry';
import { retentionIntentForRegistry, retentionOptionsForRegistry } from './registry-lifecycle';

/**
 * The shared repository's settings from configuration only, so the registry stack and its replica
 * (RegistryReplicaStack) build the same repository: same immutability, encryption, lifecycle policy text and
 * cross-account pull policy.
 */

/** Accounts allowed to pull: the configured ones plus every environment's account other than the registry's. */
export function crossAccountPullAccountsForRegistry(registry: RegistryConfig, environments: readonly EnvConfig[]): readonly string[] {
  const pullAccounts = [
    ...registry.crossAccountPullAccounts,
    // Environments in other accounts pull through the repository policy.
    ...environments.map((e) => e.account).filter((a): a is string => a !== undefined && a !== registry.account),
  ];
  return [...new Set(pullAccounts)].sort();
}

/** ContainerRegistry props of the shared repository (and of its replica, which must be governed the same way). */
export function repositoryPropsForRegistry(registry: RegistryConfig, environments: readonly EnvConfig[]): ContainerRegistryProps {
  return {
    repositoryName: registry.repositoryName,
    imageScanOnPush: true,
    // The config union and ecr.TagMutability share their string values (validated: IMMUTABLE).
    tagMutability: registry.tagMutability as ecr.TagMutability,
    kmsEncryption: registry.kmsEncryption,
    removalPolicy: registry.removalPolicy === 'DESTROY' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    retention: retentionIntentForRegistry(registry, environments),
    pinnedImageTags: retentionOptionsForRegistry(environments).pinnedImageTags,
    crossAccountPullAccounts: crossAccountPullAccountsForRegistry(registry, environments),
  };
}
