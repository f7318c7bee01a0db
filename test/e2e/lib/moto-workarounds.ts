import { EnvironmentAssembly, resourcesOfType, rewriteAssembly, Template } from './assembly';

/** Account and region the stacks deploy to. */
export interface Where {
  readonly account: string;
  readonly region: string;
}

/**
 * Input the e2e must adapt for moto, applied to its private copy of the synthesized templates only (never to
 * the app), to every assembly alike so `cdk diff` stays exact, and each announced as "NOT VERIFIED".
 */
export interface Workaround {
  /** What the e2e then cannot verify. */
  readonly what: string;
  /** The moto behaviour that forces it (with the error it causes). */
  readonly why: (count: number) => string;
  readonly edit: (template: Template, where: Where) => number;
}

/**
 * moto 5.2.1: CreateStack answers HTTP 500 (`KeyError: 'TagKey'` in moto/kms/models.py) for an AWS::KMS::Key
 * with Tags: its KMS tagger expects the KMS API's TagKey/TagValue, not CloudFormation's Key/Value; the half
 * created stack is left behind and the CLI's retry then fails with AlreadyExistsException.
 */
export const KMS_KEY_TAGS: Workaround = {
  what: 'Tags on AWS::KMS::Key resources',
  why: (n) =>
    `moto crashes creating a tagged AWS::KMS::Key from CloudFormation (HTTP 500, KeyError: 'TagKey' in moto/kms/models.py), so the e2e removed Tags from ${n} KMS key(s) in its temporary copy of the templates (not in the app) — covered by unit tests on the template`,
  edit: (template) => {
    let n = 0;
    for (const [, key] of resourcesOfType(template, 'AWS::KMS::Key')) {
      if (key.Properties && 'Tags' in key.Properties) {
        delete key.Properties.Tags;
        n += 1;
      }
    }
    return n;
  },
};

/**
 * moto skips AWS::CloudWatch::Alarm entirely, and then rejects every `Fn::GetAtt` to one (a dashboard's alarm
 * widgets): "Template error: instance of Fn::GetAtt references undefined resource <id>". The reference is
 * replaced by the ARN the alarm would have.
 */
export const GETATT_TO_ALARMS: Workaround = {
  what: 'Fn::GetAtt <alarm>.Arn (dashboard alarm widgets)',
  why: (n) =>
    `moto skips AWS::CloudWatch::Alarm and rejects Fn::GetAtt to a skipped resource ("Template error: instance of Fn::GetAtt references undefined resource"), so the e2e replaced ${n} such reference(s) with the alarm ARN as text in its temporary copy of the templates (not in the app) — covered by unit tests on the template`,
  edit: (template, where) => {
    const alarms = new Map(resourcesOfType(template, 'AWS::CloudWatch::Alarm'));
    let n = 0;
    const walk = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(walk);
      if (node === null || typeof node !== 'object') return node;
      const getAtt = (node as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
      if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && alarms.has(String(getAtt[0]))) {
        n += 1;
        const name = alarms.get(String(getAtt[0]))?.Properties?.AlarmName;
        return `arn:aws:cloudwatch:${where.region}:${where.account}:alarm:${typeof name === 'string' ? name : String(getAtt[0])}`;
      }
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    };
    for (const resource of Object.values(template.Resources ?? {})) {
      if (resource.Type === 'AWS::CloudWatch::Alarm' || !resource.Properties) continue;
      const props = resource.Properties;
      Object.assign(props, walk(props));
    }
    return n;
  },
};

/**
 * moto skips AWS::Signer::SigningProfile, and then CreateStack crashes (HTTP 500, `AttributeError: 'NoneType'
 * object has no attribute 'has_cfn_attr'` in moto/cloudformation/parsing.py validate_outputs) on an output that is
 * `Fn::GetAtt` of it. Every `Fn::GetAtt <profile>.Arn` (the SigningProfileArn output and the signing rule) is
 * replaced by the ARN the profile would have, built from its ProfileName.
 */
export const GETATT_TO_SIGNING_PROFILES: Workaround = {
  what: 'Fn::GetAtt <signing profile>.Arn (the signing rule and the SigningProfileArn output)',
  why: (n) =>
    `moto skips AWS::Signer::SigningProfile and crashes on an output that is Fn::GetAtt of it (HTTP 500, AttributeError in moto/cloudformation/parsing.py validate_outputs), so the e2e replaced ${n} such reference(s) with the profile ARN as text in its temporary copy of the templates (not in the app) — covered by unit tests on the template`,
  edit: (template, where) => {
    const profiles = new Map(resourcesOfType(template, 'AWS::Signer::SigningProfile'));
    let n = 0;
    const walk = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(walk);
      if (node === null || typeof node !== 'object') return node;
      const getAtt = (node as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
      if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && profiles.has(String(getAtt[0]))) {
        n += 1;
        const name = profiles.get(String(getAtt[0]))?.Properties?.ProfileName;
        return `arn:aws:signer:${where.region}:${where.account}:/signing-profiles/${typeof name === 'string' ? name : String(getAtt[0])}`;
      }
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    };
    const mutable = template as { Resources?: Record<string, { Properties?: Record<string, unknown> }>; Outputs?: Record<string, unknown> };
    for (const resource of Object.values(mutable.Resources ?? {})) {
      if (resource.Properties) Object.assign(resource.Properties, walk(resource.Properties));
    }
    if (mutable.Outputs) mutable.Outputs = walk(mutable.Outputs) as Record<string, unknown>;
    return n;
  },
};

/** Applies `workaround` to an assembly; returns the rewritten assembly and how many edits were made. */
export function applyWorkaround(asm: EnvironmentAssembly, workaround: Workaround, where: Where): { readonly assembly: EnvironmentAssembly; readonly count: number } {
  return rewriteAssembly(asm, (t) => workaround.edit(t, where));
}
