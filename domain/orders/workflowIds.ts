/**
 * Bundle-safe names of the order workflow, shared by the workflow's contract (workflows/orders/definitions.ts
 * re-exports them) and code below the workflows, such as log context (lib/logging.ts).
 */
export const orderWorkflowId = (orderNumber: string): string => `order-${orderNumber}`;
export const ORDER_WORKFLOW_TYPE = 'orderWorkflow';
