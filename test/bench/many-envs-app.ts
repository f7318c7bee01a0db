/**
 * `npm run bench` helper: the real app (same buildApp, same cdk-nag) over BENCH_ENVS generated
 * environments, cloned round-robin from the shipped dev/staging/prod configs with unique names.
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../lib/app';
import { ENVIRONMENTS, REGISTRY } from '../../lib/config/environments';
import { EnvConfig, EnvName } from '../../lib/config/types';
import { validateEnvConfig } from '../../lib/config/validate';

const count = Number(process.env.BENCH_ENVS ?? '3');
if (!Number.isInteger(count) || count < 1) throw new Error(`BENCH_ENVS must be a positive integer, got ${process.env.BENCH_ENVS}`);
const templates = Object.values(ENVIRONMENTS);
const configs: EnvConfig[] = [];
for (let i = 0; i < count; i++) {
  const base = validateEnvConfig(templates[i % templates.length], REGISTRY);
  // Generated names sit outside the closed EnvName union on purpose: only the benchmark does this.
  configs.push({ ...base, envName: `${base.envName}${i}` as EnvName });
}
const app = new App();
// BENCH_NAG=false / BENCH_GUARD=false measure what cdk-nag / the Control Tower checks cost (the real app
// always runs both).
buildApp(app, { registry: REGISTRY, environments: configs, selected: configs }, { nag: process.env.BENCH_NAG !== 'false', guard: process.env.BENCH_GUARD !== 'false' });
app.synth();
