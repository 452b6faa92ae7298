/** The parts of the alert rules that decide without the database: rates, durations, dependencies down. */
import type { DependencyHealth } from '../../domain/health/health';
import { RULES, rateFinding, type RuleContext, type RuleSettings, shortDuration } from '../../activities/alerts/rules';

const settings: RuleSettings = { windowMs: 900_000, failureRate: 0.2, minEvents: 10, stuckAfterMs: {} };
const rate = (failed: number, total: number, s: RuleSettings = settings) =>
  rateFinding(s, { key: 'payment_failure_rate', rule: 'payment_failure_rate', severity: 'critical', what: 'Payment failures', failed, total, of: 'payments' });

describe('shortDuration', () => {
  test.each([
    [2_700_000, '45m'],
    [86_400_000, '1d'],
    [604_800_000, '7d'],
    [3_600_000, '1h'],
    [90_000_000, '25h'],
    [1_000, '1s'],
    [1_500, '2s'],
    [250, '250ms'],
  ])('%i ms is %s', (ms, text) => {
    expect(shortDuration(ms)).toBe(text);
  });
});

describe('rate alerts', () => {
  test('fire at the threshold with enough events, saying the rate, the counts and the window', () => {
    expect(rate(2, 10)).toEqual([
      {
        key: 'payment_failure_rate',
        rule: 'payment_failure_rate',
        severity: 'critical',
        summary: 'Payment failures at 20% (2 of 10 payments) in the last 15m',
        details: { failed: 2, total: 10, rate: 0.2, threshold: 0.2, minEvents: 10, windowMs: 900_000 },
      },
    ]);
  });

  test('stay quiet below the threshold, or with too few events to mean anything', () => {
    expect(rate(1, 10)).toEqual([]);
    expect(rate(5, 9)).toEqual([]);
  });

  test('a threshold of 0 does not fire on a clean window', () => {
    expect(rate(0, 100, { ...settings, failureRate: 0 })).toEqual([]);
    expect(rate(1, 100, { ...settings, failureRate: 0 })).toHaveLength(1);
  });

  test('the rate is rounded for people, kept to four places in the details', () => {
    const [finding] = rate(1, 3, { ...settings, minEvents: 3 });
    expect(finding.summary).toBe('Payment failures at 33.3% (1 of 3 payments) in the last 15m');
    expect(finding.details.rate).toBe(0.3333);
  });
});

describe('dependency_down', () => {
  const run = (dependencies: Record<string, DependencyHealth>) => RULES.dependency_down({ settings, health: async () => ({ dependencies }) } as unknown as RuleContext);

  test('one alert per dependency down, critical except Redis; the error stays out of the summary', async () => {
    const findings = await run({
      database: { status: 'down', latencyMs: 2000, error: 'connect ECONNREFUSED 127.0.0.1:5432' },
      temporal: { status: 'up', latencyMs: 3 },
      workers: { status: 'down', latencyMs: 5 },
      redis: { status: 'down', latencyMs: 1, error: 'timeout' },
    });
    expect(findings.map((f) => [f.key, f.severity, f.summary])).toEqual([
      ['dependency:database', 'critical', 'PostgreSQL is down'],
      ['dependency:workers', 'critical', 'Order workers is down'],
      ['dependency:redis', 'warning', 'Redis is down'],
    ]);
    expect(findings[0].details).toEqual({ dependency: 'database', error: 'connect ECONNREFUSED 127.0.0.1:5432', latencyMs: 2000 });
    expect(findings[1].details.error).toBeNull();
  });

  test('all up, or a check the rule does not know, raises nothing', async () => {
    expect(await run({ database: { status: 'up', latencyMs: 1 }, redis: { status: 'up', latencyMs: 1 } })).toEqual([]);
    expect(await run({ mail: { status: 'down', latencyMs: 1 } })).toEqual([]);
  });
});
