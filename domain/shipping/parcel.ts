/** One parcel as packed and shipped: which order lines, how heavy. Shared by planning, documents and the shipment workflow. */
export interface ParcelLine {
  lineNo: number;
  sku: string;
  quantity: number;
}

export interface Parcel {
  lines: ParcelLine[];
  weightGrams: number;
}
