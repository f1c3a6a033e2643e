// Customers' requests about their information (PIPL) as the API gives them
// (chalicelib/service/data_requests.py DataRequestDesk).

export interface DataRequest {
  ticket_no: string;
  /** correct | erase (labels().data_request_kinds) */
  request: string;
  /** the customer's words, long numbers masked */
  summary: string | null;
  /** the customer as a short reference */
  customer: string;
  /** opens their conversation records (#/records?by=…&value=…); null: not in the reader's scope */
  records_query: { by: string; value: string } | null;
  status: "open" | "closed";
  created_at: string | null;
  due_at: string | null;
  /** open past its deadline, or closed after it */
  overdue: boolean;
  outcome: string | null;
  note: string | null;
  reason: string | null;
  closed_by: string | null;
  closed_by_name: string | null;
  closed_at: string | null;
}

export interface Closing {
  outcome: string;
  note: string;
  reason: string;
}
