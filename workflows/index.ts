export { orderWorkflow } from './orders/orderWorkflow';
export { latePaymentRefundWorkflow } from './payments/latePaymentRefundWorkflow';
