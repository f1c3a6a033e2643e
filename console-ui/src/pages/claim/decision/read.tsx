// A form's drafts checked into the request body and the summary the confirmation shows, or
// the first thing to correct and the field to put the cursor in.
import type { ComponentChildren } from "preact";
import { formatYuan } from "../../../format";
import { labels, slotLabel } from "../../../labels";
import { photoIn, slots } from "./reshoot";
import type { ClaimDetail } from "../types";
import type { Drafts } from "./types";

export interface DecisionBody {
  action: string;
  version: number;
  amount?: string;
  reason?: string;
  reshoots?: { slot: number; reason: string; note?: string }[];
}

export type Read =
  | { body: DecisionBody; summary: ComponentChildren }
  | { error: string; focus: string };

function limitText(max: number): string {
  return max % 10_000 === 0 ? `${max / 10_000} 万元` : formatYuan(max);
}

export function readDecision(code: string, drafts: Drafts, detail: ClaimDetail): Read {
  const body: DecisionBody = { action: code, version: detail.claim.version };
  if (code === "approve") {
    const raw = drafts.amount.trim().replace(/[,，\s¥￥]/g, "");
    if (!/^\d+(\.\d{1,2})?$/.test(raw)) {
      return { error: "请填写核定金额，例如 2350 或 2350.00", focus: "amount" };
    }
    const amount = Number(raw);
    if (!(amount > 0)) return { error: "核定金额必须大于 0", focus: "amount" };
    const max = labels().limits.max_amount;
    if (amount > max) {
      return { error: `核定金额超过自助理赔上限（${limitText(max)}）`, focus: "amount" };
    }
    body.amount = amount.toFixed(2);
    const note = drafts.approveNote.trim();
    if (note) body.reason = note;
    return {
      body,
      summary: (
        <>
          <div class="big">{`核定金额 ${formatYuan(body.amount)}`}</div>
          {note && <div>{`备注：${note}`}</div>}
        </>
      ),
    };
  }
  if (code === "reshoot") {
    const names = new Map(labels().reshoot_reasons);
    const reshoots: NonNullable<DecisionBody["reshoots"]> = [];
    const lines: string[] = [];
    for (const slot of slots()) {
      const draft = drafts.reshoots[slot];
      if (!draft?.checked) continue;
      const note = draft.note.trim();
      if (!draft.reason) return { error: `请选择第${slot}张的补拍原因`, focus: `reason-${slot}` };
      if (draft.reason === "other" && !note) {
        return { error: `第${slot}张选了“其他”，请填写给客户的说明`, focus: `note-${slot}` };
      }
      reshoots.push(note ? { slot, reason: draft.reason, note } : { slot, reason: draft.reason });
      const label = names.get(draft.reason) ?? draft.reason;
      const photo = photoIn(detail, slot);
      lines.push(`第${slot}张 ${slotLabel(slot, photo?.label)}：${label}${note ? `（${note}）` : ""}`);
    }
    if (!reshoots.length) {
      return { error: "请至少勾选一张需要重拍的照片", focus: `slot-${slots()[0] ?? 1}` };
    }
    body.reshoots = reshoots;
    return {
      body,
      summary: (
        <>
          <div>请客户重拍：</div>
          <ul>
            {lines.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          <div class="faint">客户会在微信里收到重拍通知。</div>
        </>
      ),
    };
  }
  const reason = (code === "reject" ? drafts.rejectReason : drafts.surveyorReason).trim();
  if (!reason) return { error: "请填写原因", focus: "reason" };
  body.reason = reason;
  if (code === "reject") {
    return {
      body,
      summary: (
        <>
          <div>{`原因：${reason}`}</div>
          <div class="faint">客户会在微信里收到拒赔通知书，写明以上原因（《保险法》第24条）。</div>
        </>
      ),
    };
  }
  return { body, summary: <div>{`原因：${reason}`}</div> };
}
