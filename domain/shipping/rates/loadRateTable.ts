import fs from 'node:fs';
import { DEFAULT_RATE_TABLE } from './defaultRates';
import { type RateTable, rateTableSchema } from './rateTable';

/** Every problem of a rate table file, each naming the file and the field, so one edit fixes them all. */
export class RateTableError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`rate table ${file} is invalid: ${problems.join('; ')}`);
  }
}

const fieldName = (path: PropertyKey[]): string => path.map(String).join('.') || '(table)';

/** Reads and validates a rate table JSON file; throws RateTableError listing each bad field. */
export function loadRateTableFile(file: string): RateTable {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new RateTableError(file, [`cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RateTableError(file, [`is not valid JSON (${(err as Error).message})`]);
  }
  const parsed = rateTableSchema.safeParse(json);
  if (!parsed.success) {
    // A misspelt key is named itself (carriers.hermes), not only the object that holds it.
    throw new RateTableError(
      file,
      parsed.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys.map((k) => `${fieldName([...i.path, k])}: is not a field of the rate table`) : [`${fieldName(i.path)}: ${i.message}`])),
    );
  }
  return parsed.data;
}

let defaultTable: RateTable | undefined;
const fromFiles = new Map<string, RateTable>();

/**
 * The table in force: the file SHIPPING_RATES_FILE names, else the built-in one. Read once per process and
 * path (config already refused a bad file at start), so the API's quote and the worker's price agree.
 */
export function rateTableFor(config: { SHIPPING_RATES_FILE?: string }): RateTable {
  const file = config.SHIPPING_RATES_FILE;
  if (!file) return (defaultTable ??= rateTableSchema.parse(DEFAULT_RATE_TABLE));
  let table = fromFiles.get(file);
  if (!table) {
    table = loadRateTableFile(file);
    fromFiles.set(file, table);
  }
  return table;
}
