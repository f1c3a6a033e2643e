// The parts of the action forms: a labelled field, a reason box, the approval's fields.
import type { ComponentChildren } from "preact";
import { formatYuan } from "../../../format";
import { labels } from "../../../labels";
import type { ClaimDetail } from "../types";

export function Field(props: {
  label: string;
  required?: boolean;
  hint?: string;
  children: ComponentChildren;
}) {
  return (
    <label class="field">
      <span>
        {props.label}
        {props.required && <span class="req"> *</span>}
      </span>
      {props.children}
      {props.hint && <span class="faint">{props.hint}</span>}
    </label>
  );
}

export function ReasonArea(props: {
  testid: string;
  placeholder: string;
  required: boolean;
  value: string;
  onInput: (value: string) => void;
}) {
  return (
    <textarea
      data-testid={props.testid}
      name="reason"
      maxLength={labels().limits.max_reason_chars}
      required={props.required}
      placeholder={props.placeholder}
      value={props.value}
      onInput={(e) => props.onInput(e.currentTarget.value)}
    />
  );
}

export function AmountInput(props: { value: string; onInput: (value: string) => void }) {
  return (
    <div class="amount-row">
      <span>¥</span>
      <input
        type="text"
        inputMode="decimal"
        name="amount"
        data-testid="approve-amount"
        autoComplete="off"
        required
        placeholder="例如 2350.00"
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </div>
  );
}

/** Claim authority (核赔权限): what the policy covers for this loss and what the signed-in
 * member may approve alone; above it the approval waits for a supervisor's sign-off. */
export function AuthorityHint({ detail }: { detail: ClaimDetail }) {
  const a = detail.authority;
  if (!a) return null;
  const cover = !a.covered
    ? "本保单没有车损险，不能核定金额"
    : a.cover != null
      ? `本案最高可核 ${formatYuan(a.cover)}（车损险保额扣除免赔）`
      : "车损险保额未载明";
  return (
    <p class="faint" data-testid="authority-hint">
      {Number.isFinite(Number(a.own_limit))
        ? `${cover}；您可单独核赔至 ${formatYuan(a.own_limit)}，超出需主管签批。`
        : `${cover}；您的核赔金额不受权限限制。`}
    </p>
  );
}

/** A claim flagged for something an approval must explain makes the note required. */
export function approveNotePlaceholder(detail: ClaimDetail): string {
  const needing = labels().flags_needing_reason;
  return (detail.flags ?? []).some((f) => needing.includes(f))
    ? "必填：此赔案有异常标记，请写明仍予通过的理由（记入审计）"
    : "可选：给理赔记录的说明";
}
