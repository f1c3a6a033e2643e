// 群发: campaigns staff compose (text or an article with a picture, an audience), preview on
// their own WeChat and submit; an approver — never the author — approves (it is sent at once,
// through WeChat's mass send) or rejects with a reason; the results WeChat reports, per campaign.
// The hash holds the campaign shown: #/campaigns/<id>.
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, errorText } from "../../api";
import { formatTime, isoFromEpoch } from "../../format";
import { useTitle } from "../../hooks";
import { labels } from "../../labels";
import { type Route, go } from "../../router";
import { can } from "../../session";
import { showBanner } from "../../ui/banner";
import { Chip } from "../../ui/chips";
import { useConfirm } from "../../ui/confirm";
import "./campaigns.css";
import { CampaignDetail, audienceText, statusTone } from "./detail";
import { CampaignForm } from "./form";
import type { Campaign, Draft, Listing } from "./types";

export const mayViewCampaigns = (): boolean =>
  can("compose_campaigns") || can("approve_campaigns");

type Load =
  | { phase: "loading" }
  | { phase: "failed"; error: string }
  | { phase: "ready"; listing: Listing };

type Editing = null | "new" | Campaign;

const quiet = (err: unknown) => err instanceof ApiError && err.status === 401;

export function CampaignsPage({ route }: { route: Route }) {
  useTitle(`群发 · ${labels().app_title}`);
  const selectedId = route.parts[1] ?? "";
  const [load, setLoad] = useState<Load>({ phase: "loading" });
  const [shown, setShown] = useState<Campaign | null>(null);
  const [loads, setLoads] = useState(0);
  const [editing, setEditing] = useState<Editing>(null);
  const [formError, setFormError] = useState("");
  const [busy, setBusy] = useState(false);
  const [openid, setOpenid] = useState<string | null>(null);
  const [confirm, confirmDialog] = useConfirm();

  useEffect(() => {
    let live = true;
    api<Listing>("/campaigns").then(
      (listing) => {
        if (live) setLoad({ phase: "ready", listing });
      },
      (err: unknown) => {
        if (live && !quiet(err)) setLoad({ phase: "failed", error: errorText(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [loads, route.seq]);

  useEffect(() => {
    let live = true;
    if (!selectedId) {
      setShown(null);
      return;
    }
    api<Campaign>(`/campaigns/${encodeURIComponent(selectedId)}`).then(
      (campaign) => {
        if (live) setShown(campaign);
      },
      (err: unknown) => {
        if (live && !quiet(err)) showBanner(`无法打开群发：${errorText(err)}`, "bad");
      },
    );
    return () => {
      live = false;
    };
  }, [selectedId, loads]);

  const act = async (what: string, path: string, body: unknown, done: string) => {
    setBusy(true);
    try {
      await api(path, { method: "POST", body });
      showBanner(done, "ok");
    } catch (err) {
      if (!quiet(err)) showBanner(`${what}失败：${errorText(err)}`, "bad");
    } finally {
      setBusy(false);
      setLoads((n) => n + 1);
    }
  };

  const decide = async (campaign: Campaign, approve: boolean, reason: string) => {
    if (approve) {
      const ok = await confirm({
        title: "批准并发送群发",
        body: (
          <div class="confirm-summary">
            {`发送对象：${audienceText(campaign.audience)}。批准后立即通过微信群发发送，不能撤回。`}
          </div>
        ),
        ok: "批准并发送",
      });
      if (!ok) return;
    }
    const path = `/campaigns/${encodeURIComponent(campaign.id)}/decision`;
    await act(approve ? "审批" : "驳回", path, { approve, reason, version: campaign.version },
      approve ? "已批准，群发已提交微信发送。" : "已驳回。");
  };

  const save = async (draft: Draft) => {
    const campaign = editing === "new" ? null : editing;
    setFormError("");
    try {
      const saved = await api<Campaign>(
        campaign ? `/campaigns/${encodeURIComponent(campaign.id)}` : "/campaigns",
        { method: campaign ? "PUT" : "POST", body: campaign ? { ...draft, version: campaign.version } : draft },
      );
      showBanner("已保存草稿。", "info");
      setEditing(null);
      setLoads((n) => n + 1);
      go(`#/campaigns/${encodeURIComponent(saved.id)}`);
    } catch (err) {
      if (!quiet(err)) setFormError(errorText(err));
    }
  };

  const saveOpenid = async (value: string) => {
    try {
      await api("/campaigns/preview-openid", { method: "PUT", body: { openid: value } });
      showBanner("已保存您的预览微信。", "ok");
      setOpenid(null);
      setLoads((n) => n + 1);
    } catch (err) {
      if (!quiet(err)) showBanner(`保存失败：${errorText(err)}`, "bad");
    }
  };

  if (load.phase === "loading") return <p class="muted pad">加载中…</p>;
  if (load.phase === "failed") {
    return <p class="result bad" data-testid="campaigns-load-error">{`加载失败：${load.error}`}</p>;
  }
  const { listing } = load;
  const l = labels();
  const waiting = listing.campaigns.filter((c) => c.status === "submitted");
  const c = shown && shown.id === selectedId ? shown : null;
  const path = (step: string) => (c ? `/campaigns/${encodeURIComponent(c.id)}/${step}` : "");

  return (
    <section class="campaigns-page" data-testid="campaigns-view">
      <div class="campaigns-bar">
        <h1>群发</h1>
        {listing.may_approve && (
          <span class="faint" data-testid="campaigns-waiting">{`待审批 ${waiting.length} 条`}</span>
        )}
        <span class="spacer" />
        <label class="campaigns-openid">
          <span>我的预览微信 openid</span>
          <input
            data-testid="campaigns-openid"
            value={openid ?? listing.preview_openid}
            onInput={(e) => setOpenid(e.currentTarget.value)}
          />
          <button type="button" data-testid="campaigns-openid-save" disabled={openid === null}
            onClick={() => void saveOpenid(openid ?? "")}>
            保存
          </button>
        </label>
        {listing.may_compose && (
          <button type="button" class="primary" data-testid="campaigns-new"
            onClick={() => {
              setFormError("");
              setEditing("new");
            }}>
            新建群发
          </button>
        )}
      </div>
      {editing !== null && (
        <CampaignForm
          key={editing === "new" ? "new" : `${editing.id}:${editing.version}`}
          listing={listing}
          campaign={editing === "new" ? null : editing}
          error={formError}
          onSave={(draft) => void save(draft)}
          onCancel={() => setEditing(null)}
        />
      )}
      <div class="campaigns-split">
        <table class="queue campaigns-table" data-testid="campaigns-table">
          <thead>
            <tr>
              <th>状态</th>
              <th>类型</th>
              <th>内容</th>
              <th>发送对象</th>
              <th>撰写</th>
              <th>送达</th>
            </tr>
          </thead>
          <tbody>
            {listing.campaigns.length === 0 && (
              <tr class="empty">
                <td colSpan={6}>还没有群发</td>
              </tr>
            )}
            {listing.campaigns.map((row) => (
              <tr
                key={row.id}
                data-testid="campaign-row"
                data-campaign-id={row.id}
                data-status={row.status}
                class={row.id === selectedId ? "selected" : undefined}
                onClick={() => go(`#/campaigns/${encodeURIComponent(row.id)}`)}
              >
                <td>
                  <Chip tone={statusTone(row.status)}>{l.campaign_statuses[row.status] ?? row.status}</Chip>
                </td>
                <td>{l.campaign_kinds.find(([code]) => code === row.kind)?.[1] ?? row.kind}</td>
                <td class="campaign-snippet">{row.title || row.text.slice(0, 40)}</td>
                <td>{audienceText(row.audience)}</td>
                <td class="faint">{`${row.author_name} ${formatTime(isoFromEpoch(row.updated_at))}`}</td>
                <td class="num">{typeof row.results.sent === "number" ? String(row.results.sent) : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {c && (
          <CampaignDetail
            key={`${c.id}:${c.version}:${c.status}`}
            listing={listing}
            campaign={c}
            busy={busy}
            onEdit={() => {
              setFormError("");
              setEditing(c);
            }}
            onPreview={() => void act("预览", path("preview"), {}, "已发送预览到您的微信。")}
            onSubmit={() => void act("提交", path("submit"), { version: c.version }, "已提交审批。")}
            onDecide={(approve, reason) => void decide(c, approve, reason)}
            onSend={() => void act("发送", path("send"), {}, "群发已提交微信发送。")}
          />
        )}
      </div>
      {confirmDialog}
    </section>
  );
}
