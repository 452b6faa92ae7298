/**
 * A PostgreSQL `date` as 'YYYY-MM-DD'. pg hands one back as local midnight, so the local getters give the
 * stored day back whatever the process's time zone; a string (a ::text select) passes through.
 */
export function civilDate(value: Date | string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value.slice(0, 10);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
}
