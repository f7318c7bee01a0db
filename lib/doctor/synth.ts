import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildApp, REGISTRY_STACK_NAME } from '../app';
import { LoadedConfig } from '../config/load';
import { DoctorPlan, DoctorStack, planFromTemplates } from './plan';
import { Template } from './resolve';

/** cdk.json at the project root: its context (feature flags) makes the in-process synth equal `cdk synth`'s. */
const CDK_JSON = path.resolve(__dirname, '..', '..', 'cdk.json');

function cdkJsonContext(): Record<string, unknown> {
  if (!fs.existsSync(CDK_JSON)) return {};
  return (JSON.parse(fs.readFileSync(CDK_JSON, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
}

/**
 * Synthesizes the registry stack and the environment's service stack in-process, as `cdk synth -c env=<env>`
 * would (cdk.json's context, the same config), into a temporary directory that is removed afterwards.
 * cdk-nag, the Control Tower checks and CDK's template validation are off: they judge templates, the doctor
 * only reads names, metrics and settings from them (`npm run synth` runs them all).
 */
export function synthesizeEnvironment(config: LoadedConfig, envName: string): DoctorStack[] {
  const env = config.selected.find((e) => e.envName === envName);
  if (!env || config.selected.length !== 1) throw new Error(`synthesizeEnvironment: the config must select exactly environment ${envName}`);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bcb-doctor-'));
  const validation = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    const app = new App({ context: cdkJsonContext(), outdir, analyticsReporting: false });
    const { registry, services } = buildApp(app, config, { nag: false, guard: false });
    const assembly = app.synth();
    const template = (name: string) => assembly.getStackByName(name).template as Template;
    const github = config.registry.ciPushRole?.githubRepository;
    return [{
      role: 'registry',
      stackName: registry.stackName,
      region: config.registry.region,
      template: template(REGISTRY_STACK_NAME),
      deployCommand: `npx cdk deploy ${registry.stackName} --exclusively${github ? ` -c githubRepository=${github}` : ''}`,
    }, {
      role: 'service',
      stackName: services[0].stackName,
      region: env.region,
      template: template(services[0].stackName),
      deployCommand: `npx cdk deploy ${services[0].stackName} --exclusively -c env=${envName} -c imageDigest=<digest> -c imageTag=<release tag>`,
    }];
  } finally {
    if (validation === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = validation;
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The plan for one environment: synthesized in-process, then read (plan.ts). */
export function doctorPlan(config: LoadedConfig, envName: string): DoctorPlan {
  return planFromTemplates(envName, synthesizeEnvironment(config, envName), { ...config.registry.alarms, scanType: config.registry.settings.scanType }, config.registry.region);
}
