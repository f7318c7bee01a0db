import { Token } from 'aws-cdk-lib';

/** What a registry-wide setting accepts as a repository filter, and how its messages name it. */
export interface RepositoryFilterRule {
  /** True when `name` is a valid filter of the setting. */
  readonly valid: (name: string) => boolean;
  /** `a valid <description>`, e.g. `replication filter (2-256 lowercase letters, ...)`. */
  readonly description: string;
}

/**
 * The repository names a registry-wide setting (scanning and signing, replication) filters on: 1-100 literal
 * names, none twice, each a valid filter of that setting. Calls `fail` with the first problem.
 */
export function checkRepositoryFilterNames(names: readonly string[], fail: (msg: string) => never, rule: RepositoryFilterRule): void {
  if (names.length < 1 || names.length > 100) fail(`repositoryNames must list 1-100 repositories (one filter each), got ${names.length}`);
  if (new Set(names).size !== names.length) fail(`repositoryNames lists a repository twice: ${JSON.stringify(names)}`);
  for (const n of names) {
    if (Token.isUnresolved(n)) fail('repositoryNames must be literal names: a filter cannot be a token');
    if (!rule.valid(n)) fail(`repository name ${JSON.stringify(n)} is not a valid ${rule.description}`);
  }
}
