// The re-shoot form: tick the photos the customer must take again, each with a reason (the QC's
// suggestion preselected) and an optional note for the customer.
import { useLayoutEffect, useRef } from "preact/hooks";
import { labels, slotLabel } from "../../../labels";
import { Chip } from "../../../ui/chips";
import type { ClaimDetail } from "../types";
import type { ReshootDraft } from "./types";

export function slots(): number[] {
  return Object.keys(labels().slots)
    .map(Number)
    .sort((a, b) => a - b);
}

export function photoIn(detail: ClaimDetail, slot: number) {
  return (detail.photos ?? []).find((p) => p.slot === slot);
}

/** Each slot unticked, its reason the first QC finding that is also a re-shoot reason. */
export function initialReshoots(detail: ClaimDetail): Record<number, ReshootDraft> {
  const reasons = labels().reshoot_reasons.map(([code]) => code);
  const drafts: Record<number, ReshootDraft> = {};
  for (const slot of slots()) {
    const found = photoIn(detail, slot)?.qc?.reasons ?? [];
    drafts[slot] = { checked: false, reason: found.find((r) => reasons.includes(r)) ?? "", note: "" };
  }
  return drafts;
}

export function ReshootList(props: {
  detail: ClaimDetail;
  drafts: Record<number, ReshootDraft>;
  onChange: (slot: number, draft: ReshootDraft) => void;
}) {
  return (
    <div class="field">
      <span>
        需要重拍的照片<span class="req"> *</span>
      </span>
      <div class="reshoot-list" data-testid="reshoot-list">
        {slots().map((slot) => (
          <ReshootItem
            key={slot}
            slot={slot}
            detail={props.detail}
            draft={props.drafts[slot] ?? { checked: false, reason: "", note: "" }}
            onChange={(draft) => props.onChange(slot, draft)}
          />
        ))}
      </div>
    </div>
  );
}

function ReshootItem(props: {
  slot: number;
  detail: ClaimDetail;
  draft: ReshootDraft;
  onChange: (draft: ReshootDraft) => void;
}) {
  const { slot, draft, onChange } = props;
  const photo = photoIn(props.detail, slot);
  const found = photo?.qc?.reasons ?? [];
  const { qc_reasons: qcLabels, reshoot_reasons: reasons, limits } = labels();
  const selectRef = useRef<HTMLSelectElement>(null);
  const focusReasonRef = useRef(false);

  // Ticked without a reason: the reason is next (its row shows once ticked).
  useLayoutEffect(() => {
    if (draft.checked && focusReasonRef.current) selectRef.current?.focus();
    focusReasonRef.current = false;
  }, [draft.checked]);

  return (
    <div
      class={draft.checked ? "reshoot-item checked" : "reshoot-item"}
      data-testid={`reshoot-item-${slot}`}
      data-slot={slot}
    >
      <label class="head">
        <input
          type="checkbox"
          data-testid={`reshoot-check-${slot}`}
          name={`slot-${slot}`}
          value={String(slot)}
          checked={draft.checked}
          onChange={(e) => {
            const checked = e.currentTarget.checked;
            focusReasonRef.current = checked && !draft.reason;
            onChange({ ...draft, checked });
          }}
        />
        <span>{`第${slot}张 ${slotLabel(slot, photo?.label)}`}</span>
        <span class="hint">
          {photo ? (
            found.map((r) => (
              <Chip key={r} tone="warn">
                {qcLabels[r] ?? r}
              </Chip>
            ))
          ) : (
            <Chip>未收到</Chip>
          )}
        </span>
      </label>
      <div class="detail">
        <select
          ref={selectRef}
          data-testid={`reshoot-reason-${slot}`}
          name={`reason-${slot}`}
          aria-label={`第${slot}张的补拍原因`}
          value={draft.reason}
          onChange={(e) => {
            const reason = e.currentTarget.value;
            onChange({ ...draft, reason, checked: draft.checked || Boolean(reason) });
          }}
        >
          <option value="">选择原因…</option>
          {reasons.map(([code, label]) => (
            <option key={code} value={code}>
              {label}
            </option>
          ))}
        </select>
        <input
          type="text"
          data-testid={`reshoot-note-${slot}`}
          name={`note-${slot}`}
          maxLength={limits.max_reason_chars}
          placeholder={
            draft.reason === "other" ? "说明（必填）：需要客户怎么重拍" : "给客户的说明（可选）"
          }
          aria-label={`第${slot}张的说明`}
          value={draft.note}
          onInput={(e) => onChange({ ...draft, note: e.currentTarget.value })}
        />
      </div>
    </div>
  );
}
