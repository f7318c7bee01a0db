/**
 * Resolves the CloudFormation intrinsics of a synthesized template into the values a deployed stack has:
 * `Ref` to a resource (its physical ID as CloudFormation reports it), pseudo parameters and `Fn::Join`, the
 * intrinsics of every name and dimension the doctor reads. What cannot be resolved stays unresolved,
 * with the reason: the check that needed it says so instead of guessing.
 */

/** One resource of a synthesized template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

/** A synthesized CloudFormation template (the parts the doctor reads). */
export interface Template {
  readonly Resources?: Readonly<Record<string, TemplateResource>>;
}

/** Where a stack is deployed: from its stack ID (`arn:<partition>:cloudformation:<region>:<account>:stack/...`). */
export interface StackLocation {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
}

/** A resolved value, or why it could not be resolved. */
export type Resolved = { readonly value: string } | { readonly unresolved: string };

/**
 * The name property of resource types whose `Ref` is their name (CloudFormation return values of each type,
 * e.g. https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-events-rule.html#aws-resource-events-rule-return-values
 * "the name of the rule" on the default bus). Used only when the deployed stack lists no physical ID for the
 * resource (an emulator that skips the type), so a named resource can still be found by its name.
 */
const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::Events::Rule': 'Name',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::CloudTrail::Trail': 'TrailName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
};

export class TemplateResolver {
  constructor(
    private readonly template: Template,
    private readonly location: StackLocation,
    /** Logical ID -> physical ID, as ListStackResources reports them. */
    private readonly physicalIds: ReadonlyMap<string, string>,
  ) {}

  /** Resolves `node` to a string, or says what could not be resolved. */
  resolve(node: unknown): Resolved {
    try {
      return { value: this.walk(node) };
    } catch (e) {
      if (e instanceof Unresolvable) return { unresolved: e.message };
      throw e;
    }
  }

  /** The physical name or ID `Ref` gives for a resource of the template. */
  ref(logicalId: string): Resolved {
    return this.resolve({ Ref: logicalId });
  }

  private walk(node: unknown): string {
    if (typeof node === 'string') return node;
    if (typeof node === 'number' || typeof node === 'boolean') return String(node);
    if (node === null || typeof node !== 'object' || Array.isArray(node)) throw new Unresolvable(`${JSON.stringify(node)} is not a string`);
    const entries = Object.entries(node);
    if (entries.length !== 1) throw new Unresolvable(`${JSON.stringify(node)} is not an intrinsic function`);
    const [fn, arg] = entries[0];
    switch (fn) {
      case 'Ref':
        return this.refValue(String(arg));
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        if (typeof sep !== 'string' || !Array.isArray(parts)) throw new Unresolvable(`malformed Fn::Join ${JSON.stringify(arg)}`);
        return parts.map((p) => this.walk(p)).join(sep);
      }
      default:
        throw new Unresolvable(`${fn} is not resolved by the doctor`);
    }
  }

  private refValue(name: string): string {
    switch (name) {
      case 'AWS::AccountId':
        return this.location.account;
      case 'AWS::Region':
        return this.location.region;
      case 'AWS::Partition':
        return this.location.partition;
      case 'AWS::URLSuffix':
        return this.location.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
      default:
        break;
    }
    const physical = this.physicalIds.get(name);
    if (physical) return physical;
    const resource = this.template.Resources?.[name];
    if (!resource) throw new Unresolvable(`Ref ${name}: no such resource in the template`);
    if (resource.Type === 'AWS::SNS::Topic') return this.topicArn(name, resource);
    const property = NAME_PROPERTY[resource.Type];
    const literal = property ? resource.Properties?.[property] : undefined;
    if (property && literal !== undefined) return this.walk(literal);
    throw new Unresolvable(`${name} (${resource.Type}) is not in the deployed stack and has no fixed name`);
  }

  /** `Ref` of an SNS topic is its ARN (CloudFormation AWS::SNS::Topic return values). */
  private topicArn(logicalId: string, resource: TemplateResource): string {
    const name = resource.Properties?.TopicName;
    if (name === undefined) throw new Unresolvable(`topic ${logicalId} is not in the deployed stack and has no fixed TopicName`);
    const { account, region, partition } = this.location;
    return `arn:${partition}:sns:${region}:${account}:${this.walk(name)}`;
  }
}

class Unresolvable extends Error {}

/** Parses a CloudFormation stack ID (an ARN) into where the stack lives. */
export function stackLocation(stackId: string): StackLocation | undefined {
  const m = /^arn:(aws[a-z-]*):cloudformation:([a-z0-9-]+):(\d{12}):stack\//.exec(stackId);
  return m ? { partition: m[1], region: m[2], account: m[3] } : undefined;
}
