export { labelInputSchema, labelPdf, SHIPMENT_KINDS, type LabelInput, type ShipmentKind } from './labelPdf';
export { PICKING_CSV_COLUMNS, pickingListCsv, pickingListPdf, pickingOrderSchema, plannedParcelSchema, type PickingListOptions, type PickingOrder, type PlannedParcel } from './pickingList';
export {
  loadLabel,
  loadPickingOrder,
  loadPickingOrders,
  PICKABLE_STATUSES,
  PICKING_LIST_PLANNED_EVENT,
  pickingListPlannedDataSchema,
  UNPICKABLE_STATUSES,
  type LabelLookup,
  type PickableStatus,
  type PickingListPlannedData,
} from './loadDocuments';
export { WAREHOUSE_PARTY } from './warehouse';
