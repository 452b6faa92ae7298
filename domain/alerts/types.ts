/**
 * The alerting contract shared by the evaluation workflow (type-only: it stays bundle-safe), its activities
 * and the admin API.
 */

export const ALERT_RULES = ['stuck_orders', 'payment_failure_rate', 'carrier_exception_rate', 'notification_failure_rate', 'webhook_failures', 'dependency_down'] as const;
export type AlertRuleName = (typeof ALERT_RULES)[number];

export const ALERT_SEVERITIES = ['critical', 'warning'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export type AlertPhase = 'fired' | 'resolved';

/** What a rule reports. The key is the alert's identity: the same condition must give the same key every time. */
export interface AlertFinding {
  key: string;
  rule: AlertRuleName;
  severity: AlertSeverity;
  summary: string;
  details: Record<string, unknown>;
}

/**
 * Overrides of the configured thresholds for one evaluation (the schedule passes none). Rules left out are
 * not evaluated, and their alerts are left exactly as they are: an alert is only resolved by its own rule.
 */
export interface AlertEvaluationInput {
  rules?: AlertRuleName[];
  /** A duration such as "15 minutes"; ALERT_WINDOW by default. */
  window?: string;
  /** 0..1; ALERT_FAILURE_RATE by default. */
  failureRate?: number;
  /** ALERT_MIN_EVENTS by default. */
  minEvents?: number;
}

/** One announcement owed: the workflow runs one activity per delivery. */
export interface AlertDelivery {
  alertId: number;
  key: string;
  phase: AlertPhase;
  /** The alert's episode when planned: a delivery for an episode that has since ended is dropped. */
  episode: number;
  /**
   * Who may send it: derived by the workflow from its run and the alert, identical on every retry of the
   * activity, so a retry continues its own claim and no other evaluation can take it over.
   */
  owner: string;
}

export type PlannedDelivery = Omit<AlertDelivery, 'owner'>;

export interface AlertEvaluation {
  evaluatedRules: AlertRuleName[];
  /** A failing rule resolves nothing: its alerts stay as they were until it can be evaluated again. */
  failedRules: Array<{ rule: AlertRuleName; error: string }>;
  /** Every key reported in this evaluation. */
  firing: string[];
  /** Keys that started firing (first seen, or back after being resolved) in this evaluation. */
  newlyFiring: string[];
  resolved: string[];
  deliveries: PlannedDelivery[];
  /** Announced without the alerts table, because the database itself is what is down. */
  unrecorded: Array<{ key: string; phase: AlertPhase; announced: boolean }>;
}

export type ChannelOutcome = { status: 'sent'; at: string; providerId?: string } | { status: 'rejected' | 'skipped'; at: string; reason: string };

export interface AlertDeliveryResult {
  key: string;
  phase: AlertPhase;
  /** `claimed_elsewhere`: another evaluation owns this announcement; `stale`: the episode or status moved on. */
  status: 'sent' | 'claimed_elsewhere' | 'stale' | 'failed';
  channels?: Record<string, ChannelOutcome>;
  error?: string;
}

export interface AlertEvaluationResult extends Omit<AlertEvaluation, 'deliveries'> {
  deliveries: AlertDeliveryResult[];
  /** Deliveries left for the next evaluation because this one ran out of time. */
  deferred: number;
}
