import { CommandError, RunResult } from './process';

/** Runs one AWS CLI call against the emulator and returns the raw result (the step decides what is a failure). */
export type AwsRunner = (args: readonly string[]) => Promise<RunResult>;

/** Parses the JSON an AWS CLI call printed; a non-zero exit becomes a {@link CommandError}. */
export async function awsJson<T = Record<string, unknown>>(run: AwsRunner, args: readonly string[]): Promise<T> {
  const r = await run(args);
  if (r.code !== 0) throw new CommandError(`aws ${args.slice(0, 2).join(' ')} failed with exit code ${r.code}`, r.command, r.output);
  const text = r.stdout.trim();
  try {
    return (text === '' ? {} : JSON.parse(text)) as T;
  } catch {
    throw new CommandError(`aws ${args.slice(0, 2).join(' ')} printed something that is not JSON`, r.command, r.output);
  }
}

/**
 * Runs a call that must fail with a given AWS error code (e.g. a repository that must be gone).
 * Succeeding, or failing with any other error, is a {@link CommandError}.
 */
export async function awsExpectError(run: AwsRunner, args: readonly string[], errorCode: RegExp): Promise<RunResult> {
  const r = await run(args);
  if (r.code === 0) throw new CommandError(`aws ${args.slice(0, 2).join(' ')} succeeded, expected ${errorCode.source}`, r.command, r.output);
  if (!errorCode.test(r.stderr)) {
    throw new CommandError(`aws ${args.slice(0, 2).join(' ')} failed, but not with ${errorCode.source}`, r.command, r.output);
  }
  return r;
}

/** A CloudFormation stack as `describe-stacks` shows it (the fields the e2e reads). */
export interface StackDescription {
  readonly StackName: string;
  readonly StackStatus: string;
  readonly EnableTerminationProtection?: boolean;
  readonly LastUpdatedTime?: string;
  readonly Outputs?: readonly { readonly OutputKey: string; readonly OutputValue?: string }[];
}

export interface StackResource {
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceType: string;
  readonly ResourceStatus: string;
}

export interface RepositoryDescription {
  readonly repositoryName: string;
  readonly repositoryArn: string;
  readonly repositoryUri: string;
  readonly imageTagMutability: string;
  readonly imageTagMutabilityExclusionFilters?: readonly { readonly filterType: string; readonly filter: string }[];
  readonly imageScanningConfiguration?: { readonly scanOnPush?: boolean };
  readonly encryptionConfiguration?: { readonly encryptionType: string; readonly kmsKey?: string };
}

export interface ContainerDefinition {
  readonly name?: string;
  readonly image?: string;
}

export interface TaskDefinitionDescription {
  readonly taskDefinitionArn: string;
  readonly family: string;
  readonly revision: number;
  readonly containerDefinitions: readonly ContainerDefinition[];
}
