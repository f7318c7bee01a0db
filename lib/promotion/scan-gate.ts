/**
 * The vulnerability gate of a promotion, as pure functions over DescribeImageScanFindings pages.
 *
 * DescribeImageScanFindings serves basic and enhanced scanning alike
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImageScanFindings.html); ECR's
 * current basic scanning no longer reports results through DescribeImages' imageScanStatus /
 * imageScanFindingsSummary (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html).
 * A page carries `imageScanFindings.findingSeverityCounts` (the totals, basic scanning), `findings` (basic)
 * and `enhancedFindings[].severity` (Amazon Inspector); the last two are paginated with `nextToken`
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageScanFindings.html).
 */
import type { DescribeImageScanFindingsCommandOutput } from '@aws-sdk/client-ecr';
import { GateSeverity, SEVERITY_ORDER } from '../config/types';

export type ScanPage = Pick<DescribeImageScanFindingsCommandOutput, 'imageScanStatus' | 'imageScanFindings' | 'nextToken'>;

/** What the gate read from an image's scan. */
export interface ScanSummary {
  /** imageScanStatus.status of the first page (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageScanStatus.html). */
  readonly status: string;
  readonly description?: string;
  /** When the last scan completed, if ECR says. */
  readonly completedAt?: Date;
  /** Findings per severity (CRITICAL, HIGH, ..., plus UNDEFINED / UNTRIAGED when present). */
  readonly counts: Readonly<Record<string, number>>;
}

/**
 * Counts findings per severity over every page. Each source is counted on its own and the highest count per
 * severity wins, so a source that pages (findings lists) and one that does not (the totals map) can never
 * add up twice or under-count.
 */
export function summarizeScan(pages: readonly ScanPage[]): ScanSummary {
  const first = pages[0];
  const totals: Record<string, number> = {};
  const basic: Record<string, number> = {};
  const enhanced: Record<string, number> = {};
  for (const page of pages) {
    const f = page.imageScanFindings;
    for (const [severity, n] of Object.entries(f?.findingSeverityCounts ?? {})) totals[severity] = Math.max(totals[severity] ?? 0, n ?? 0);
    for (const finding of f?.findings ?? []) if (finding.severity) basic[finding.severity] = (basic[finding.severity] ?? 0) + 1;
    for (const finding of f?.enhancedFindings ?? []) if (finding.severity) enhanced[finding.severity] = (enhanced[finding.severity] ?? 0) + 1;
  }
  const counts: Record<string, number> = {};
  for (const severity of new Set([...Object.keys(totals), ...Object.keys(basic), ...Object.keys(enhanced)])) {
    const n = Math.max(totals[severity] ?? 0, basic[severity] ?? 0, enhanced[severity] ?? 0);
    if (n > 0) counts[severity] = n;
  }
  // Fail closed: a response without a status is no evidence of a finished scan.
  const status = first?.imageScanStatus?.status;
  return {
    status: status ?? 'UNKNOWN',
    description: status === undefined ? 'ECR returned no imageScanStatus' : first?.imageScanStatus?.description,
    completedAt: first?.imageScanFindings?.imageScanCompletedAt,
    counts,
  };
}

/** Severities at or above `threshold`, highest first: `HIGH` -> CRITICAL, HIGH. */
export function blockingSeverities(threshold: GateSeverity): GateSeverity[] {
  return SEVERITY_ORDER.slice(SEVERITY_ORDER.indexOf(threshold)).reverse();
}

/** `CRITICAL=2 HIGH=0 ...` for the ranked severities, then any others ECR reported. */
export function formatCounts(counts: Readonly<Record<string, number>>): string {
  const ranked = [...SEVERITY_ORDER].reverse() as string[];
  const others = Object.keys(counts).filter((s) => !ranked.includes(s)).sort();
  return [...ranked, ...others].map((s) => `${s}=${counts[s] ?? 0}`).join(' ');
}

/**
 * Why the scan does not allow promotion, or undefined when it does.
 *
 * A scan counts as finished when its status is COMPLETE. Enhanced scanning keeps images under continuous
 * monitoring and may report ACTIVE instead; ACTIVE is accepted only together with `imageScanCompletedAt`
 * (a scan has finished and its findings are current). Every other status (IN_PROGRESS, PENDING, FAILED,
 * UNSUPPORTED_IMAGE, SCAN_ELIGIBILITY_EXPIRED, FINDINGS_UNAVAILABLE, LIMIT_EXCEEDED, ...) is refused:
 * the image was not, or no longer is, checked.
 */
export function scanGateProblem(scan: ScanSummary, threshold: GateSeverity): string | undefined {
  const finished = scan.status === 'COMPLETE' || (scan.status === 'ACTIVE' && scan.completedAt !== undefined);
  if (!finished) {
    return `the image's scan is ${scan.status}${scan.description ? ` (${scan.description})` : ''}, not COMPLETE: an image without a completed scan is never promoted; wait for the scan (aws ecr wait image-scan-complete) or start one (aws ecr start-image-scan)`;
  }
  const blocking = blockingSeverities(threshold).filter((s) => (scan.counts[s] ?? 0) > 0);
  if (blocking.length > 0) {
    return `the image has findings at or above ${threshold}: ${blocking.map((s) => `${s}=${scan.counts[s]}`).join(' ')} (all: ${formatCounts(scan.counts)}); rebuild on a patched base image or upgrade the affected packages`;
  }
  return undefined;
}
