// The server's catalogue of labels and limits (chalicelib/console/labels.py), read once at
// start: the page copies none of them.
import { signal } from "@preact/signals";
import { api } from "./api";

export type Pairs = [string, string][];

export interface Labels {
  app_title: string;
  roles: Record<string, string>;
  slots: Record<string, string>;
  queue_filters: Pairs;
  flags: Record<string, string>;
  flags_needing_reason: string[];
  qc_reasons: Record<string, string>;
  reshoot_reasons: Pairs;
  actions: Pairs;
  message_types: Record<string, string>;
  audit_actions: Record<string, string>;
  sign_in_refusals: Record<string, string>;
  limits: {
    max_amount: number;
    max_reason_chars: number;
    max_chat_chars: number;
    min_unmask_reason_chars: number;
  };
  /** claim statuses past review: nothing left to decide */
  decided_statuses: string[];
  /** the audit page's filter by kind of action (chalicelib/domain/audit.py KINDS) */
  audit_kinds: Pairs;
  /** what an audit entry is about: claim, request, customer, chat, staff, quote */
  audit_targets: Record<string, string>;
  /** the words of an audit entry's details (reason, count, unmasked…) */
  audit_fields: Record<string, string>;
  /** customers' requests (PIPL): correct, erase */
  data_request_kinds: Record<string, string>;
  /** how a request is closed: done, refused, partly (in this order) */
  data_request_outcomes: Pairs;
  data_request_limits: {
    needs_reason: string[];
    min_reason_chars: number;
    max_reason_chars: number;
    max_note_chars: number;
  };
  /** how a records search names its customer: openid, claim, policy, plate, phone */
  records_find_by: Record<string, string>;
  /** an in-hours chat's clock (domain/chat_timers.py Clock): "", first_response, resolution */
  chat_clocks: Record<string, string>;
  /** what a satisfaction rating is about: chat, claim (domain/satisfaction.py FLOWS) */
  rating_flows: Pairs;
  /** why a satisfaction question was not sent: window_closed, no_quota, unfollowed, busy */
  rating_skip_reasons: Record<string, string>;
  /** tickets (chalicelib/domain/tickets.py): kinds in the page's order, closing outcomes */
  ticket_kinds: Pairs;
  ticket_outcomes: Pairs;
  ticket_limits: {
    /** outcomes that need a reason */
    needs_reason: string[];
    /** kinds whose every closing needs one (a complaint) */
    reason_always: string[];
    min_reason_chars: number;
    max_reason_chars: number;
    max_note_chars: number;
  };
  /** the claim clocks (chalicelib/domain/claim_clocks.py): decide, pay, refusal */
  clock_kinds: Record<string, string>;
  /** a claim clock's state: running, warning, overdue, paused, met */
  clock_states: Record<string, string>;
  /** the queue's orders: waiting (longest first), due (the nearest clock first) */
  queue_sorts: Pairs;
  /** service paths' channels (chalicelib/domain/service_paths.py CHANNELS), in order */
  path_channels: Pairs;
  /** 群发 (chalicelib/domain/campaigns.py): [code, label] in the server's order */
  campaign_kinds: Pairs;
  campaign_formats: Pairs;
  campaign_audiences: Pairs;
  campaign_statuses: Record<string, string>;
  /** the words of a campaign's results (service/campaigns.py deliver) */
  campaign_results: Record<string, string>;
  [more: string]: unknown;
}

const loaded = signal<Labels | null>(null);

export async function loadLabels(): Promise<Labels> {
  const labels = await api<Labels>("/labels", { auth: false });
  loaded.value = labels;
  return labels;
}

/** The catalogue; the app renders nothing before it has loaded. */
export function labels(): Labels {
  const value = loaded.value;
  if (!value) throw new Error("labels are not loaded yet");
  return value;
}

export function labelsLoaded(): boolean {
  return loaded.value !== null;
}

export function rolesText(roles: readonly string[] | undefined): string {
  const names = labels().roles;
  return (roles ?? []).map((r) => names[r] ?? r).join("、");
}

export function slotLabel(slot: number | string, own?: string | null): string {
  return own || labels().slots[String(slot)] || `第${slot}张`;
}
