import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { RegistryConfig } from '../config/types';
import { RegistryReplication } from '../constructs/registry-replication';
import { RegistrySettings } from '../constructs/registry-settings';

export interface RegistrySettingsStackProps extends StackProps {
  /** The registry whose account-wide settings this stack owns (`registry.settings.manage` is true). */
  readonly registry: RegistryConfig;
}

/**
 * The account-wide ECR settings of the registry's account and region (`registry.settings`): how the registry
 * scans (BASIC scan on push, or ENHANCED continuous scanning) and managed signing (a Signer profile and the
 * signing configuration), both filtered to the repository, and, with `registry.replicaRegion`, the replication
 * configuration that copies the repository there. One per account and region: it is only created
 * where `registry.settings.manage` is true (docs/registry.md, "Registry settings"). Exports nothing: the
 * registry stack and the promotion gate know the profile by its configured name.
 */
export class RegistrySettingsStack extends Stack {
  readonly settings: RegistrySettings;
  /** The replication configuration, where `registry.replicaRegion` is set. */
  readonly replication?: RegistryReplication;

  constructor(scope: Construct, id: string, props: RegistrySettingsStackProps) {
    super(scope, id, props);
    const { repositoryName, settings } = props.registry;
    this.settings = new RegistrySettings(this, 'Settings', {
      repositoryNames: [repositoryName],
      scanType: settings.scanType,
      signingProfileName: settings.signing.profileName,
      signatureValidityMonths: settings.signing.signatureValidityMonths,
    });
    if (props.registry.replicaRegion !== undefined) {
      // One per account and region, like scanning and signing: owned here only where settings.manage is true.
      this.replication = new RegistryReplication(this, 'Replication', {
        repositoryNames: [repositoryName],
        destinationRegions: [props.registry.replicaRegion],
      });
    }
    new CfnOutput(this, 'ScanType', { value: settings.scanType, description: `How the registry scans ${repositoryName} (registry.settings.scanType)` });
    new CfnOutput(this, 'SigningProfileArn', {
      value: this.settings.signingProfileArn,
      description: `AWS Signer profile that signs every push to ${repositoryName}; npm run promote requires a COMPLETE signature from it`,
    });
  }
}
