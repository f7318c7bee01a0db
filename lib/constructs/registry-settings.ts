import { RemovalPolicy, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as signer from 'aws-cdk-lib/aws-signer';
import { Construct } from 'constructs';
import {
  MAX_SIGNATURE_VALIDITY_MONTHS,
  REGISTRY_SCAN_TYPES,
  RegistryScanType,
  SCANNING_FILTER_RE,
  SCANNING_FILTER_TYPE,
  SIGNER_CONTAINER_PLATFORM_ID,
  SIGNING_FILTER_RE,
  SIGNING_FILTER_TYPE,
  SIGNING_PROFILE_NAME_RE,
} from '../aws/signing';
import { checkRepositoryFilterNames } from './repository-filter-names';

/** Props for {@link RegistrySettings}. */
export interface RegistrySettingsProps {
  /**
   * Repositories scanned and signed, one repository filter each (1-100). Scanning filters without a wildcard
   * match every repository whose name CONTAINS the filter (ECR user guide, "Using filters").
   */
  readonly repositoryNames: readonly string[];
  /**
   * BASIC: ECR scans each push (SCAN_ON_PUSH). ENHANCED: Amazon Inspector scans continuously (CONTINUOUS_SCAN,
   * which includes the scan at push).
   * @default 'BASIC'
   */
  readonly scanType?: RegistryScanType;
  /** Name of the AWS Signer profile created for container images (2-64 of A-Z a-z 0-9 _). */
  readonly signingProfileName: string;
  /**
   * How long each signature stays valid, in months (1-135).
   * @default 135 (Signer's default and maximum)
   */
  readonly signatureValidityMonths?: number;
}

/**
 * The account-wide ECR settings of one registry (account and region): the registry scanning configuration,
 * an AWS Signer profile for container images and the ECR signing configuration that signs every push to the
 * given repositories with it (ECR managed signing, on behalf of the pusher).
 *
 * There is ONE scanning and ONE signing configuration per account and region: creating them here overwrites
 * whatever was configured, for every repository of the registry (repositories matching no filter are then
 * not scanned and not signed). All three resources are RETAINED: deleting the stack leaves scanning and
 * signing exactly as they are (a deleted scanning configuration reverts the registry to BASIC with no rules,
 * i.e. no scanning at all; a deleted Signer profile is cancelled and can no longer sign).
 *
 * CloudFormation references (every property used):
 * - AWS::ECR::RegistryScanningConfiguration (Rules, ScanType; rule ScanFrequency SCAN_ON_PUSH | CONTINUOUS_SCAN,
 *   RepositoryFilters Filter / FilterType WILDCARD):
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecr-registryscanningconfiguration.html
 * - AWS::Signer::SigningProfile (PlatformId Notation-OCI-SHA384-ECDSA, ProfileName, SignatureValidityPeriod
 *   Type/Value; all replace on change):
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-signer-signingprofile.html
 * - AWS::ECR::SigningConfiguration (Rules: SigningProfileArn, RepositoryFilters Filter / FilterType WILDCARD_MATCH):
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecr-signingconfiguration.html
 */
export class RegistrySettings extends Construct {
  readonly scanningConfiguration: ecr.CfnRegistryScanningConfiguration;
  readonly signingProfile: signer.CfnSigningProfile;
  readonly signingConfiguration: ecr.CfnSigningConfiguration;
  /** ARN of the signing profile, without version: the value ECR reports in ImageSigningStatus.signingProfileArn. */
  readonly signingProfileArn: string;

  constructor(scope: Construct, id: string, props: RegistrySettingsProps) {
    super(scope, id);
    validateProps(props);
    const scanType = props.scanType ?? 'BASIC';
    const names = [...props.repositoryNames];

    this.scanningConfiguration = new ecr.CfnRegistryScanningConfiguration(this, 'ScanningConfiguration', {
      scanType,
      // Enhanced: "If you specify separate filters for scan on push and continuous scanning where multiple
      // filters match the same repository, then Amazon ECR enforces the continuous scanning filter", so one
      // CONTINUOUS_SCAN rule says it all (ECR user guide, "Considerations for enhanced scanning").
      rules: [{
        scanFrequency: scanType === 'ENHANCED' ? 'CONTINUOUS_SCAN' : 'SCAN_ON_PUSH',
        repositoryFilters: names.map((filter) => ({ filter, filterType: SCANNING_FILTER_TYPE })),
      }],
    });

    this.signingProfile = new signer.CfnSigningProfile(this, 'SigningProfile', {
      platformId: SIGNER_CONTAINER_PLATFORM_ID,
      profileName: props.signingProfileName,
      signatureValidityPeriod: { type: 'MONTHS', value: props.signatureValidityMonths ?? MAX_SIGNATURE_VALIDITY_MONTHS },
    });
    // Ref and Arn are the profile ARN without version, the form a signing rule takes.
    this.signingProfileArn = this.signingProfile.attrArn;

    this.signingConfiguration = new ecr.CfnSigningConfiguration(this, 'SigningConfiguration', {
      rules: [{
        signingProfileArn: this.signingProfileArn,
        repositoryFilters: names.map((filter) => ({ filter, filterType: SIGNING_FILTER_TYPE })),
      }],
    });

    // Account-wide settings other workloads may rely on: never deleted with the stack (see the class doc).
    for (const resource of [this.scanningConfiguration, this.signingProfile, this.signingConfiguration]) {
      resource.applyRemovalPolicy(RemovalPolicy.RETAIN);
    }
  }
}

function validateProps(props: RegistrySettingsProps): void {
  const fail = (msg: string): never => {
    throw new Error(`RegistrySettings: ${msg}`);
  };
  checkRepositoryFilterNames(props.repositoryNames, fail, {
    valid: (n) => SCANNING_FILTER_RE.test(n) && SIGNING_FILTER_RE.test(n),
    description: 'scanning and signing filter (lowercase letters, digits, single . _ - / separators)',
  });
  if (props.scanType !== undefined && !REGISTRY_SCAN_TYPES.includes(props.scanType)) {
    fail(`scanType must be 'BASIC' or 'ENHANCED', got ${JSON.stringify(props.scanType)}`);
  }
  if (!Token.isUnresolved(props.signingProfileName) && !SIGNING_PROFILE_NAME_RE.test(props.signingProfileName)) {
    fail(`signingProfileName ${JSON.stringify(props.signingProfileName)} must be 2-64 letters, digits and _`);
  }
  const months = props.signatureValidityMonths;
  if (months !== undefined && !(Number.isInteger(months) && months >= 1 && months <= MAX_SIGNATURE_VALIDITY_MONTHS)) {
    fail(`signatureValidityMonths must be a whole number from 1 to ${MAX_SIGNATURE_VALIDITY_MONTHS}, got ${JSON.stringify(months)}`);
  }
}
