import { Match } from 'aws-cdk-lib/assertions';
import { synthesized } from './helpers/synth';

/**
 * Security Hub controls prod must meet (docs/quality-gates.md, "Security Hub mapping"): each asserted on the synthesized
 * templates prod consists of, the same properties the controls evaluate on the deployed resources. Prod spans
 * two stacks: the shared registry it pulls from (ECR controls) and its own service stack (ECS controls).
 */
// cdk-nag is exercised by test/app.spec.ts; these tests read properties only.
const prod = synthesized({ env: 'prod' }, { nag: false });
const { registry: registryStack, services } = prod.stacks;
const registry = prod.template(registryStack.stackName);
const service = prod.template(services[0].stackName);

test('prod is the registry plus the prod service stack', () => {
  expect([registryStack.stackName, ...services.map((s) => s.stackName)]).toEqual(['BetterCallBuffet-Registry', 'BetterCallBuffet-prod-Service']);
});
const containers = () => {
  const defs = Object.values(service.findResources('AWS::ECS::TaskDefinition'));
  expect(defs).toHaveLength(1);
  return defs[0].Properties.ContainerDefinitions as Array<Record<string, unknown>>;
};

describe('Security Hub controls in prod', () => {
  test('ECR.1: private repositories have image scanning configured (scan on push)', () => {
    registry.hasResourceProperties('AWS::ECR::Repository', { ImageScanningConfiguration: { ScanOnPush: true } });
  });

  test('ECR.2: tag immutability is configured', () => {
    registry.hasResourceProperties('AWS::ECR::Repository', { ImageTagMutability: 'IMMUTABLE' });
  });

  test('ECR.3: at least one lifecycle policy is configured', () => {
    registry.hasResourceProperties('AWS::ECR::Repository', { LifecyclePolicy: { LifecyclePolicyText: Match.stringLikeRegexp('"rules":\\[\\{') } });
  });

  test('ECS.4: containers run non-privileged', () => {
    for (const c of containers()) expect(c.Privileged).toBe(false);
  });

  test('ECS.5: containers have read-only root filesystems', () => {
    for (const c of containers()) expect(c.ReadonlyRootFilesystem).toBe(true);
  });

  test('ECS.8: no secrets in plain environment variables', () => {
    const flagged = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'ECS_ENGINE_AUTH_DATA'];
    for (const c of containers()) {
      const names = ((c.Environment ?? []) as Array<{ Name: string }>).map((e) => e.Name);
      expect(names.filter((n) => flagged.includes(n))).toEqual([]);
    }
  });

  test('ECS.9: task definitions have a logging configuration', () => {
    for (const c of containers()) {
      expect(c.LogConfiguration).toEqual(expect.objectContaining({ LogDriver: 'awslogs' }));
    }
  });
});
