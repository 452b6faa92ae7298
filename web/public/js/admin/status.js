// Staff read statuses in the team's words: the customer's "We are looking into it" is "Needs attention" here.
import { statusText } from '../lib/api.js';

const STAFF_TEXT = { NEEDS_ATTENTION: 'Needs attention', PENDING: 'Being placed (no answer yet)' };
export const staffStatusText = (status) => STAFF_TEXT[status] || statusText(status);
