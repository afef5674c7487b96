/**
 * The simulated domain model: one stated rule per intent, applied to the
 * extracted entities. Pure, no I/O. Every reason starts with "Simulated rule: "
 * so nobody mistakes a simulated verdict for a real policy decision.
 */

export interface Verdict {
  isValid: boolean;
  reason: string;
  nextSteps: string[];
}

export const REFUND_LIMIT = 1000;
const MAX_SEAT_ROW = 60;
const SEAT = /^(\d{1,3})([A-Z])$/;

type Entities = Record<string, unknown>;
type Rule = (e: Entities) => Verdict;

const RULES: Readonly<Record<string, Rule>> = {
  modify_flight: modifyFlight,
  request_refund: requestRefund,
  change_address: changeAddress,
  cancel_booking: cancelBooking,
  baggage_issue: baggageIssue,
};

export function validateRequest(entities: Record<string, unknown>): Verdict {
  const action = text(entities.action);
  const rule = action === undefined ? undefined : RULES[action];
  if (rule) return rule(entities);
  return verdict(
    false,
    `the request's intent (${action ?? 'none'}) is not one this simulator handles (${Object.keys(RULES).join(', ')}).`,
    ['Ask the customer what they need'],
  );
}

function modifyFlight(e: Entities): Verdict {
  const date = text(e.date);
  const time = text(e.time);
  const flight = text(e.flightNumber);
  const seat = text(e.seat)?.toUpperCase();
  const booking = text(e.bookingReference);
  if (!date && !flight) {
    return verdict(false, 'a flight change needs a new date or flight number, and neither was given.', [
      'Ask the customer for the new travel date or flight number',
    ]);
  }
  if (seat && !seatInRange(seat)) {
    return verdict(false, `seat ${seat} is not a seat (rows 1-${MAX_SEAT_ROW}, letters A-K).`, [
      `Tell the customer seat ${seat} does not exist`,
      `Offer a seat in rows 1-${MAX_SEAT_ROW}, letters A-K`,
    ]);
  }
  const when = [date, time && `at ${time}`].filter(Boolean).join(' ');
  const steps = [
    flight ? `Look up flight ${flight}${when ? ` for ${when}` : ''}` : `Search flights for ${when}`,
    seat ? `Check seat ${seat} availability on the new flight` : undefined,
    booking ? `Update booking ${booking} and quote any fare difference` : 'Quote any fare difference to the customer',
    'Confirm the change with the customer',
  ];
  return verdict(
    true,
    `a flight change needs a new date or flight number and any seat in rows 1-${MAX_SEAT_ROW}, letters A-K; this one has ${
      flight ? `flight ${flight}` : `date ${date}`
    }${seat ? ` and seat ${seat}` : ''}.`,
    steps,
  );
}

function requestRefund(e: Entities): Verdict {
  const booking = text(e.bookingReference);
  const amount = number(e.amount);
  const money = amount === undefined ? undefined : formatMoney(amount, text(e.currency));
  const missing = [
    booking ? undefined : 'Ask the customer for their 6-character booking reference',
    amount === undefined || amount <= 0 ? 'Ask the customer how much they want refunded' : undefined,
  ];
  if (!booking || amount === undefined || amount <= 0) {
    return verdict(
      false,
      `a refund needs a booking reference and an amount of at most ${REFUND_LIMIT}; ${
        booking ? 'no amount was given' : 'no booking reference was given'
      }.`,
      missing,
    );
  }
  if (amount > REFUND_LIMIT) {
    return verdict(false, `refunds over ${REFUND_LIMIT} need a supervisor; ${money} was asked for.`, [
      `Request supervisor approval for the ${money} refund on booking ${booking}`,
      'Tell the customer the refund is pending approval',
    ]);
  }
  const email = text(e.email);
  return verdict(
    true,
    `a refund needs a booking reference and an amount of at most ${REFUND_LIMIT}; ${money} qualifies.`,
    [
      `Check booking ${booking} is eligible for a refund`,
      `Refund ${money} to the original payment method`,
      email ? `Email the refund confirmation to ${email}` : 'Send the customer the refund confirmation',
    ],
  );
}

function changeAddress(e: Entities): Verdict {
  const address = text(e.address);
  const email = text(e.email);
  const phone = text(e.phone);
  if (!address && !email && !phone) {
    return verdict(false, 'a contact change needs a new address, e-mail or phone number, and none was given.', [
      'Ask the customer for the new address, e-mail or phone number',
    ]);
  }
  const given = [address && 'address', email && 'e-mail', phone && 'phone number'].filter(Boolean).join(', ');
  return verdict(true, `a contact change needs a new address, e-mail or phone number; this one has the ${given}.`, [
    "Verify the customer's identity before changing contact details",
    address ? `Update the address to "${address}"` : undefined,
    email ? `Update the e-mail to ${email}` : undefined,
    phone ? `Update the phone number to ${phone}` : undefined,
    'Send a confirmation to the old and the new contact details',
  ]);
}

function cancelBooking(e: Entities): Verdict {
  const booking = text(e.bookingReference);
  const flight = text(e.flightNumber);
  if (!booking && !flight) {
    return verdict(false, 'a cancellation needs a booking reference or flight number, and neither was given.', [
      'Ask the customer for their booking reference or flight number',
    ]);
  }
  const target = booking ? `booking ${booking}` : `the booking on flight ${flight}`;
  const has = booking ? `booking ${booking}` : `flight ${flight}`;
  return verdict(true, `a cancellation needs a booking reference or flight number; this one has ${has}.`, [
    `Look up ${target}`,
    'Check the fare rules for cancellation fees and refund eligibility',
    `Cancel ${target} and send the confirmation`,
  ]);
}

function baggageIssue(e: Entities): Verdict {
  const booking = text(e.bookingReference);
  const flight = text(e.flightNumber);
  if (!booking && !flight) {
    return verdict(false, 'a baggage claim needs a flight number or booking reference, and neither was given.', [
      'Ask the customer for their flight number or booking reference',
    ]);
  }
  const trip = flight ? `flight ${flight}` : `booking ${booking}`;
  return verdict(true, `a baggage claim needs a flight number or booking reference; this one has ${trip}.`, [
    `Open a baggage report for ${trip}`,
    "Check the baggage tracing system for the customer's bag",
    'Give the customer the report reference',
  ]);
}

function verdict(isValid: boolean, rule: string, steps: ReadonlyArray<string | undefined>): Verdict {
  return { isValid, reason: `Simulated rule: ${rule}`, nextSteps: steps.filter((s): s is string => Boolean(s)) };
}

function seatInRange(seat: string): boolean {
  const m = SEAT.exec(seat);
  if (!m) return false;
  const row = Number(m[1]);
  return row >= 1 && row <= MAX_SEAT_ROW && (m[2] as string) <= 'K';
}

// A real model may hand over numbers as strings ("120.50"); accept both.
function number(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

function text(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

function formatMoney(amount: number, currency: string | undefined): string {
  const value = Number.isInteger(amount) ? String(amount) : amount.toFixed(2);
  return currency ? `${value} ${currency}` : value;
}
