// The audit page's API answers (chalicelib/console/service.py audit_entries, audit_verify).

export interface AuditTarget {
  /** claim | request | customer | chat | staff | quote (labels().audit_targets) */
  type?: string;
  id?: string;
  /** a records search: how the customer was found (openid, plate…) */
  by?: string;
}

export interface AuditRow {
  seq: number;
  at: string | null;
  who: string;
  /** the staff member's name as recorded ("" when the entry has none) */
  name: string;
  role: string | null;
  action: string;
  claim_no: string | null;
  target: AuditTarget;
  detail: Record<string, unknown>;
  ip: string | null;
}

export interface AuditPageAnswer {
  entries: AuditRow[];
  /** the next page: entries below this number; null when nothing older can match */
  next: number | null;
  scanned?: number;
}

export interface VerifyAnswer {
  /** true: intact to the end; false: broken; null: go on after `next` */
  ok: boolean | null;
  checked: number;
  through: number;
  next: number | null;
  broken: { seq: number; why: string } | null;
  head: number;
}
