import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildTestApp } from '../helpers/app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildFloor } = require('./floor-app.js') as { buildFloor: (app: App) => import('aws-cdk-lib').Stack };

const types = (t: Template) => new Set(Object.values(t.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type));

describe('benchmark floor (test/bench/floor-app.js)', () => {
  test('holds every resource type the app synthesizes, so the bench ratio compares like with like', () => {
    const floor = types(Template.fromStack(buildFloor(new App())));
    const app = new Set<string>();
    const { registry, services } = buildTestApp({}, { nag: false, guard: false }).stacks;
    for (const stack of [registry, ...services]) {
      for (const t of types(Template.fromStack(stack))) app.add(t);
    }
    expect([...app].filter((t) => !floor.has(t)).sort()).toEqual([]);
  });
});
