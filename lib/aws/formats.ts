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

/** Words that make an environment variable name look like a credential, matched case-insensitively. */
const CREDENTIAL_WORDS: readonly string[] = ['password', 'passwd', 'secret', 'secrets', 'token', 'tokens', 'credential', 'credentials', 'apikey', 'privatekey', 'accesskey'];
/** Two adjacent words that together name a credential (`API_KEY`, `privateKey`, `aws_access_key_id`). */
const CREDENTIAL_WORD_PAIRS: readonly string[] = ['api key', 'private key', 'access key', 'auth data', 'client secret', 'session key', 'signing key'];

/**
 * True for names that look like they hold a credential, whatever their case: the ECS.8 names, any name
 * with a word PASSWORD, PASSWD, SECRET(S), TOKEN(S) or CREDENTIAL(S), any name containing "password", and
 * the pairs API_KEY, PRIVATE_KEY, ACCESS_KEY, AUTH_DATA, SESSION_KEY, SIGNING_KEY. Words are split at `_`,
 * digits and camelCase humps (`dbPassword` -> db, password). Such values belong in the container's
 * `Secrets` (SSM / Secrets Manager), which is what lets the task definition acknowledge cdk-nag
 * AwsSolutions-ECS2 for the plain variables that remain.
 */
export function looksLikeCredentialName(name: string): boolean {
  if (CREDENTIAL_ENV_NAMES.includes(name.toUpperCase())) return true;
  if (/passw(or)?d/i.test(name)) return true;
  const words = name
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
  if (words.some((w) => CREDENTIAL_WORDS.includes(w))) return true;
  return words.slice(1).some((w, i) => CREDENTIAL_WORD_PAIRS.includes(`${words[i]} ${w}`));
}

/** `latest`, `main`, ... or a tag with a `latest` segment (`prod-latest`, `v1-latest`, `latest.arm64`). */
export function isMutableLookingTag(tag: string): boolean {
  const lower = tag.toLowerCase();
  return MUTABLE_LOOKING_TAGS.includes(lower) || lower.split(/[-_.]/).includes('latest');
}

/**
 * Health check paths: the path is spliced unquoted into the container's `CMD-SHELL` health check command,
 * so only characters a POSIX shell treats literally are allowed (no `;`, `&`, `$`, quotes, spaces...).
 */
export const HEALTH_CHECK_PATH_RE = /^\/[A-Za-z0-9._~/%-]*$/;

/**
 * ECR's default "Images per repository" quota (adjustable; ECR service quotas,
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html). A lifecycle count above it can
 * never be reached, so such a rule never expires anything: configuration refuses it as a mistake (1e21 for
 * 1000). Raise it here only after raising the quota.
 */
export const ECR_MAX_IMAGES_PER_REPOSITORY = 100_000;

/**
 * Upper bound for day counts of lifecycle rules (`sinceImagePushed`). ECR documents no maximum; this is the
 * project's own limit: ten years is already "never" for build leftovers that are billed every month, and a
 * larger number is far more likely a typo (1400 for 14) than an intent.
 */
export const MAX_LIFECYCLE_DAYS = 3650;
