/**
 * Delivery promises count working days from the day the parcel leaves the warehouse. Pure functions over
 * `now` and civil dates ('YYYY-MM-DD'): the same inputs give the same date on any machine, in any zone.
 */

export interface DispatchRules {
  /** 'HH:MM' local time: from then on, today's parcels have gone and an order leaves the next working day. */
  cutoff: string;
  timeZone: string;
  bankHolidays: readonly string[];
}

const DAY_MS = 86_400_000;

const toUtcMs = (date: string): number => Date.parse(`${date}T00:00:00Z`);
const fromUtcMs = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The wall-clock date and minute of the day at `now` in `timeZone` (summer time included). */
export function localDateTime(now: Date, timeZone: string): { date: string; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return { date: `${part('year')}-${part('month')}-${part('day')}`, minutes: Number(part('hour')) * 60 + Number(part('minute')) };
}

export function isWorkingDay(date: string, bankHolidays: readonly string[]): boolean {
  const weekday = new Date(toUtcMs(date)).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !bankHolidays.includes(date);
}

export function addWorkingDays(date: string, days: number, bankHolidays: readonly string[]): string {
  let ms = toUtcMs(date);
  for (let left = days; left > 0; ) {
    ms += DAY_MS;
    if (isWorkingDay(fromUtcMs(ms), bankHolidays)) left--;
  }
  return fromUtcMs(ms);
}

/** The day the order leaves: today if it is a working day and before the cut-off, else the next working day. */
export function dispatchDate(now: Date, rules: DispatchRules): string {
  const { date, minutes } = localDateTime(now, rules.timeZone);
  const [h, m] = rules.cutoff.split(':').map(Number);
  if (isWorkingDay(date, rules.bankHolidays) && minutes < h * 60 + m) return date;
  return addWorkingDays(date, 1, rules.bankHolidays);
}

/** The date the store promises: `workingDays` after dispatch. */
export function promisedDate(now: Date, workingDays: number, rules: DispatchRules): string {
  return addWorkingDays(dispatchDate(now, rules), workingDays, rules.bankHolidays);
}
