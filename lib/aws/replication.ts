/**
 * ECR cross-Region replication and repository creation templates: the values AWS documents, in one place, so
 * the config validation, the constructs and the promotion gate agree.
 */

/**
 * "Repository creation templates aren't supported in the following Regions: China (Beijing), China (Ningxia),
 * AWS GovCloud (US-East), AWS GovCloud (US-West)"
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates.html). The replica's
 * governance relies on a template, so a replica cannot live there.
 */
export const CREATION_TEMPLATE_UNSUPPORTED_REGIONS: readonly string[] = ['cn-north-1', 'cn-northwest-1', 'us-gov-east-1', 'us-gov-west-1'];

/**
 * AWS::ECR::ReplicationConfiguration RepositoryFilter FilterType: "The only supported value is PREFIX_MATCH"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ecr-replicationconfiguration-repositoryfilter.html).
 * A prefix filter `better-call-buffet` also replicates `better-call-buffet-anything`: there is no exact match.
 */
export const REPLICATION_FILTER_TYPE = 'PREFIX_MATCH';

/** RepositoryFilter.Filter pattern (same page), 2-256 characters. */
export const REPLICATION_FILTER_RE = /^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*\/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$/;

/**
 * AWS::ECR::RepositoryCreationTemplate Prefix: `^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$`,
 * 1-256 characters, replacement on change
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecr-repositorycreationtemplate.html).
 */
export const CREATION_TEMPLATE_PREFIX_RE = /^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$/;

/**
 * ECR sends `ECR Replication Action` events in the DESTINATION region: the user guide's samples carry
 * `"region": "us-east-1"` with `"source-region": "us-west-2"`, `resources` the destination repository ARN, and
 * detail `result` (`SUCCESS`; a failed replication "will contain FAILED"), `repository-name`, `image-digest`,
 * `image-tag`, `source-account`, `source-region`, `action-type` `REPLICATE`
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html, "Event for a completed image
 * replication", "Event for a failed image replication").
 */
export const REPLICATION_EVENT_DETAIL_TYPE = 'ECR Replication Action';
/** The documented success value of `detail.result`; everything else (FAILED, and any other value) is a failure. */
export const REPLICATION_SUCCESS_RESULT = 'SUCCESS';
