import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

/** Props for {@link RegistryDashboard}. */
export interface RegistryDashboardProps {
  readonly dashboardName: string;
  /** Heading of the dashboard's text widget. */
  readonly title: string;
  readonly repositoryName: string;
  /** Name of the SNS topic alarms notify (shown in the heading). */
  readonly topicName: string;
  /** `AWS/ECR` RepositoryPullCount of the repository. */
  readonly pullCount: cloudwatch.IMetric;
  /**
   * Width of the anomaly-detection band drawn around the pulls.
   * @default - no band
   */
  readonly pullAnomalyBandWidth?: number | false;
  /**
   * Image pushes, deletions (and lifecycle expiration events, where CloudTrail is available) of this repository:
   * MatchedEvents of rules on ECR's own events, since ECR publishes no per-repository push metric.
   */
  readonly imageActions: readonly cloudwatch.IMetric[];
  /** `AWS/Usage` ImagesPerRepositoryCount of the repository. */
  readonly imageCount: cloudwatch.IMetric;
  readonly imagesQuota: number;
  /**
   * Image count at which the alarm fires.
   * @default - no alarm line
   */
  readonly imageCountThreshold?: number;
  /** API usage as a percentage of the service quota, one series per API. */
  readonly apiUsage: readonly cloudwatch.IMetric[];
  /**
   * Percentage at which the API usage alarms fire.
   * @default - no alarm line
   */
  readonly apiUsageThreshold?: number;
  /** MatchedEvents of each alerting rule (findings, scan failures, CloudTrail alerts). */
  readonly ruleMatches: readonly cloudwatch.IMetric[];
  /** Alarms for the status widget. */
  readonly alarms: readonly cloudwatch.IAlarm[];
}

/** One CloudWatch dashboard per environment: pulls, pushes, quotas, findings and every alarm's state. */
export class RegistryDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: RegistryDashboardProps) {
    super(scope, id);
    const half = { width: 12, height: 6 };
    const pulls: cloudwatch.IMetric[] = [props.pullCount];
    if (typeof props.pullAnomalyBandWidth === 'number') {
      pulls.push(new cloudwatch.MathExpression({
        expression: `ANOMALY_DETECTION_BAND(pulls, ${props.pullAnomalyBandWidth})`,
        usingMetrics: { pulls: props.pullCount },
        label: 'Expected band',
      }));
    }
    const imageAnnotations: cloudwatch.HorizontalAnnotation[] = [
      { value: props.imagesQuota, label: 'Quota', color: cloudwatch.Color.RED },
    ];
    if (props.imageCountThreshold !== undefined) {
      imageAnnotations.push({ value: props.imageCountThreshold, label: 'Alarm', color: cloudwatch.Color.ORANGE });
    }
    const apiAnnotations: cloudwatch.HorizontalAnnotation[] = [{ value: 100, label: 'Quota', color: cloudwatch.Color.RED }];
    if (props.apiUsageThreshold !== undefined) {
      apiAnnotations.push({ value: props.apiUsageThreshold, label: 'Alarm', color: cloudwatch.Color.ORANGE });
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      dashboardName: props.dashboardName,
      widgets: [
        [new cloudwatch.TextWidget({
          width: 24,
          height: 2,
          markdown:
            `# ${props.title}\n` +
            `Repository \`${props.repositoryName}\`. Alarms notify SNS topic \`${props.topicName}\`. ` +
            'Pushes and deletions are counted from this repository\'s ECR Image Action events (EventBridge rule matches).',
        })],
        [
          new cloudwatch.GraphWidget({ ...half, title: 'Pulls (5-minute sums)', left: pulls, leftYAxis: { min: 0 } }),
          new cloudwatch.GraphWidget({
            ...half,
            title: 'Pushes and deletions (events per 5 minutes)',
            left: [...props.imageActions],
            leftYAxis: { min: 0 },
            view: cloudwatch.GraphWidgetView.BAR,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            ...half,
            title: `Images vs quota (${props.imagesQuota})`,
            left: [props.imageCount],
            leftAnnotations: imageAnnotations,
            leftYAxis: { min: 0 },
          }),
          new cloudwatch.GraphWidget({
            ...half,
            title: 'ECR API usage, % of quota (account-wide)',
            left: [...props.apiUsage],
            leftAnnotations: apiAnnotations,
            leftYAxis: { min: 0 },
          }),
        ],
        [
          props.ruleMatches.length > 0
            ? new cloudwatch.GraphWidget({
              ...half,
              title: 'Findings, scan failures and security events (matches per 5 minutes)',
              left: [...props.ruleMatches],
              view: cloudwatch.GraphWidgetView.BAR,
            })
            : new cloudwatch.TextWidget({ ...half, markdown: '### Findings\nAll event-driven alarms are disabled in this environment.' }),
          new cloudwatch.AlarmStatusWidget({
            ...half,
            title: 'Alarms',
            alarms: [...props.alarms],
            sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
          }),
        ],
      ],
    });
    // CloudFormation accepts Tags on AWS::CloudWatch::Dashboard (CDK 2.276 renders the stack's tags onto it),
    // but cfn-lint 1.51's bundled schema predates that and reports E3002; silence that one check here only.
    (this.dashboard.node.defaultChild as cloudwatch.CfnDashboard).cfnOptions.metadata = {
      'cfn-lint': { config: { ignore_checks: ['E3002'] } },
    };
  }
}
