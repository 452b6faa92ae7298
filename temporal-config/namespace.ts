import { Connection } from '@temporalio/client';
import Long from 'long';
import { temporal } from '@temporalio/proto';
import { msOf } from '../lib/config';
import { SEARCH_ATTRIBUTES } from './searchAttributes';

const INDEXED_TYPE: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
};

/**
 * Makes the namespace ready for orders: our search attributes registered (the UI filters on them) and a
 * retention long enough that finished orders stay visible for weeks. Safe to run on every start.
 */
export async function ensureNamespace(connection: Connection, namespace: string, retention: string): Promise<void> {
  const seconds = Math.round(msOf(retention) / 1000);
  const described = await connection.workflowService.describeNamespace({ namespace });
  const current = Number(described.config?.workflowExecutionRetentionTtl?.seconds ?? 0);
  if (current < seconds) {
    await connection.workflowService.updateNamespace({
      namespace,
      config: { workflowExecutionRetentionTtl: { seconds: Long.fromNumber(seconds) } },
    });
  }
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !(name in (existing.customAttributes ?? {})));
  if (missing.length > 0) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, INDEXED_TYPE[type]])),
    });
  }
}
