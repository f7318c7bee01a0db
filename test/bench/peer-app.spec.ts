import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { synthesized } from '../helpers/synth';
import { buildPeer } from './peer/lib/peer';

/**
 * `npm run bench` compares the app with its peer (test/bench/peer/, cdk init style) and with the floor (the peer
 * compiled to JavaScript). That comparison is only fair while the peer synthesizes the same resource types, stack
 * for stack: these fail when the app gains or loses one, so the peer follows.
 */
const typeNames = (t: Template) => [...new Set(Object.values(t.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type))].sort();

describe('the benchmark peer (test/bench/peer/)', () => {
  const app = synthesized({}, { nag: false, guard: false });
  // Bundling skipped (CDK's own switch, as `cdk synth --exclusively` uses it): the types do not depend on it.
  const peer = buildPeer(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));

  test('its registry stack holds the resource types of the app\'s registry stack', () => {
    expect(typeNames(Template.fromStack(peer.registry))).toEqual(typeNames(app.template(app.stacks.registry.stackName)));
  });

  test('its registry settings stack holds the resource types of the app\'s', () => {
    expect(typeNames(Template.fromStack(peer.settings))).toEqual(typeNames(app.template(app.stacks.settings!.stackName)));
  });

  test('its replica stack holds the resource types of the app\'s', () => {
    expect(typeNames(Template.fromStack(peer.replica))).toEqual(typeNames(app.template(app.stacks.replica!.stackName)));
  });

  test('it has one service stack per environment, each with the resource types of the app\'s', () => {
    expect(peer.services).toHaveLength(app.stacks.services.length);
    const appTypes = app.stacks.services.map((s: Stack) => typeNames(app.template(s.stackName)));
    expect(peer.services.map((s) => typeNames(Template.fromStack(s)))).toEqual(appTypes);
  });
});
