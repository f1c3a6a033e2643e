// One campaign: what it says, to whom, where it stands; the steps this member may take
// (edit, preview on one's own WeChat, submit; an approver: approve and send, or reject with a
// reason); and, once sent, the delivery results WeChat reported.
import { useState } from "preact/hooks";
import { formatTime, isoFromEpoch } from "../../format";
import { labels } from "../../labels";
import { me } from "../../session";
import type { Tone } from "../../ui/banner";
import { Chip } from "../../ui/chips";
import type { Audience, Campaign, Listing } from "./types";

export function audienceText(audience: Audience): string {
  const l = labels();
  const name = l.campaign_audiences.find(([code]) => code === audience.kind)?.[1] ?? audience.kind;
  if (audience.kind === "region") return `${name}：${audience.region ?? ""}`;
  if (audience.kind === "ending") return `${name}：${audience.ends_from ?? ""} 至 ${audience.ends_to ?? ""}`;
  return name;
}

export function statusTone(status: string): Tone | undefined {
  if (status === "finished") return "ok";
  if (status === "rejected") return "bad";
  if (status === "submitted") return "warn";
  return undefined;
}

const ORDER = ["audience", "opted_out", "capped", "over_budget", "wechat_month", "too_few",
  "failed", "asked", "total", "filter", "sent", "error"];

function Results({ results }: { results: Record<string, unknown> }) {
  const words = labels().campaign_results;
  const shown = ORDER.filter((key) => typeof results[key] === "number");
  if (shown.length === 0) return null;
  return (
    <table class="queue campaign-results" data-testid="campaign-results">
      <tbody>
        {shown.map((key) => (
          <tr key={key} data-testid={`campaign-result-${key}`}>
            <th>{words[key] ?? key}</th>
            <td class="num">{String(results[key])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function CampaignDetail(props: {
  listing: Listing;
  campaign: Campaign;
  busy: boolean;
  onEdit: () => void;
  onPreview: () => void;
  onSubmit: () => void;
  onDecide: (approve: boolean, reason: string) => void;
  onSend: () => void;
}) {
  const { listing, campaign: c, busy } = props;
  const l = labels();
  const [reason, setReason] = useState("");
  const editable = c.status === "draft" || c.status === "rejected";
  const mine = me.value?.id === c.author;
  const kind = l.campaign_kinds.find(([code]) => code === c.kind)?.[1] ?? c.kind;
  return (
    <section class="panel campaign-detail" data-testid="campaign-detail" data-campaign-id={c.id}>
      <div class="campaign-head">
        <h2>{c.title || kind}</h2>
        <Chip tone={statusTone(c.status)} testid="campaign-status">
          {l.campaign_statuses[c.status] ?? c.status}
        </Chip>
      </div>
      <dl class="campaign-facts">
        <dt>类型</dt>
        <dd>{kind}</dd>
        <dt>发送对象</dt>
        <dd data-testid="campaign-audience-text">{audienceText(c.audience)}</dd>
        <dt>撰写</dt>
        <dd>{`${c.author_name} · ${formatTime(isoFromEpoch(c.created_at))}`}</dd>
        {c.decided_by && (
          <>
            <dt>审批</dt>
            <dd>{`${c.decided_by_name} · ${formatTime(isoFromEpoch(c.decided_at))}`}</dd>
          </>
        )}
        {c.reason && (
          <>
            <dt>驳回原因</dt>
            <dd data-testid="campaign-reason">{c.reason}</dd>
          </>
        )}
      </dl>
      {c.picture && (
        <img class="campaign-cover" alt="封面" src={`data:image/jpeg;base64,${c.picture}`} />
      )}
      <p class="pre-wrap campaign-body" data-testid="campaign-body">
        {c.text}
      </p>
      <div class="campaign-actions">
        {listing.may_compose && editable && (
          <button type="button" data-testid="campaign-edit" disabled={busy} onClick={props.onEdit}>
            修改
          </button>
        )}
        <button type="button" data-testid="campaign-preview" disabled={busy} onClick={props.onPreview}>
          预览到我的微信
        </button>
        {listing.may_compose && editable && (
          <button type="button" class="primary" data-testid="campaign-submit" disabled={busy}
            onClick={props.onSubmit}>
            提交审批
          </button>
        )}
        {listing.may_approve && c.status === "approved" && (
          <button type="button" class="primary" data-testid="campaign-send" disabled={busy}
            onClick={props.onSend}>
            发送
          </button>
        )}
      </div>
      {listing.may_approve && c.status === "submitted" && (
        mine ? (
          <p class="faint" data-testid="campaign-own">这是您撰写的群发，须由另一位审批人审批。</p>
        ) : (
          <div class="campaign-decide" data-testid="campaign-decide">
            <input
              data-testid="campaign-reject-reason"
              placeholder={`驳回原因（至少 ${listing.limits.reason} 字）`}
              value={reason}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
            <button type="button" class="primary" data-testid="campaign-approve" disabled={busy}
              onClick={() => props.onDecide(true, "")}>
              批准并发送
            </button>
            <button type="button" class="danger-outline" data-testid="campaign-reject"
              disabled={busy} onClick={() => props.onDecide(false, reason)}>
              驳回
            </button>
          </div>
        )
      )}
      <Results results={c.results} />
    </section>
  );
}
