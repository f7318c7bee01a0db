/**
 * Fargate accepts only specific CPU/memory pairs; CloudFormation would accept any numbers and ECS would
 * fail the deployment half-way. The table is AWS's "Task CPU and memory" table for Linux tasks.
 */
function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

export const FARGATE_MEMORY_BY_CPU: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

/** Returns a message explaining what is wrong with the pair, or undefined when Fargate accepts it. */
export function fargateSizeProblem(cpu: number, memoryMiB: number): string | undefined {
  const valid = FARGATE_MEMORY_BY_CPU[cpu];
  if (!valid) {
    return `Fargate CPU ${cpu} is not valid; use one of ${Object.keys(FARGATE_MEMORY_BY_CPU).join(', ')}`;
  }
  if (!valid.includes(memoryMiB)) {
    return `Fargate memory ${memoryMiB} MiB is not valid with CPU ${cpu}; valid memory values (MiB) for CPU ${cpu}: ${valid.join(', ')}`;
  }
  return undefined;
}

/** Fargate platform 1.4+ ephemeral storage bounds (GiB). */
export const FARGATE_EPHEMERAL_STORAGE_GIB = { min: 21, max: 200 } as const;
