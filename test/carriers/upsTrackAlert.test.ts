import { upsTrackAlertSchema } from '../../domain/shipping/carriers/upsTrackAlert';

/** A Track Alert message shaped as UPS documents it: every field present, empty strings where UPS has nothing. */
function alert(overrides: Record<string, unknown> = {}, status: Record<string, string> = {}): Record<string, unknown> {
  return {
    trackingNumber: '1ZDY00016812345678',
    localActivityDate: '20250311',
    localActivityTime: '081500',
    gmtActivityDate: '20250311',
    gmtActivityTime: '081500',
    activityLocation: { city: 'LEICESTER', stateProvince: '', postalCode: '', country: 'GB' },
    activityStatus: { type: 'I', code: 'OT', description: 'Out For Delivery Today', descriptionCode: '021', ...status },
    scheduledDeliveryDate: '20250311',
    actualDeliveryDate: '',
    actualDeliveryTime: '',
    deliveryStartTime: '',
    deliveryEndTime: '',
    deliveryTimeDescription: 'end of day',
    deliveryPhoto: '',
    ...overrides,
  };
}

function issues(body: unknown): Array<{ field: string; message: string }> {
  const parsed = upsTrackAlertSchema.safeParse(body);
  expect(parsed.success).toBe(false);
  return parsed.success ? [] : parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
}

describe('UPS Track Alert push → our tracking vocabulary', () => {
  it('reads one event: status from the code over the type, GMT time, place, the promised day, the message as raw', () => {
    // UPS's own example carries a leading space in the tracking number.
    const body = alert({ trackingNumber: ' 1ZDY00016812345678' });
    expect(upsTrackAlertSchema.parse(body)).toEqual({
      trackingNumber: '1ZDY00016812345678',
      events: [{ status: 'OUT_FOR_DELIVERY', occurredAt: '2025-03-11T08:15:00.000Z', description: 'Out For Delivery Today', location: 'LEICESTER, GB', raw: body }],
      estimatedDelivery: '2025-03-11',
    });
  });

  it('a delivery has happened: DELIVERED, and the scheduled day is no longer a promise', () => {
    const push = upsTrackAlertSchema.parse(alert({ actualDeliveryDate: '20250311', actualDeliveryTime: '134512' }, { type: 'D', code: 'FS', description: 'Delivered' }));
    expect(push.events[0].status).toBe('DELIVERED');
    expect(push.estimatedDelivery).toBeUndefined();
  });

  it('maps types and exceptions as the polling adapter does', () => {
    const statusOf = (status: Record<string, string>) => upsTrackAlertSchema.parse(alert({}, status)).events[0].status;
    expect(statusOf({ type: 'M', code: 'MP', description: 'Shipper created a label' })).toBe('CONFIRMED');
    expect(statusOf({ type: 'I', code: 'OC', description: 'We have your package' })).toBe('CARRIER_PICKED_UP');
    expect(statusOf({ type: 'I', code: 'DP', description: 'Departed from Facility' })).toBe('IN_TRANSIT');
    expect(statusOf({ type: 'X', code: 'UR', description: "The receiver was not available for delivery. We'll make a second attempt the next business day." })).toBe('ATTEMPTED_DELIVERY');
    expect(statusOf({ type: 'X', code: 'UA', description: 'The address is incorrect.' })).toBe('FAILURE');
    expect(statusOf({ type: 'RS', code: 'RS', description: 'Returned to shipper' })).toBe('RETURNED_TO_SENDER');
    // An update of the delivery date moves nothing: the parcel is still under way.
    expect(statusOf({ type: 'U', code: 'SD', description: 'Updated delivery date' })).toBe('IN_TRANSIT');
  });

  it('falls back to the local time, read as UTC, when UPS leaves out the GMT pair', () => {
    const push = upsTrackAlertSchema.parse(alert({ gmtActivityDate: '', gmtActivityTime: '', localActivityDate: '20250312', localActivityTime: '094501' }));
    expect(push.events[0].occurredAt).toBe('2025-03-12T09:45:01.000Z');
  });

  it('describes an event by its code when UPS sends no words, and has no location without a place', () => {
    const push = upsTrackAlertSchema.parse(alert({ activityLocation: { city: '', stateProvince: '', postalCode: '', country: '' } }, { description: '' }));
    expect(push.events[0]).toMatchObject({ description: 'OT', location: undefined });
  });

  it('names each unreadable field', () => {
    expect(issues(alert({ trackingNumber: '  ' }))).toEqual([{ field: 'trackingNumber', message: 'is required' }]);
    expect(issues(alert({ trackingNumber: undefined })).map((i) => i.field)).toEqual(['trackingNumber']);
    expect(issues(alert({}, { type: '', code: '' }))).toEqual([{ field: 'activityStatus', message: 'needs a type or a code' }]);
    expect(issues(alert({ activityStatus: undefined })).map((i) => i.field)).toEqual(['activityStatus']);
    expect(issues(alert({ gmtActivityDate: 'yesterday', localActivityDate: '' })).map((i) => i.field)).toEqual(['gmtActivityDate']);
    expect(issues('not an object').map((i) => i.field)).toEqual(['']);
  });
});
