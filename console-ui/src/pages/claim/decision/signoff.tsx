// An approval above its maker's authority: a supervisor signs it off or sends it back (its
// maker may withdraw it); everyone else sees that it waits.
import { useRef, useState } from "preact/hooks";
import { formatYuan } from "../../../format";
import { labels } from "../../../labels";
import { me } from "../../../session";
import type { ClaimDetail } from "../types";

export type SignOff = "approve" | "decline";

export function SignOffPanel(props: {
  detail: ClaimDetail;
  sending: boolean;
  /** sends the decision; resolves with the error to show, or null once done */
  send: (decision: SignOff, reason: string) => Promise<string | null>;
}) {
  const { detail, send } = props;
  const [reason, setReason] = useState("");
  const [error, setError] = useState("");
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const p = detail.claim.pending_signoff;
  if (!p) return null;
  const mine = me.value?.id === p.by;
  const mayAct = Boolean(detail.authority?.may_sign_off);

  const submit = async (decision: SignOff) => {
    const why = reason.trim();
    if (decision === "decline" && !why) {
      setError("退回时请填写原因");
      reasonRef.current?.focus();
      return;
    }
    if (props.sending) return;
    setError((await send(decision, why)) ?? "");
  };

  return (
    <div class="signoff" data-testid="signoff">
      <div class="big">{`待主管签批：核定金额 ${formatYuan(p.amount)}`}</div>
      <div>{`提交人：${p.by_name || p.by || ""}${p.reason ? `；理由：${p.reason}` : ""}`}</div>
      {mayAct && (
        <textarea
          ref={reasonRef}
          data-testid="signoff-reason"
          maxLength={labels().limits.max_reason_chars}
          placeholder="退回时必填：退回原因"
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
      )}
      <div class="form-error" data-testid="signoff-error" hidden={!error}>
        {error}
      </div>
      {mayAct ? (
        <div class="submit-row">
          {!mine && (
            <button
              type="button"
              class="primary"
              data-testid="signoff-approve"
              onClick={() => void submit("approve")}
            >
              签批通过
            </button>
          )}
          <button
            type="button"
            class="danger"
            data-testid="signoff-decline"
            onClick={() => void submit("decline")}
          >
            {mine ? "撤回" : "退回"}
          </button>
        </div>
      ) : (
        <p class="muted">等待主管签批后生效。</p>
      )}
    </div>
  );
}
