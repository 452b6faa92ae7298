import { type Booking, type BookingRequest, type CarrierAdapter, CarrierRejectedError } from './carrier';

/**
 * FedEx and UPS track through their own APIs but buy and cancel labels through EasyPost: one place says so,
 * and says it clearly when no EasyPost account is configured for that carrier.
 */
export class BookThroughEasyPost {
  constructor(
    private readonly carrier: string,
    private readonly bookings?: Pick<CarrierAdapter, 'book' | 'cancel'>,
  ) {}

  async book(req: BookingRequest): Promise<Booking> {
    if (!this.bookings) throw this.notConfigured('bought');
    return this.bookings.book(req);
  }

  async cancel(trackingNumber: string): Promise<void> {
    if (!this.bookings?.cancel) throw this.notConfigured('cancelled');
    return this.bookings.cancel(trackingNumber);
  }

  private notConfigured(what: string): CarrierRejectedError {
    return new CarrierRejectedError(`${this.carrier} labels are ${what} through EasyPost, and no EasyPost account is configured for ${this.carrier}`, 'BOOKING_NOT_CONFIGURED');
  }
}
