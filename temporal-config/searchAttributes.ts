import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes admins filter orders by in the Temporal UI. Registered by the dev server and ensureNamespace. */
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const CustomerEmailKey = defineSearchAttributeKey('CustomerEmail', SearchAttributeType.KEYWORD);
export const OrderTotalPenceKey = defineSearchAttributeKey('OrderTotalPence', SearchAttributeType.INT);
export const AttentionReasonKey = defineSearchAttributeKey('AttentionReason', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = {
  OrderStatus: 'Keyword',
  CustomerEmail: 'Keyword',
  OrderTotalPence: 'Int',
  AttentionReason: 'Keyword',
} as const;
