import { z } from 'zod';
import { PICKABLE_STATUSES } from '../../domain/shipping/documents';
import { orderIdSchema } from '../schemas';

export const pickingListBatchQuerySchema = z
  .object({
    status: z.enum(PICKABLE_STATUSES, { error: `must be one of ${PICKABLE_STATUSES.join(', ')}` }).optional(),
  })
  .strict();

export const parcelNumberSchema = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000');

export const labelParamsSchema = z.object({ orderId: orderIdSchema, shipmentNo: parcelNumberSchema });
export const returnLabelParamsSchema = z.object({ orderId: orderIdSchema, returnNo: parcelNumberSchema });
