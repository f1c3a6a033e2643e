// Closing a request: the outcome, a note for staff, and the reason the customer is sent (which
// a refusal or a partial outcome must give: PIPL Art. 50). Asked once more before it is sent.
import { useState } from "preact/hooks";
import { labels } from "../../labels";
import type { ConfirmRequest } from "../../ui/confirm";
import type { Closing, DataRequest } from "./types";

export interface CloseFormProps {
  request: DataRequest;
  confirm: (request: ConfirmRequest) => Promise<boolean>;
  onClose: (closing: Closing) => Promise<void>;
  onCancel: () => void;
}

export function CloseForm({ request, confirm, onClose, onCancel }: CloseFormProps) {
  const l = labels();
  const limits = l.data_request_limits;
  const [outcome, setOutcome] = useState("");
  const [note, setNote] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState("");
  const [sending, setSending] = useState(false);
  const needsReason = limits.needs_reason.includes(outcome);
  const outcomeLabel = new Map(l.data_request_outcomes).get(outcome) ?? outcome;
  const kind = l.data_request_kinds[request.request] ?? request.request;

  const submit = async (e: Event) => {
    e.preventDefault();
    const why = reason.trim();
    if (!outcome) {
      setError("请选择处理结果");
      return;
    }
    if (needsReason && why.length < limits.min_reason_chars) {
      setError(`“${outcomeLabel}”须写明告知客户的原因（至少 ${limits.min_reason_chars} 个字）`);
      return;
    }
    setError("");
    const ok = await confirm({
      title: "确认结案",
      ok: "确认结案并告知客户",
      danger: outcome === "refused",
      body: (
        <div class="confirm-summary" data-testid="request-confirm-summary">
          <div class="big">{`${kind} · ${request.ticket_no}`}</div>
          <div>
            处理结果：<strong>{outcomeLabel}</strong>
          </div>
          {why && <div>{`告知客户的原因：${why}`}</div>}
          <div class="muted">
            结案后客户会在微信收到处理结果的通知{why ? "（含上述原因）" : ""}
            ；结案不能撤回，也会记入审计日志。
          </div>
        </div>
      ),
    });
    if (!ok) return;
    setSending(true);
    try {
      await onClose({ outcome, note: note.trim(), reason: why });
    } finally {
      setSending(false);
    }
  };

  return (
    <form class="request-close" data-testid="close-form" onSubmit={(e) => void submit(e)}>
      <fieldset class="field">
        <legend>处理结果</legend>
        <div class="outcomes">
          {l.data_request_outcomes.map(([code, label]) => (
            <label key={code}>
              <input
                type="radio"
                name={`outcome-${request.ticket_no}`}
                value={code}
                checked={outcome === code}
                onChange={() => setOutcome(code)}
                data-testid={`close-outcome-${code}`}
              />
              {label}
            </label>
          ))}
        </div>
      </fieldset>
      <label class="field">
        <span>
          告知客户的原因
          {needsReason ? <span class="req"> *</span> : "（可不填）"}
        </span>
        <textarea
          rows={3}
          maxLength={limits.max_reason_chars}
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
          placeholder="例如：保单和理赔资料依《保险法》须保存至合同终止后五年"
          data-testid="close-reason"
        />
        <span class="hint" data-testid="close-reason-hint">
          这段文字会原样通过微信发送给客户，请用客户能看懂的话写明未能办理的部分及依据。
        </span>
      </label>
      <label class="field">
        <span>内部备注（仅员工可见，不发送给客户）</span>
        <textarea
          rows={2}
          maxLength={limits.max_note_chars}
          value={note}
          onInput={(e) => setNote(e.currentTarget.value)}
          placeholder="核查了哪些系统、备份、导出文件；是否已电话告知客户"
          data-testid="close-note"
        />
      </label>
      {error && (
        <p class="form-error" role="alert" data-testid="close-error">
          {error}
        </p>
      )}
      <div class="button-row">
        <button type="submit" class="primary" disabled={sending} data-testid="close-submit">
          {sending ? "提交中…" : "结案"}
        </button>
        <button type="button" onClick={onCancel} data-testid="close-cancel">
          取消
        </button>
      </div>
    </form>
  );
}
