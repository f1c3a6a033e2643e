// An audit entry's details in words: what was searched, how many, why, unmasked or not.
import { formatTime, formatYuan } from "../../format";
import { labels } from "../../labels";
import type { AuditRow } from "./types";

/** Keys shown elsewhere in the row (the maker's name; what the entry is about). */
const SHOWN_ELSEWHERE = new Set(["name", "ticket", "chat", "userid", "quote_no", "customer"]);

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "是" : "否";
  if (Array.isArray(value)) return value.map(text).join("、");
  return JSON.stringify(value);
}

interface Reshoot {
  slot?: unknown;
  reason?: unknown;
  note?: unknown;
}

function reshoots(value: unknown[]): string {
  const reasons = new Map(labels().reshoot_reasons);
  return (value as Reshoot[])
    .map((r) => {
      const code = text(r.reason);
      const note = r.note ? `（${text(r.note)}）` : "";
      return `第${text(r.slot)}张 ${reasons.get(code) ?? code}${note}`;
    })
    .join("、");
}

function valueText(key: string, value: unknown, entry: AuditRow): string {
  const l = labels();
  if (key === "amount") return formatYuan(text(value));
  if (key === "reshoots" && Array.isArray(value)) return reshoots(value);
  if (key === "roles" || key === "before") {
    return (Array.isArray(value) ? value : [value]).map((r) => l.roles[text(r)] ?? text(r)).join("、");
  }
  if (key === "outcome") {
    return new Map(l.data_request_outcomes).get(text(value)) ?? text(value);
  }
  if (key === "request") return l.data_request_kinds[text(value)] ?? text(value);
  if (key === "due_at" || key === "held_since") {
    return typeof value === "number" ? formatTime(new Date(value * 1000).toISOString()) : text(value);
  }
  if (key === "reason" && entry.action.startsWith("records.") && !value) return "（未填写）";
  return text(value);
}

/** [field label, value] pairs, in the order the entry recorded them; empty values left out
 * (a records search's reason is always shown, empty or not: it says whether one was given). */
export function detailPairs(entry: AuditRow): [string, string][] {
  const l = labels();
  const customerShown = entry.target.type === "customer";
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(entry.detail)) {
    if (SHOWN_ELSEWHERE.has(key)) continue;
    if (customerShown && (key === "value" || key === "by")) continue;
    const isRecordsReason = key === "reason" && entry.action.startsWith("records.");
    if (!isRecordsReason && (value == null || value === "")) continue;
    if (Array.isArray(value) && !value.length) continue;
    if (key === "action") continue;
    pairs.push([l.audit_fields[key] ?? key, valueText(key, value, entry)]);
  }
  return pairs;
}
