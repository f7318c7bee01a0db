import { DescribeRepositoriesCommand, GetRegistryScanningConfigurationCommand, RegistryScanningRule } from '@aws-sdk/client-ecr';
import { DoctorPlan, RepositoryPlan } from '../plan';
import { CheckContext, CheckResult, fail, guarded, pass, skip } from '../result';

/**
 * Repository-level scan on push as the template sets it (DescribeRepositories imageScanningConfiguration.scanOnPush,
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageScanningConfiguration.html; Security Hub ECR.1
 * checks this setting).
 */
export async function checkScanOnPush(repo: RepositoryPlan, ctx: CheckContext): Promise<CheckResult> {
  const { resolver } = ctx.deployed(repo.stack);
  const fixedName = repo.stack.template.Resources?.[repo.logicalId]?.Properties?.RepositoryName;
  const check = `repository ${typeof fixedName === 'string' ? fixedName : repo.logicalId}`;
  if (!resolver) return skip(check, `stack ${repo.stack.stackName} is not deployed`);
  const name = resolver.ref(repo.logicalId);
  if ('unresolved' in name) return skip(check, `its name cannot be resolved (${name.unresolved})`);
  const region = repo.stack.region;
  return guarded(check, region, 'ecr:DescribeRepositories', async () => {
    let actual: boolean | undefined;
    try {
      const r = await ctx.clients(region).ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name.value] }));
      actual = r.repositories?.[0]?.imageScanningConfiguration?.scanOnPush;
    } catch (e) {
      if ((e as { name?: string }).name === 'RepositoryNotFoundException') return fail(check, `${name.value} does not exist in ${region}`, repo.stack.deployCommand);
      throw e;
    }
    if ((actual ?? false) !== repo.scanOnPush) {
      return fail(check, `scanOnPush is ${actual ?? false}, the template sets ${repo.scanOnPush}`,
        `${repo.stack.deployCommand}, or set it directly: aws ecr put-image-scanning-configuration --repository-name ${name.value} --image-scanning-configuration scanOnPush=${repo.scanOnPush} --region ${region}`);
    }
    return pass(check, `scanOnPush is ${repo.scanOnPush}, as the template sets it`);
  });
}

/**
 * Whether a registry scanning filter matches a repository name: without a wildcard a filter matches every name
 * containing it; with `*` the wildcard stands for zero or more characters of the whole name
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-filters.html).
 */
export function scanFilterMatches(filter: string, repositoryName: string): boolean {
  if (!filter.includes('*')) return repositoryName.includes(filter);
  const pattern = filter.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${pattern}$`).test(repositoryName);
}

/**
 * The registry's scan type must be the one the alarms listen for (registry.settings.scanType: BASIC sends `ECR Image Scan`
 * events, ENHANCED `Inspector2` ones), and its rules must cover the repositories. With BASIC, a repository that
 * matches no scan-on-push filter is scanned only manually; with ENHANCED, one that matches no filter is not scanned
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-filters.html). Without rules, BASIC
 * leaves scan on push to the repository setting checked above.
 */
export async function checkRegistryScanning(plan: DoctorPlan, repositories: readonly string[], ctx: CheckContext): Promise<CheckResult> {
  const { region, scanType: expected } = plan.registry;
  const check = `registry scanning in ${region}`;
  return guarded(check, region, 'ecr:GetRegistryScanningConfiguration', async () => {
    const r = await ctx.clients(region).ecr.send(new GetRegistryScanningConfigurationCommand({}));
    const actual = r.scanningConfiguration?.scanType ?? 'BASIC';
    const rules: RegistryScanningRule[] = r.scanningConfiguration?.rules ?? [];
    if (actual !== expected) {
      return fail(check, `the registry scans ${actual}, but registry.settings.scanType is ${expected}: the scan-findings and scan-failures rules listen for ${expected === 'BASIC' ? 'ECR Image Scan' : 'Inspector2'} events, which ${actual} scanning never sends`,
        `set registry.settings.scanType to '${actual}' in lib/config/environments.ts and deploy the registry stack, or change the registry's scanning configuration (aws ecr put-registry-scanning-configuration --scan-type ${expected})`);
    }
    if (rules.length === 0) return pass(check, `${actual}, as registry.settings.scanType says; no registry rules, so each repository's own scan-on-push setting applies`);
    if (repositories.length === 0) return skip(check, `${actual}, as registry.settings.scanType says; whether its ${rules.length} rule(s) cover the repository is not known until the registry stack is deployed`);
    const wanted = actual === 'BASIC' ? ['SCAN_ON_PUSH'] : ['SCAN_ON_PUSH', 'CONTINUOUS_SCAN'];
    const uncovered = repositories.filter((name) => !rules.some((rule) => wanted.includes(String(rule.scanFrequency)) && (rule.repositoryFilters ?? []).some((f) => scanFilterMatches(String(f.filter), name))));
    if (uncovered.length > 0) {
      return fail(check, `${actual} rules match none of ${uncovered.join(', ')}: ${actual === 'BASIC' ? 'its images are scanned only by hand' : 'its images are not scanned'}, so the promotion gate refuses every image and the findings alarms stay silent`,
        `add a ${wanted.join(' or ')} filter that matches ${uncovered.join(', ')} to the registry scanning configuration (aws ecr put-registry-scanning-configuration)`);
    }
    return pass(check, `${actual}, as registry.settings.scanType says; registry rules cover ${repositories.join(', ')}`);
  });
}
