// A records search as the hash keeps it (#/records?by=claim&value=…&keyword=…&from=…&to=…),
// as the API takes it (q for the keyword, the reason to unmask never in the hash), and what
// the API answers (chalicelib/service/records.py RecordsDesk).
import { labels } from "../../labels";
import { hashFor } from "../../router";

/** How a customer is named, typed in full (the server's FIND_BY), in the form's order. */
export function findBy(): [string, string][] {
  return Object.entries(labels().records_find_by);
}

/** The API's rule for a reason to see personal data unmasked (domain/records.may_unmask). */
export function minReasonChars(): number {
  return labels().limits.min_unmask_reason_chars;
}

export interface RecordQuery {
  by: string;
  value: string;
  keyword: string;
  /** China dates, YYYY-MM-DD; empty: the API's default (the last 30 days up to today) */
  from: string;
  to: string;
}

export interface RecordRow {
  time: string;
  customer: string;
  direction: string;
  who: string;
  staff: boolean;
  type: string;
  channel: string;
  content: string;
  photo: string;
  id: string;
  message: string;
}

export interface SearchAnswer {
  records: RecordRow[];
  next: string;
  masked: boolean;
  customers: number;
}

export function queryFrom(params: URLSearchParams): RecordQuery {
  const by = params.get("by") ?? "";
  return {
    by: findBy().some(([code]) => code === by) ? by : "claim",
    value: (params.get("value") ?? "").trim(),
    keyword: (params.get("keyword") ?? "").trim(),
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
  };
}

/** Whether the query names a customer (only then is there something to search). */
export function isComplete(query: RecordQuery): boolean {
  return query.value !== "";
}

export function queryHash(query: RecordQuery): string {
  const params: Record<string, string> = { by: query.by, value: query.value };
  if (query.keyword) params.keyword = query.keyword;
  if (query.from) params.from = query.from;
  if (query.to) params.to = query.to;
  return hashFor(["records"], params);
}

/** The API's query string: the search, the page to resume after, the reason to unmask. */
export function apiQuery(query: RecordQuery, reason: string, after = ""): string {
  const params = new URLSearchParams({ by: query.by, value: query.value });
  if (query.keyword) params.set("q", query.keyword);
  if (query.from) params.set("from", query.from);
  if (query.to) params.set("to", query.to);
  if (after) params.set("after", after);
  if (reason) params.set("reason", reason);
  return params.toString();
}

/** "聊天记录_2026-05-01_2026-05-31[_未遮盖].csv": the period, never the customer. */
export function exportName(query: RecordQuery, unmasked: boolean, today: string): string {
  const period = `${query.from || "近30天"}_${query.to || today}`;
  return `聊天记录_${period}${unmasked ? "_未遮盖" : ""}.csv`;
}

export function byLabel(by: string): string {
  return labels().records_find_by[by] ?? by;
}
