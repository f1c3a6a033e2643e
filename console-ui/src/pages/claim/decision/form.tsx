// The selected action's form: its fields, the error to correct, the submit button.
import type { RefObject } from "preact";
import { AmountInput, AuthorityHint, Field, ReasonArea, approveNotePlaceholder } from "./fields";
import { ReshootList } from "./reshoot";
import type { ClaimDetail } from "../types";
import type { Drafts, ReshootDraft } from "./types";

export function ActionForm({
  code,
  label,
  detail,
  drafts,
  update,
  error,
  sending,
  formRef,
  onSubmit,
}: {
  code: string;
  label: string;
  detail: ClaimDetail;
  drafts: Drafts;
  update: (change: Partial<Drafts>) => void;
  error: string;
  sending: boolean;
  formRef: RefObject<HTMLFormElement | null>;
  onSubmit: () => void;
}) {
  const reshoot = (slot: number, draft: ReshootDraft) =>
    update({ reshoots: { ...drafts.reshoots, [slot]: draft } });
  return (
    <form
      noValidate
      data-testid={`action-form-${code}`}
      ref={formRef}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {code === "approve" && (
        <>
          <Field label="核定金额（元）" required>
            <AmountInput value={drafts.amount} onInput={(amount) => update({ amount })} />
          </Field>
          <Field label="备注">
            <ReasonArea
              testid="approve-note"
              placeholder={approveNotePlaceholder(detail)}
              required={false}
              value={drafts.approveNote}
              onInput={(approveNote) => update({ approveNote })}
            />
          </Field>
          <AuthorityHint detail={detail} />
        </>
      )}
      {code === "reshoot" && (
        <ReshootList detail={detail} drafts={drafts.reshoots} onChange={reshoot} />
      )}
      {code === "surveyor" && (
        <Field label="原因" required>
          <ReasonArea
            testid="surveyor-reason"
            placeholder="例如：损失较大，需现场查勘核损"
            required
            value={drafts.surveyorReason}
            onInput={(surveyorReason) => update({ surveyorReason })}
          />
        </Field>
      )}
      {code === "reject" && (
        <Field
          label="拒赔原因"
          required
          hint="原因会记入理赔记录，并写进拒赔通知书发给客户：请用客户看得懂的话写明理由。"
        >
          <ReasonArea
            testid="reject-reason"
            placeholder="例如：出险时间不在保险期间内"
            required
            value={drafts.rejectReason}
            onInput={(rejectReason) => update({ rejectReason })}
          />
        </Field>
      )}
      <div class="form-error" id="form-error" data-testid="form-error" hidden={!error}>
        {error}
      </div>
      <div class="submit-row">
        <button
          type="submit"
          class={code === "reject" ? "danger" : "primary"}
          data-testid="action-submit"
          id="action-submit"
          disabled={sending}
        >
          {sending ? "提交中…" : `${label}…`}
        </button>
        <span class="faint">提交前会再次确认</span>
      </div>
    </form>
  );
}
