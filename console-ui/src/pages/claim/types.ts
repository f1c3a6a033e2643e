// The claim detail as GET /console/api/claims/{no} sends it (chalicelib/console/service.py
// ConsoleService._detail). Amounts are decimal strings; times are ISO strings.

export interface TimelineEntry {
  status: string;
  status_text: string;
  at: string;
  amount: string | null;
  /** who decided (their name), for decisions */
  by: string | null;
  reason: string | null;
}

/** An approval above the adjuster's authority, waiting for a supervisor's sign-off. */
export interface PendingSignOff {
  amount: string | null;
  /** staff id of who asked */
  by: string | null;
  by_name: string | null;
  reason: string | null;
  at: string | null;
}

export interface ClaimInfo {
  claim_no: string;
  status: string;
  status_text: string;
  /** what a decision sends back (409 when the claim moved meanwhile) */
  version: number;
  accident_date: string;
  timeline: TimelineEntry[];
  pending_signoff: PendingSignOff | null;
  /** the Insurance Law's clocks that have started (chalicelib/service/claim_clocks.py) */
  clocks?: ClaimClock[];
}

/** One claim clock: decide (Art. 23), pay (Art. 23) or refusal notice (Art. 24). */
export interface ClaimClock {
  kind: string;
  /** running | warning | overdue | paused | met */
  state: string;
  started_at: string;
  due_at: string;
  warn_at: string;
  met_at: string | null;
  /** until the due time (negative: overdue); null once met */
  seconds_left: number | null;
  /** met after the due time, or overdue */
  late: boolean;
  /** seconds not counted: the customer sending what was asked again */
  paused_s: number;
  /** the Insurance Law's article */
  article: string;
}

export interface Coverage {
  name: string;
  limit_text: string;
}

export interface PolicyInfo {
  policy_no: string;
  product: string;
  plate_masked: string;
  vin_masked: string;
  holder: string;
  start: string;
  end: string;
  coverages: Coverage[];
}

export interface AccidentPlace {
  lat?: number | null;
  lon?: number | null;
  label?: string | null;
  text?: string | null;
}

export interface AccidentInfo {
  at: string | null;
  place: AccidentPlace | null;
  description: string | null;
}

export interface PhotoMetrics {
  width?: number;
  height?: number;
  sharpness?: number;
  brightness?: number;
  size?: number;
  [more: string]: unknown;
}

export interface PhotoExif {
  captured_at?: string;
  km_from_place?: number;
  device?: string;
  width?: number;
  height?: number;
  [more: string]: unknown;
}

export interface VinReading {
  read: string | null;
  score: number | null;
  /** null: the policy has no VIN to compare with */
  matches_policy: boolean | null;
}

/** Pre-signed links (a few minutes): the page refreshes them in place. */
export interface PhotoLinks {
  thumb_url: string | null;
  full_url: string | null;
}

/** A photo placed in one of the five slots. */
export interface SlotPhoto extends PhotoLinks {
  slot: number;
  label: string;
  seq: string;
  received_at: string | null;
  qc: { reasons: string[]; metrics: PhotoMetrics };
  exif: PhotoExif;
  vin: VinReading | null;
  flags: string[];
}

/** A photo not used in a slot (duplicate, surplus, rejected by the checks). */
export interface OtherPhoto extends PhotoLinks {
  seq: string;
  /** the slot it was meant for, if any */
  slot: number | null;
  reasons: string[];
  received_at: string | null;
}

export interface Authority {
  /** the member's own approval limit (decimal string; "Infinity" when unlimited) */
  own_limit: string;
  /** the policy has own-damage cover */
  covered: boolean;
  /** its limit, null when none or unlimited */
  cover: string | null;
  may_sign_off: boolean;
}

export interface ConversationMessage {
  at: string | null;
  /** "in" (the customer) or "out" (the bot) */
  direction: string;
  type: string;
  content: string;
}

export interface ClaimDetail {
  claim: ClaimInfo;
  policy: PolicyInfo | null;
  accident: AccidentInfo | null;
  photos: SlotPhoto[];
  others: OtherPhoto[];
  flags: string[];
  authority: Authority;
  contact_sheet_url: string | null;
  conversation: ConversationMessage[];
  /** the decisions the member may take now (review.Action values); empty when none */
  actions: string[];
}

/** A row of GET /console/api/claims (the queue). */
export interface QueueRow {
  claim_no: string;
  status: string;
  status_text: string;
  waiting_since: string;
  age_minutes: number;
  plate_masked: string;
  flags: string[];
  reshoots: number;
  photos: number;
  /** the amount waiting for sign-off, if any */
  pending_signoff: string | null;
  /** the open claim clock due first; null when none runs */
  clock?: ClaimClock | null;
}
