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
  limits: { max_amount: number; max_reason_chars: number; max_chat_chars: number };
  /** claim statuses past review: nothing left to decide */
  decided_statuses: string[];
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
