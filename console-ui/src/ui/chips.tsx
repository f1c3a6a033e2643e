// Small labelled chips: a claim's status, its flags.
import type { ComponentChildren } from "preact";
import { labels } from "../labels";
import type { Tone } from "./banner";

const STATUS_TONE: Record<string, Tone> = {
  reported: "",
  survey_received: "accent",
  under_review: "info",
  photos_requested: "warn",
  approved: "ok",
  surveyor_sent: "warn",
  rejected: "bad",
  repairing: "ok",
  paid: "ok",
  withdrawn: "",
};

const FLAG_TONE: Record<string, Tone> = {
  vin_mismatch: "bad",
  reshoots: "warn",
  taken_before_accident: "bad",
  taken_far_from_place: "bad",
  qc_warning: "warn",
  photos_missing: "bad",
  signoff_pending: "warn",
};

interface ChipProps {
  tone?: Tone;
  testid?: string;
  children: ComponentChildren;
  [data: `data-${string}`]: string | undefined;
}

export function Chip({ tone = "", testid, children, ...data }: ChipProps) {
  return (
    <span class={`chip ${tone}`.trim()} data-testid={testid} {...data}>
      {children}
    </span>
  );
}

export function FlagChip({ code, count }: { code: string; count?: number }) {
  const label = labels().flags[code] ?? code;
  const text = code === "reshoots" && count ? `${label} ×${count}` : label;
  return (
    <Chip tone={FLAG_TONE[code] ?? ""} testid="flag" data-flag={code}>
      {text}
    </Chip>
  );
}

export function StatusChip({ status, text }: { status: string; text?: string | null }) {
  return (
    <span class={`chip ${STATUS_TONE[status] ?? ""}`} data-testid="status" data-status={status}>
      {text || status}
    </span>
  );
}
