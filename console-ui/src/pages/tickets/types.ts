// Tickets as the API gives them (chalicelib/service/tickets.py TicketDesk).

export interface TicketNote {
  at: string | null;
  by: string;
  by_name: string;
  text: string;
}

export interface TicketPhone {
  /** the number the customer left in the chat, masked ("139****1111"); null: none yet */
  masked: string | null;
  /** the customer would rather not leave one (they were told the hotline and 12378) */
  declined: boolean;
  /** the same number as on their policy */
  is_policy: boolean;
  /** a handler may see it in full (POST /tickets/<no>/phone, audited) */
  revealable: boolean;
}

export interface Ticket {
  ticket_no: string;
  /** sensitive | callback | survey_expired | data_request | signoff (labels().ticket_kinds) */
  kind: string;
  /** a data request's correct | erase */
  request: string | null;
  priority: string;
  /** what it is about, masked */
  summary: string | null;
  /** the customer as a short reference */
  customer: string | null;
  /** their conversation records (#/records?by=…&value=…); null: not in the reader's scope */
  records_query: { by: string; value: string } | null;
  claim_no: string | null;
  /** where it is handled when not here: the claim (sign-off), the requests page */
  link: string | null;
  status: "open" | "closed";
  created_at: string | null;
  due_at: string | null;
  overdue: boolean;
  /** less than the alert's hours left */
  due_soon: boolean;
  /** the supervisor was alerted that its deadline is near */
  alerted_at: string | null;
  assignee: string | null;
  assignee_name: string | null;
  assigned_at: string | null;
  notes: TicketNote[];
  phone: TicketPhone | null;
  policy_no: string | null;
  policy_phone_masked: string | null;
  outcome: string | null;
  reason: string | null;
  closed_by_name: string | null;
  closed_at: string | null;
  /** assigned, noted and closed on this page (not a data request or a sign-off) */
  handled_here: boolean;
}

export interface Assignee {
  id: string;
  name: string;
  /** the kinds they handle */
  kinds: string[];
}

export interface TicketList {
  tickets: Ticket[];
  /** the kinds this member sees, in the page's order */
  kinds: string[];
  assignees: Assignee[];
}
