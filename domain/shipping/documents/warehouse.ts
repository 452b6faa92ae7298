import type { Address } from '../carriers/carrier';

/** Where every outbound parcel is sent from and every return goes back to. */
export const WAREHOUSE_PARTY: { name: string; address: Address } = {
  name: 'DY Official',
  address: { line1: 'Unit 4 Meridian Park', city: 'Leicester', postcode: 'LE19 1WZ', country: 'GB' },
};
