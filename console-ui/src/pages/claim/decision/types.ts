// The decision panel's own state: what was typed, the last outcome.

export interface ReshootDraft {
  checked: boolean;
  reason: string;
  note: string;
}

/** What was typed in each action's form: switching tabs keeps it; a new version clears it. */
export interface Drafts {
  amount: string;
  approveNote: string;
  reshoots: Record<number, ReshootDraft>;
  surveyorReason: string;
  rejectReason: string;
}

export type Tone = "ok" | "bad" | "conflict";

/** The last decision's outcome, shown under the form until the next one. */
export interface Outcome {
  tone: Tone;
  title: string;
  server?: string;
  reload?: boolean;
  at?: Date;
}
