import * as cdk from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as signer from 'aws-cdk-lib/aws-signer';
import { Construct } from 'constructs';

export interface PeerSettingsStackProps extends cdk.StackProps {
  readonly repositoryName: string;
  readonly replicaRegion: string;
}

/** The registry's account-wide settings as a user would write them: scan on push, a Signer profile with ECR signing, replication. */
export class PeerSettingsStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props: PeerSettingsStackProps) {
    super(scope, id, props);
    const filter = props.repositoryName;
    new ecr.CfnRegistryScanningConfiguration(this, 'Scanning', {
      scanType: 'BASIC',
      rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter, filterType: 'WILDCARD' }] }],
    });
    const profile = new signer.SigningProfile(this, 'SigningProfile', {
      platform: signer.Platform.NOTATION_OCI_SHA384_ECDSA,
      signingProfileName: 'peer',
      signatureValidity: cdk.Duration.days(135 * 30),
    });
    new ecr.CfnSigningConfiguration(this, 'Signing', {
      rules: [{ signingProfileArn: profile.signingProfileArn, repositoryFilters: [{ filter, filterType: 'WILDCARD_MATCH' }] }],
    });
    new ecr.CfnReplicationConfiguration(this, 'Replication', {
      replicationConfiguration: {
        rules: [{ destinations: [{ region: props.replicaRegion, registryId: this.account }], repositoryFilters: [{ filter, filterType: 'PREFIX_MATCH' }] }],
      },
    });
  }
}
