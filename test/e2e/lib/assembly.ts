import * as fs from 'fs';
import * as path from 'path';

/** One CloudFormation resource of a synthesized template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
}

export interface Template {
  readonly Resources?: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, unknown>;
}

/** A stack of a synthesized cloud assembly, with its template. */
export interface AssemblyStack {
  /** Artifact id: what `cdk deploy <id>` selects. */
  readonly id: string;
  /** The CloudFormation stack name. */
  readonly stackName: string;
  /** Absolute path of the template file in the assembly. */
  readonly templateFile: string;
  readonly template: Template;
}

/** The stacks of one environment, told apart by what they hold, not by naming conventions. */
export interface EnvironmentAssembly {
  readonly dir: string;
  readonly registry: AssemblyStack;
  /** The registry's account-wide settings (scanning, signing), where registry.settings.manage is true. */
  readonly settings?: AssemblyStack;
  /** The replica of the repository in registry.replicaRegion (a repository AND its creation template), where configured. */
  readonly replica?: AssemblyStack;
  readonly service: AssemblyStack;
  readonly stacks: readonly AssemblyStack[];
}

interface ManifestArtifact {
  readonly type: string;
  readonly properties?: { readonly templateFile?: string; readonly stackName?: string };
}

/** Resources of a given CloudFormation type in a template, by logical id. */
export function resourcesOfType(template: Template, type: string): [string, TemplateResource][] {
  return Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === type);
}

/**
 * Reads the stacks of a cloud assembly synthesized for ONE environment (`cdk synth -c env=<env>`): exactly one
 * stack must hold the AWS::ECR::Repository and one the AWS::ECS::TaskDefinition.
 */
export function readEnvironmentAssembly(dir: string): EnvironmentAssembly {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { artifacts?: Record<string, ManifestArtifact> };
  const stacks: AssemblyStack[] = Object.entries(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([id, a]) => {
      if (!a.properties?.templateFile) throw new Error(`stack ${id} in ${dir}/manifest.json has no templateFile`);
      const templateFile = path.join(dir, a.properties.templateFile);
      const template = JSON.parse(fs.readFileSync(templateFile, 'utf8')) as Template;
      return { id, stackName: a.properties?.stackName ?? id, templateFile, template };
    });
  const replicas = stacks.filter((s) => resourcesOfType(s.template, 'AWS::ECR::RepositoryCreationTemplate').length > 0);
  if (replicas.length > 1) throw new Error(`more than one replica stack in ${dir}: ${replicas.map((s) => s.stackName).join(', ')}`);
  const holding = (type: string) => {
    const found = stacks.filter((s) => !replicas.includes(s) && resourcesOfType(s.template, type).length > 0);
    if (found.length !== 1) {
      throw new Error(`expected exactly one stack with a ${type} in ${dir}, found ${found.length}: ${found.map((s) => s.stackName).join(', ') || 'none'} (stacks: ${stacks.map((s) => s.stackName).join(', ')})`);
    }
    return found[0];
  };
  const registry = holding('AWS::ECR::Repository');
  const service = holding('AWS::ECS::TaskDefinition');
  const settings = stacks.filter((s) => resourcesOfType(s.template, 'AWS::ECR::RegistryScanningConfiguration').length > 0);
  if (settings.length > 1) throw new Error(`more than one registry settings stack in ${dir}: ${settings.map((s) => s.stackName).join(', ')}`);
  return { dir, registry, ...(settings[0] ? { settings: settings[0] } : {}), ...(replicas[0] ? { replica: replicas[0] } : {}), service, stacks };
}


/**
 * Rewrites the template files of an assembly in place (the e2e's private copy, never the app) and returns
 * the re-read assembly and how many changes `edit` reported.
 */
export function rewriteAssembly(asm: EnvironmentAssembly, edit: (template: Template) => number): { readonly assembly: EnvironmentAssembly; readonly count: number } {
  let count = 0;
  for (const stack of asm.stacks) {
    const template = JSON.parse(fs.readFileSync(stack.templateFile, 'utf8')) as Template;
    const n = edit(template);
    if (n > 0) fs.writeFileSync(stack.templateFile, JSON.stringify(template, undefined, 1));
    count += n;
  }
  return { assembly: readEnvironmentAssembly(asm.dir), count };
}
