// Closing a ticket: the outcome and, where the kind needs one, the reason (a complaint always
// says what was done; "unreachable" and "not needed" say why). Asked once more before it is sent.
import { useState } from "preact/hooks";
import { labels } from "../../labels";
import type { ConfirmRequest } from "../../ui/confirm";
import type { Ticket } from "./types";

export interface TicketClosing {
  outcome: string;
  reason: string;
}

export interface CloseFormProps {
  ticket: Ticket;
  confirm: (request: ConfirmRequest) => Promise<boolean>;
  onClose: (closing: TicketClosing) => Promise<void>;
  onCancel: () => void;
}

export function TicketCloseForm({ ticket, confirm, onClose, onCancel }: CloseFormProps) {
  const l = labels();
  const limits = l.ticket_limits;
  const [outcome, setOutcome] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState("");
  const [sending, setSending] = useState(false);
  const needsReason =
    limits.reason_always.includes(ticket.kind) || limits.needs_reason.includes(outcome);
  const outcomeLabel = new Map(l.ticket_outcomes).get(outcome) ?? outcome;

  const submit = async (e: Event) => {
    e.preventDefault();
    const why = reason.trim();
    if (!outcome) {
      setError("请选择处理结果");
      return;
    }
    if (needsReason && why.length < limits.min_reason_chars) {
      setError(`请写明处理情况或原因（至少 ${limits.min_reason_chars} 个字）`);
      return;
    }
    setError("");
    const ok = await confirm({
      title: "确认结案",
      ok: "确认结案",
      body: (
        <div class="confirm-summary" data-testid="ticket-confirm-summary">
          <div class="big">{`${l.ticket_kinds.find(([k]) => k === ticket.kind)?.[1] ?? ticket.kind} · ${ticket.ticket_no}`}</div>
          <div>
            处理结果：<strong>{outcomeLabel}</strong>
          </div>
          {why && <div>{`处理情况：${why}`}</div>}
          <div class="muted">结案不能撤回，会记入审计日志；结案后仍可添加备注。</div>
        </div>
      ),
    });
    if (!ok) return;
    setSending(true);
    try {
      await onClose({ outcome, reason: why });
    } finally {
      setSending(false);
    }
  };

  return (
    <form class="ticket-close" data-testid="ticket-close-form" onSubmit={(e) => void submit(e)}>
      <fieldset class="field">
        <legend>处理结果</legend>
        <div class="outcomes">
          {l.ticket_outcomes.map(([code, label]) => (
            <label key={code}>
              <input
                type="radio"
                name={`ticket-outcome-${ticket.ticket_no}`}
                value={code}
                checked={outcome === code}
                onChange={() => setOutcome(code)}
                data-testid={`ticket-outcome-${code}`}
              />
              {label}
            </label>
          ))}
        </div>
      </fieldset>
      <label class="field">
        <span>
          处理情况 / 原因
          {needsReason ? <span class="req"> *</span> : "（可不填）"}
        </span>
        <textarea
          rows={3}
          maxLength={limits.max_reason_chars}
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
          placeholder="例如：已电话联系客户，复核后补赔 300 元，客户表示满意"
          data-testid="ticket-reason"
        />
      </label>
      {error && (
        <p class="form-error" role="alert" data-testid="ticket-close-error">
          {error}
        </p>
      )}
      <div class="button-row">
        <button type="submit" class="primary" disabled={sending} data-testid="ticket-close-submit">
          {sending ? "提交中…" : "结案"}
        </button>
        <button type="button" onClick={onCancel} data-testid="ticket-close-cancel">
          取消
        </button>
      </div>
    </form>
  );
}
