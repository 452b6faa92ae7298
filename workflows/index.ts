export { orderWorkflow } from './orders/orderWorkflow';
export { latePaymentRefundWorkflow } from './payments/latePaymentRefundWorkflow';
export { resendNotificationWorkflow } from './notifications/resendNotificationWorkflow';
export { evaluateAlertsWorkflow } from './alerts/evaluateAlertsWorkflow';
export { shipmentWorkflow } from './shipping/shipmentWorkflow';
export { returnWorkflow } from './returns/returnWorkflow';
export { accessLinkWorkflow } from './access/accessLinkWorkflow';
