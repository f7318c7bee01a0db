import { createHash } from 'crypto';

/**
 * The synthesized templates as a deployed account would see them: every intrinsic resolved with the stack's
 * account and region (a fixed test account where the stack is environment-agnostic), every resource given
 * the physical name and ARN CloudFormation would give it, and the policies that govern each resource or
 * role gathered from wherever the template keeps them. Anything this model does not know how to resolve
 * throws, naming the resource: a guess here would be a guess in the access verdicts.
 */

/** Stands in for `AWS::AccountId` in environment-agnostic stacks. */
export const TEST_ACCOUNT = '111111111111';
const PARTITION = 'aws';
const URL_SUFFIX = 'amazonaws.com';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  [key: string]: unknown;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  [key: string]: unknown;
}

/** One synthesized stack: its template and where it deploys. */
export interface StackTemplate {
  readonly stackName: string;
  /** 12-digit account, or undefined for an environment-agnostic stack (resolved as {@link TEST_ACCOUNT}). */
  readonly account?: string;
  readonly region: string;
  readonly template: CfnTemplate;
}

/** A resource of one stack. */
export interface ModelResource {
  readonly stack: ResolvedStack;
  readonly logicalId: string;
  readonly type: string;
}

export interface ResolvedStack {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly template: CfnTemplate;
}

/** A policy document with where each statement came from (logical ID and Sid), for failure messages. */
export interface LabeledPolicy {
  /** Unique name in a simulation: the logical ID of the resource that holds it. */
  readonly name: string;
  readonly document: { Version: string; Statement: PolicyStatementJson[] };
  /** `labels[i]` names `document.Statement[i]`: `Stack/LogicalId Sid X` or `... statement #n`. */
  readonly labels: readonly string[];
}

export type PolicyStatementJson = Record<string, unknown> & { Sid?: string; Effect: string; Condition?: Record<string, Record<string, unknown>> };

/** How each resource type is named and addressed (CloudFormation "Return values" of each resource type). */
interface TypeInfo {
  /** Property holding the physical name, if any; else CloudFormation generates one. */
  readonly nameProperty?: string;
  /** What `Ref` returns. */
  readonly ref: 'name' | 'arn';
  readonly arn?: (p: { partition: string; region: string; account: string; name: string }) => string;
  /** GetAtt attribute -> value; `Arn` is implied by `arn`. */
  readonly attributes?: Record<string, 'name' | 'arn'>;
  /** S3 bucket names are lower case. */
  readonly lowerCaseName?: boolean;
}

const TYPES: Record<string, TypeInfo> = {
  'AWS::ECR::Repository': { nameProperty: 'RepositoryName', ref: 'name', arn: (p) => `arn:${p.partition}:ecr:${p.region}:${p.account}:repository/${p.name}` },
  'AWS::KMS::Key': { ref: 'name', arn: (p) => `arn:${p.partition}:kms:${p.region}:${p.account}:key/${p.name}`, attributes: { KeyId: 'name' } },
  'AWS::IAM::Role': { nameProperty: 'RoleName', ref: 'name', arn: (p) => `arn:${p.partition}:iam::${p.account}:role/${p.name}` },
  'AWS::IAM::Policy': { nameProperty: 'PolicyName', ref: 'name' },
  'AWS::SNS::Topic': { nameProperty: 'TopicName', ref: 'arn', arn: (p) => `arn:${p.partition}:sns:${p.region}:${p.account}:${p.name}`, attributes: { TopicArn: 'arn', TopicName: 'name' } },
  'AWS::Logs::LogGroup': { nameProperty: 'LogGroupName', ref: 'name', arn: (p) => `arn:${p.partition}:logs:${p.region}:${p.account}:log-group:${p.name}:*` },
  'AWS::S3::Bucket': { nameProperty: 'BucketName', ref: 'name', arn: (p) => `arn:${p.partition}:s3:::${p.name}`, lowerCaseName: true },
  'AWS::Events::Rule': { nameProperty: 'Name', ref: 'name', arn: (p) => `arn:${p.partition}:events:${p.region}:${p.account}:rule/${p.name}` },
  'AWS::Lambda::Function': { nameProperty: 'FunctionName', ref: 'name', arn: (p) => `arn:${p.partition}:lambda:${p.region}:${p.account}:function:${p.name}` },
  'AWS::CloudTrail::Trail': { nameProperty: 'TrailName', ref: 'name', arn: (p) => `arn:${p.partition}:cloudtrail:${p.region}:${p.account}:trail/${p.name}` },
  'AWS::CloudWatch::Alarm': { nameProperty: 'AlarmName', ref: 'name', arn: (p) => `arn:${p.partition}:cloudwatch:${p.region}:${p.account}:alarm:${p.name}` },
  'AWS::ECS::TaskDefinition': { nameProperty: 'Family', ref: 'arn', arn: (p) => `arn:${p.partition}:ecs:${p.region}:${p.account}:task-definition/${p.name}:1` },
  // Ref and GetAtt Arn: the profile ARN without version; GetAtt ProfileName: its name
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-signer-signingprofile.html, "Return values").
  // The ARN form is the Service Authorization Reference's signing-profile resource type.
  'AWS::Signer::SigningProfile': { nameProperty: 'ProfileName', ref: 'arn', arn: (p) => `arn:${p.partition}:signer:${p.region}:${p.account}:/signing-profiles/${p.name}`, attributes: { ProfileName: 'name' } },
};

/** The whole app: every stack's resources, resolvable and findable by ARN. */
export class AppModel {
  readonly stacks: readonly ResolvedStack[];
  private readonly arnIndex = new Map<string, ModelResource>();
  private readonly propsCache = new Map<string, Record<string, unknown>>();

  constructor(stacks: readonly StackTemplate[]) {
    // A private copy: tests mutate templates to prove the suite notices, and the shared synth must not change.
    this.stacks = stacks.map((s) => ({ stackName: s.stackName, account: s.account ?? TEST_ACCOUNT, region: s.region, template: structuredClone(s.template) }));
    for (const r of this.resources()) {
      const info = TYPES[r.type];
      if (info?.arn) this.arnIndex.set(this.arn(r), r);
    }
  }

  /** Every resource, optionally of one type, in stack and template order. */
  resources(type?: string): ModelResource[] {
    const out: ModelResource[] = [];
    for (const stack of this.stacks) {
      for (const [logicalId, res] of Object.entries(stack.template.Resources)) {
        if (type === undefined || res.Type === type) out.push({ stack, logicalId, type: res.Type });
      }
    }
    return out;
  }

  /** `Stack/LogicalId`. */
  label(r: ModelResource): string {
    return `${r.stack.stackName}/${r.logicalId}`;
  }

  raw(r: ModelResource): CfnResource {
    return r.stack.template.Resources[r.logicalId];
  }

  /** The resource's properties with every intrinsic resolved. */
  props(r: ModelResource): Record<string, unknown> {
    const key = this.label(r);
    let p = this.propsCache.get(key);
    if (!p) {
      p = this.resolve(r.stack, this.raw(r).Properties ?? {}, key) as Record<string, unknown>;
      this.propsCache.set(key, p);
    }
    return p;
  }

  /** The physical name CloudFormation gives the resource (its name property, or a generated name). */
  physicalName(r: ModelResource): string {
    const info = TYPES[r.type];
    const nameProp = info?.nameProperty;
    const given = nameProp ? this.raw(r).Properties?.[nameProp] : undefined;
    if (given !== undefined) return String(this.resolve(r.stack, given, this.label(r)));
    if (r.type === 'AWS::KMS::Key') {
      // Key IDs are UUIDs; any stable one will do, as long as every reference agrees.
      const h = createHash('sha256').update(this.label(r)).digest('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
    }
    // CloudFormation's generated names are <stack>-<logical ID>-<random>; the random part does not matter here.
    const generated = `${r.stack.stackName}-${r.logicalId}`;
    return info?.lowerCaseName ? generated.toLowerCase() : generated;
  }

  arn(r: ModelResource): string {
    const info = TYPES[r.type];
    if (!info?.arn) throw new Error(`${this.label(r)}: the access model has no ARN format for ${r.type}; add it to TYPES in test/access/template-model.ts`);
    return info.arn({ partition: PARTITION, region: r.stack.region, account: r.stack.account, name: this.physicalName(r) });
  }

  /** The resource with this ARN (a log group also answers to its ARN without `:*`). */
  byArn(arn: string): ModelResource | undefined {
    return this.arnIndex.get(arn) ?? this.arnIndex.get(`${arn}:*`);
  }

  /** Resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split and the pseudo parameters. */
  resolve(stack: ResolvedStack, value: unknown, where: string): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(stack, v, where));
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return this.intrinsic(stack, keys[0], obj[keys[0]], where);
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = this.resolve(stack, obj[k], where);
    return out;
  }

  private intrinsic(stack: ResolvedStack, fn: string, arg: unknown, where: string): unknown {
    switch (fn) {
      case 'Ref':
        return this.ref(stack, String(arg), where);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split(/\.(.+)/);
        return this.getAtt(stack, id, attr, where);
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        return (this.resolve(stack, parts, where) as unknown[]).map(String).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        return (this.resolve(stack, list, where) as unknown[])[Number(this.resolve(stack, index, where))];
      }
      case 'Fn::Split': {
        const [sep, s] = arg as [string, unknown];
        return String(this.resolve(stack, s, where)).split(sep);
      }
      case 'Fn::Sub': {
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
        return text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
          if (name in vars) return String(this.resolve(stack, vars[name], where));
          return String(name.includes('.') ? this.intrinsic(stack, 'Fn::GetAtt', name, where) : this.ref(stack, name, where));
        });
      }
      default:
        throw new Error(`${where}: the access model cannot resolve ${fn}; extend AppModel.resolve in test/access/template-model.ts`);
    }
  }

  private ref(stack: ResolvedStack, name: string, where: string): unknown {
    switch (name) {
      case 'AWS::AccountId': return stack.account;
      case 'AWS::Region': return stack.region;
      case 'AWS::Partition': return PARTITION;
      case 'AWS::URLSuffix': return URL_SUFFIX;
      case 'AWS::StackName': return stack.stackName;
      default: break;
    }
    const r = this.resourceIn(stack, name, where);
    const info = TYPES[r.type];
    if (!info) throw new Error(`${where}: Ref to ${r.logicalId} (${r.type}) has no known return value; add the type to TYPES in test/access/template-model.ts`);
    return info.ref === 'arn' ? this.arn(r) : this.physicalName(r);
  }

  private getAtt(stack: ResolvedStack, id: string, attr: string, where: string): unknown {
    const r = this.resourceIn(stack, id, where);
    const info = TYPES[r.type];
    const kind = attr === 'Arn' && info?.arn ? 'arn' : info?.attributes?.[attr];
    if (!kind) throw new Error(`${where}: Fn::GetAtt ${id}.${attr} (${r.type}) is not modelled; add it to TYPES in test/access/template-model.ts`);
    return kind === 'arn' ? this.arn(r) : this.physicalName(r);
  }

  private resourceIn(stack: ResolvedStack, logicalId: string, where: string): ModelResource {
    const res = stack.template.Resources[logicalId];
    if (!res) throw new Error(`${where}: reference to ${logicalId}, which is not a resource of ${stack.stackName}`);
    return { stack, logicalId, type: res.Type };
  }

  // ---- policies ----

  /** The identity policies attached to a role: AWS::IAM::Policy resources naming it, and its inline policies. */
  identityPolicies(role: ModelResource): LabeledPolicy[] {
    const roleName = this.physicalName(role);
    const props = this.props(role);
    if (Array.isArray(props.ManagedPolicyArns) && props.ManagedPolicyArns.length > 0) {
      throw new Error(`${this.label(role)} has managed policies ${JSON.stringify(props.ManagedPolicyArns)}: their documents are not in any template; the access suite cannot evaluate them`);
    }
    const out: LabeledPolicy[] = [];
    for (const [i, inline] of ((props.Policies as Array<{ PolicyName: string; PolicyDocument: unknown }>) ?? []).entries()) {
      out.push(labeled(`${role.logicalId}.Policies[${i}]`, `${this.label(role)} inline ${inline.PolicyName}`, inline.PolicyDocument));
    }
    for (const p of [...this.resources('AWS::IAM::Policy'), ...this.resources('AWS::IAM::ManagedPolicy')]) {
      if (p.stack !== role.stack) continue;
      const pp = this.props(p);
      if (((pp.Roles as string[]) ?? []).includes(roleName)) out.push(labeled(p.logicalId, this.label(p), pp.PolicyDocument));
    }
    return out;
  }

  trustPolicy(role: ModelResource): LabeledPolicy {
    return labeled(role.logicalId, `${this.label(role)} trust policy`, this.props(role).AssumeRolePolicyDocument);
  }

  /** The resource-based policy AWS evaluates for `target`, gathered from the template, or undefined. */
  resourcePolicy(target: ModelResource): LabeledPolicy | undefined {
    const p = this.props(target);
    switch (target.type) {
      case 'AWS::ECR::Repository':
        return p.RepositoryPolicyText ? labeled(target.logicalId, this.label(target), p.RepositoryPolicyText) : undefined;
      case 'AWS::KMS::Key':
        return labeled(target.logicalId, this.label(target), p.KeyPolicy);
      case 'AWS::SNS::Topic': {
        const arn = this.arn(target);
        return merged(this.resources('AWS::SNS::TopicPolicy')
          .filter((tp) => ((this.props(tp).Topics as string[]) ?? []).includes(arn))
          .map((tp) => labeled(tp.logicalId, this.label(tp), this.props(tp).PolicyDocument)));
      }
      case 'AWS::S3::Bucket': {
        const name = this.physicalName(target);
        return merged(this.resources('AWS::S3::BucketPolicy')
          .filter((bp) => this.props(bp).Bucket === name)
          .map((bp) => labeled(bp.logicalId, this.label(bp), this.props(bp).PolicyDocument)));
      }
      case 'AWS::Logs::LogGroup':
        // CloudWatch Logs resource policies are per account and region; their statements name the groups.
        return merged(this.resources('AWS::Logs::ResourcePolicy')
          .filter((rp) => rp.stack.account === target.stack.account && rp.stack.region === target.stack.region)
          .map((rp) => labeled(rp.logicalId, this.label(rp), JSON.parse(String(this.props(rp).PolicyDocument)))));
      case 'AWS::Lambda::Function': {
        const arn = this.arn(target);
        const name = this.physicalName(target);
        const statements = this.resources('AWS::Lambda::Permission')
          .filter((lp) => [arn, name].includes(String(this.props(lp).FunctionName)))
          .map((lp) => labeled(lp.logicalId, this.label(lp), { Version: '2012-10-17', Statement: [lambdaPermissionStatement(this.props(lp), arn)] }));
        return merged(statements);
      }
      case 'AWS::Signer::SigningProfile': {
        // Signer's cross-account grants (AddProfilePermission), one AWS::Signer::ProfilePermission each.
        const name = this.physicalName(target);
        const arn = this.arn(target);
        return merged(this.resources('AWS::Signer::ProfilePermission')
          .filter((pp) => pp.stack.account === target.stack.account && pp.stack.region === target.stack.region && this.props(pp).ProfileName === name)
          .map((pp) => labeled(pp.logicalId, this.label(pp), { Version: '2012-10-17', Statement: [profilePermissionStatement(this.props(pp), arn, this.label(pp))] })));
      }
      default:
        throw new Error(`${this.label(target)}: the access model does not know where ${target.type} keeps its resource policy`);
    }
  }
}

/**
 * The statement Lambda stores for an AWS::Lambda::Permission ("Viewing resource-based IAM policies in
 * Lambda", https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html): SourceArn
 * becomes an ArnLike aws:SourceArn condition, SourceAccount a StringEquals aws:SourceAccount condition.
 */
function lambdaPermissionStatement(p: Record<string, unknown>, functionArn: string): PolicyStatementJson {
  const principal = String(p.Principal);
  const condition: Record<string, Record<string, unknown>> = {};
  if (p.SourceArn !== undefined) condition.ArnLike = { 'aws:SourceArn': p.SourceArn };
  if (p.SourceAccount !== undefined) condition.StringEquals = { 'aws:SourceAccount': p.SourceAccount };
  return {
    Effect: 'Allow',
    Principal: /^\d{12}$/.test(principal) || principal.startsWith('arn:') ? { AWS: principal } : { Service: principal },
    Action: p.Action,
    Resource: functionArn,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}

/**
 * An AWS::Signer::ProfilePermission as the grant it is: `Action` on the profile for `Principal` (an account ID
 * or an IAM principal ARN), https://docs.aws.amazon.com/signer/latest/api/API_AddProfilePermission.html. A
 * permission limited to one ProfileVersion is not modelled (it would need the version the request carries).
 */
function profilePermissionStatement(p: Record<string, unknown>, profileArn: string, where: string): PolicyStatementJson {
  if (p.ProfileVersion !== undefined) throw new Error(`${where}: a profile permission limited to ProfileVersion ${String(p.ProfileVersion)} is not modelled by the access suite`);
  return { Effect: 'Allow', Principal: { AWS: String(p.Principal) }, Action: p.Action, Resource: profileArn };
}

function labeled(name: string, where: string, document: unknown): LabeledPolicy {
  const doc = document as { Version?: string; Statement?: PolicyStatementJson | PolicyStatementJson[] };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  return {
    name,
    document: { Version: doc.Version ?? '2012-10-17', Statement: statements },
    labels: statements.map((s, i) => (s.Sid ? `${where} Sid ${s.Sid}` : `${where} statement #${i + 1} (no Sid)`)),
  };
}

function merged(policies: LabeledPolicy[]): LabeledPolicy | undefined {
  if (policies.length === 0) return undefined;
  if (policies.length === 1) return policies[0];
  return {
    name: policies.map((p) => p.name).join('+'),
    document: { Version: '2012-10-17', Statement: policies.flatMap((p) => p.document.Statement) },
    labels: policies.flatMap((p) => p.labels),
  };
}
