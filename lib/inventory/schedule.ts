/**
 * EventBridge rate expressions, `rate(value unit)`: value a positive whole number, unit minute|minutes|
 * hour|hours|day|days, singular exactly when the value is 1
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html).
 *
 * The inventory accepts rate expressions only, no cron: its "stopped publishing" alarm needs a fixed
 * interval. The interval must be 5 minutes to 1 day: one run must be able to finish before the next
 * (the function's timeout is 5 minutes), and at most 1 day keeps three missed runs within the 7 days an
 * alarm may look back (PutMetricAlarm: Period x EvaluationPeriods <= 7 days, <= 1 day below 1-hour periods).
 */
export const MIN_SCHEDULE_MINUTES = 5;
export const MAX_SCHEDULE_MINUTES = 24 * 60;

const UNITS: Record<string, number> = { minute: 1, minutes: 1, hour: 60, hours: 60, day: 1440, days: 1440 };

/** Minutes between runs, or a sentence saying what is wrong with the expression. */
export function parseRateExpression(expression: string): { minutes: number } | { problem: string } {
  if (typeof expression !== 'string') return { problem: 'is not a string' };
  if (/^cron\(/.test(expression.trim())) {
    return { problem: 'is a cron expression; use a rate expression such as rate(1 hour): the stopped-publishing alarm needs a fixed interval' };
  }
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!m) return { problem: 'is not an EventBridge rate expression: use rate(N minutes|hours|days), e.g. rate(1 hour)' };
  const value = Number(m[1]);
  const unit = m[2];
  if (value < 1) return { problem: 'must have a positive value' };
  if ((value === 1) !== !unit.endsWith('s')) {
    return { problem: `uses "${unit}" with ${value}; EventBridge requires a singular unit for 1 and a plural one otherwise (rate(1 hour), rate(2 hours))` };
  }
  const minutes = value * UNITS[unit];
  if (minutes < MIN_SCHEDULE_MINUTES || minutes > MAX_SCHEDULE_MINUTES) {
    return { problem: `runs every ${minutes} minutes; use an interval from ${MIN_SCHEDULE_MINUTES} minutes to 1 day` };
  }
  return { minutes };
}
