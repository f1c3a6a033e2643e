// One campaign being written: kind, text or article (title, cover picture), the audience.
// The server checks every rule (domain/campaigns.py) and says what to change.
import { useState } from "preact/hooks";
import { labels } from "../../labels";
import type { Campaign, Draft, Listing } from "./types";

function readPicture(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = typeof reader.result === "string" ? reader.result : "";
      resolve(url.slice(url.indexOf(",") + 1));
    };
    reader.onerror = () => reject(new Error("无法读取图片"));
    reader.readAsDataURL(file);
  });
}

export function CampaignForm(props: {
  listing: Listing;
  campaign: Campaign | null;
  error: string;
  onSave: (draft: Draft) => void;
  onCancel: () => void;
}) {
  const { listing, campaign, error, onSave, onCancel } = props;
  const l = labels();
  const [draft, setDraft] = useState<Draft>(() => ({
    kind: campaign?.kind ?? l.campaign_kinds[0]?.[0] ?? "",
    format: campaign?.format ?? "text",
    title: campaign?.title ?? "",
    text: campaign?.text ?? "",
    audience: campaign?.audience ?? { kind: "bound" },
  }));
  const [pictureNote, setPictureNote] = useState(campaign?.has_picture ? "已有封面图片" : "");
  const set = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const setAudience = (change: Partial<Draft["audience"]>) =>
    setDraft((d) => ({ ...d, audience: { ...d.audience, ...change } }));
  const limits = listing.limits;

  return (
    <form
      class="panel campaign-form"
      data-testid="campaign-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        onSave(draft);
      }}
    >
      <h2>{campaign ? `修改群发` : "新建群发"}</h2>
      <div class="campaign-fields">
        <label>
          <span>类型</span>
          <select
            data-testid="campaign-kind"
            value={draft.kind}
            onChange={(e) => set({ kind: e.currentTarget.value })}
          >
            {l.campaign_kinds.map(([code, label]) => (
              <option key={code} value={code}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>形式</span>
          <select
            data-testid="campaign-format"
            value={draft.format}
            onChange={(e) => set({ format: e.currentTarget.value })}
          >
            {l.campaign_formats.map(([code, label]) => (
              <option key={code} value={code}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {draft.format === "article" && (
          <label>
            <span>标题</span>
            <input
              data-testid="campaign-title"
              maxLength={limits.title}
              value={draft.title}
              onInput={(e) => set({ title: e.currentTarget.value })}
            />
          </label>
        )}
        {draft.format === "article" && (
          <label>
            <span>封面</span>
            <input
              type="file"
              accept="image/jpeg"
              data-testid="campaign-picture"
              onChange={(e) => {
                const file = e.currentTarget.files?.[0];
                if (!file) return;
                readPicture(file).then(
                  (picture) => {
                    set({ picture });
                    setPictureNote(`${file.name}（${Math.ceil(file.size / 1024)} KB）`);
                  },
                  () => setPictureNote("无法读取图片"),
                );
              }}
            />
            <span class="faint">{pictureNote || `JPEG，${limits.picture_bytes / 1024} KB 以内`}</span>
          </label>
        )}
      </div>
      <label class="campaign-text">
        <span>{`正文（${limits.min_text}–${limits.text} 字，不推广告）`}</span>
        <textarea
          data-testid="campaign-text"
          rows={5}
          maxLength={limits.text}
          value={draft.text}
          onInput={(e) => set({ text: e.currentTarget.value })}
        />
        <span class="faint">{`${draft.text.length} / ${limits.text}`}</span>
      </label>
      <fieldset class="campaign-audience">
        <legend>发送对象</legend>
        <select
          data-testid="campaign-audience"
          value={draft.audience.kind}
          onChange={(e) => setAudience({ kind: e.currentTarget.value })}
        >
          {l.campaign_audiences.map(([code, label]) => (
            <option key={code} value={code}>
              {label}
            </option>
          ))}
        </select>
        {draft.audience.kind === "region" && (
          <input
            data-testid="campaign-region"
            placeholder="车牌省份简称，可加城市字母：粤 或 粤B"
            value={draft.audience.region ?? ""}
            onInput={(e) => setAudience({ region: e.currentTarget.value })}
          />
        )}
        {draft.audience.kind === "ending" && (
          <span class="campaign-dates">
            <input
              type="date"
              data-testid="campaign-ends-from"
              aria-label="到期日从"
              value={draft.audience.ends_from ?? ""}
              onInput={(e) => setAudience({ ends_from: e.currentTarget.value })}
            />
            <span>至</span>
            <input
              type="date"
              data-testid="campaign-ends-to"
              aria-label="到期日至"
              value={draft.audience.ends_to ?? ""}
              onInput={(e) => setAudience({ ends_to: e.currentTarget.value })}
            />
            <span class="faint">{`最多 ${limits.ending_days} 天`}</span>
          </span>
        )}
      </fieldset>
      <p class="faint">
        退订的客户、本周已收过群发或推送已满的客户、本月已收满 4 条微信群发的粉丝不会收到。
      </p>
      {error && (
        <p class="result bad" data-testid="campaign-form-error">
          {error}
        </p>
      )}
      <div class="campaign-form-actions">
        <button type="submit" class="primary" data-testid="campaign-save">
          保存草稿
        </button>
        <button type="button" onClick={onCancel}>
          取消
        </button>
      </div>
    </form>
  );
}
