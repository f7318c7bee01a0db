import { AWS_REGIONS, partitionOf } from '../aws/regions';
import { CREATION_TEMPLATE_UNSUPPORTED_REGIONS } from '../aws/replication';
import { EnvConfig, RegistryConfig } from './types';

/**
 * Checks of where images live and where tasks pull them from: `registry.replicaRegion` (docs/registry.md,
 * "Replica") and each environment's `imageRegion` (docs/runbook-region-outage.md). They push one sentence per
 * problem (field, value, fix) onto `p`; validate.ts calls them and throws the ConfigError.
 */

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** `registry.replicaRegion`: a real region of the registry's partition, not the registry's own, where templates exist. */
export function validateReplicaRegion(c: RegistryConfig, p: string[]): void {
  const replica = c.replicaRegion as unknown;
  if (replica === undefined) return;
  const at = 'registry.replicaRegion';
  if (typeof replica !== 'string' || !AWS_REGIONS.includes(replica)) {
    p.push(`${at} ${show(replica)} is not an AWS region name; use one like us-west-2 (see AWS_REGIONS in lib/aws/regions.ts), or remove it for no replica`);
    return;
  }
  if (replica === c.region) {
    p.push(`${at} ${show(replica)} is the registry's own region (registry.region): a replica survives an outage of the registry's region only in another region; use e.g. ${c.region === 'us-west-2' ? 'us-east-2' : 'us-west-2'}, or remove replicaRegion`);
  } else if (AWS_REGIONS.includes(c.region) && partitionOf(replica) !== partitionOf(c.region)) {
    p.push(`${at} ${show(replica)} is in partition ${partitionOf(replica)}, but registry.region ${show(c.region)} is in ${partitionOf(c.region)}: ECR replicates within one partition only; choose a region of ${partitionOf(c.region)}`);
  } else if (CREATION_TEMPLATE_UNSUPPORTED_REGIONS.includes(replica)) {
    p.push(`${at} ${show(replica)} does not support repository creation templates (ECR user guide), which govern the replica: choose another region`);
  }
}

/**
 * `<env>.imageRegion`: the registry's region or its replica's, and (with VPC endpoints, which serve their own
 * region only) the task's own region.
 */
export function validateImageRegion(c: EnvConfig, registry: Pick<RegistryConfig, 'region' | 'replicaRegion'>, p: string[]): void {
  const at = `${c.envName}.imageRegion`;
  const set = c.imageRegion as unknown;
  if (set !== undefined) {
    if (typeof set !== 'string' || !AWS_REGIONS.includes(set)) {
      p.push(`${at} ${show(set)} is not an AWS region name; use registry.region ${show(registry.region)}${registry.replicaRegion ? ` or registry.replicaRegion ${show(registry.replicaRegion)}` : ''}, or remove it (default: registry.region)`);
      return;
    }
    if (set !== registry.region && set !== registry.replicaRegion) {
      p.push(registry.replicaRegion === undefined
        ? `${at} ${show(set)} is not the registry's region (registry.region ${show(registry.region)}) and registry.replicaRegion is not set: the image exists only in ${registry.region}; set imageRegion to ${show(registry.region)} (or first set registry.replicaRegion to ${show(set)} to pull from a replica there)`
        : `${at} ${show(set)} is neither the registry's region (registry.region ${show(registry.region)}) nor its replica's (registry.replicaRegion ${show(registry.replicaRegion)}): the image exists only there; set imageRegion to ${show(registry.region)} or ${show(registry.replicaRegion)}`);
      return;
    }
  }
  const imageRegion = (set as string | undefined) ?? registry.region;
  if (c.network !== undefined && imageRegion !== c.region) {
    const which = set === undefined ? `${at} (unset, so registry.region ${show(registry.region)})` : `${at} ${show(imageRegion)}`;
    const fix = c.region === registry.region || c.region === registry.replicaRegion
      ? `set ${at} to ${show(c.region)}`
      : `set registry.replicaRegion to ${show(c.region)} and ${at} to it`;
    p.push(`${which} differs from the task's region (${c.envName}.region ${show(c.region)}) while ${c.envName}.network adds VPC endpoints for private subnets without NAT: ` +
      `interface endpoints serve their own region only, so the task cannot reach ECR in ${imageRegion}; ${fix}, or run the task where it has NAT and remove ${c.envName}.network`);
  }
}
