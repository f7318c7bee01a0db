import { parseRateExpression } from '../../lib/inventory/schedule';

describe('parseRateExpression (EventBridge rate expressions, 5 minutes to 1 day)', () => {
  test.each([
    ['rate(5 minutes)', 5],
    ['rate(1 hour)', 60],
    ['rate(6 hours)', 360],
    ['rate(1 day)', 1440],
  ])('%s is every %i minutes', (expr, minutes) => {
    expect(parseRateExpression(expr)).toEqual({ minutes });
  });

  test.each([
    ['rate(1 hours)', /singular unit for 1/],
    ['rate(5 minute)', /plural one otherwise/],
    ['rate(0 minutes)', /positive value/],
    ['rate(2 days)', /from 5 minutes to 1 day/],
    ['rate(4 minutes)', /from 5 minutes to 1 day/],
    ['cron(0 * * * ? *)', /cron expression/],
    ['every hour', /not an EventBridge rate expression/],
    ['rate(1.5 hours)', /not an EventBridge rate expression/],
  ])('%s is refused', (expr, problem) => {
    const r = parseRateExpression(expr);
    expect('problem' in r && r.problem).toMatch(problem);
  });
});
