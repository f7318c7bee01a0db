/**
 * Formats AWS itself enforces, in one place, so config validation and the constructs (which validate
 * their own props) cannot drift apart. Each is the rule of the API named beside it.
 */

/** ECR CreateRepository: 2-256 chars, lowercase, `/`-separated namespaces. */
export const REPOSITORY_NAME_RE = /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** ECR PutImage image tag. */
export const IMAGE_TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** Image manifest digest as ECR reports it. */
export const IMAGE_DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
/** Characters ECR allows in lifecycle tag patterns and tag-mutability exclusion filters (`*` is the wildcard). */
export const TAG_FILTER_RE = /^[a-zA-Z0-9._*-]{1,128}$/;
export const ACCOUNT_ID_RE = /^\d{12}$/;
/**
 * A complete Secrets Manager ARN, random 6-character suffix included (group 1: the secret name). ECS
 * accepts only this form in `valueFrom`: a name or partial ARN deploys, then every task fails to start.
 */
export const SECRET_COMPLETE_ARN_RE = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:([A-Za-z0-9/_+=.@-]+)-[A-Za-z0-9]{6}$/;
/** Tags that are re-pointed by convention: a prod task definition must never run one. */
export const MUTABLE_LOOKING_TAGS: readonly string[] = ['latest', 'main', 'master', 'dev', 'develop', 'stable', 'edge', 'nightly', 'head', 'snapshot', 'current'];
/** Security Hub ECS.8 flags these names in plain container environment variables. */
export const CREDENTIAL_ENV_NAMES: readonly string[] = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'ECS_ENGINE_AUTH_DATA'];
/** EC2 resource IDs: the prefix, then 8 (older) or 17 lowercase hex characters. */
export const VPC_ID_RE = /^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
export const SUBNET_ID_RE = /^subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
export const ROUTE_TABLE_ID_RE = /^rtb-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
export const SECURITY_GROUP_ID_RE = /^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** A VPC IPv4 CIDR block: four octets 0-255 and a prefix from /16 to /28 (the sizes a VPC CIDR can have). */
export function vpcCidrProblem(cidr: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return 'must be an IPv4 CIDR block like 10.0.0.0/16';
  if (m.slice(1, 5).some((o) => Number(o) > 255)) return 'has an octet above 255';
  const prefix = Number(m[5]);
  if (prefix < 16 || prefix > 28) return `has prefix /${prefix}; a VPC CIDR block is /16 to /28`;
  return undefined;
}
