// The claim's photos: the five slots with their checks, the photos not used, and the list the
// viewer steps through (the slots in order, then the others).
import { formatBytes, formatNumber, formatTime } from "../../format";
import { labels, slotLabel } from "../../labels";
import { Chip, FlagChip } from "../../ui/chips";
import type { ViewerItem } from "../../ui/viewer";
import type { ClaimDetail, OtherPhoto, PhotoLinks, SlotPhoto } from "./types";

/** Fresh pre-signed links by photo key ("slot-2", "other-<seq>"), over the loaded ones. */
export type Links = Record<string, PhotoLinks>;

export function slotNumbers(): number[] {
  return Object.keys(labels().slots)
    .map(Number)
    .sort((a, b) => a - b);
}

function qcReason(code: string): string {
  return labels().qc_reasons[code] ?? code;
}

function isSlotPhoto(p: SlotPhoto | OtherPhoto): p is SlotPhoto {
  return "qc" in p;
}

function viewerInfo(p: SlotPhoto | OtherPhoto): string {
  const parts: string[] = [];
  if (isSlotPhoto(p)) {
    const m = p.qc.metrics ?? {};
    if (m.width && m.height) parts.push(`${m.width}×${m.height}`);
    if (m.sharpness != null) parts.push(`清晰度 ${formatNumber(m.sharpness, 2)}`);
    if (m.brightness != null) parts.push(`亮度 ${formatNumber(m.brightness, 0)}`);
    if (m.size != null) parts.push(formatBytes(m.size));
    const exif = p.exif ?? {};
    if (exif.captured_at) parts.push(`拍摄 ${formatTime(exif.captured_at)}`);
    if (exif.device) parts.push(exif.device);
  }
  if (p.received_at) parts.push(`收到 ${formatTime(p.received_at)}`);
  if (isSlotPhoto(p) && p.vin?.read) parts.push(`车架号 ${p.vin.read}`);
  const reasons = isSlotPhoto(p) ? p.qc.reasons ?? [] : p.reasons ?? [];
  if (reasons.length) parts.push(reasons.map(qcReason).join("、"));
  return parts.join(" · ");
}

function item(key: string, title: string, p: SlotPhoto | OtherPhoto, links: Links): ViewerItem {
  const fresh = links[key];
  return {
    key,
    title,
    info: viewerInfo(p),
    thumbUrl: fresh ? fresh.thumb_url : p.thumb_url,
    fullUrl: fresh ? fresh.full_url : p.full_url,
  };
}

/** The photos the viewer steps through: the slots in order, then the others. */
export function photoItems(d: ClaimDetail, links: Links): ViewerItem[] {
  const items: ViewerItem[] = [];
  for (const slot of slotNumbers()) {
    const p = (d.photos ?? []).find((x) => x.slot === slot);
    if (p) items.push(item(`slot-${slot}`, `${slot} ${slotLabel(slot, p.label)}`, p, links));
  }
  (d.others ?? []).forEach((o, i) => {
    const why = (o.reasons ?? []).map(qcReason).join("、");
    const was = o.slot ? `（第${o.slot}张）` : "";
    items.push(item(`other-${o.seq}`, `其他照片 ${i + 1}${was}${why ? ` · ${why}` : ""}`, o, links));
  });
  return items;
}

/** The thumbnail; a broken one (most likely an expired link) asks for fresh links once. */
function PhotoImg({ item, onBroken }: { item: ViewerItem; onBroken: () => void }) {
  return (
    <img
      src={item.thumbUrl ?? ""}
      alt={item.title}
      loading="eager"
      decoding="async"
      data-photo-key={item.key}
      onError={(e) => {
        const img = e.currentTarget;
        if (img.dataset.retried === img.src) return;
        img.dataset.retried = img.src;
        onBroken();
      }}
    />
  );
}

function Fact({ label, value, bad }: { label: string; value: string; bad?: boolean }) {
  return (
    <>
      <dt>{label}</dt>
      <dd class={bad ? "bad" : ""}>{value}</dd>
    </>
  );
}

function VinRead({ p }: { p: SlotPhoto }) {
  const v = p.vin;
  if (!v) return null;
  let verdict = (
    <Chip testid="vin-verdict">保单无车架号可比</Chip>
  );
  if (v.matches_policy === true) {
    verdict = (
      <Chip tone="ok" testid="vin-verdict">
        与保单一致
      </Chip>
    );
  } else if (v.matches_policy === false) {
    verdict = (
      <Chip tone="bad" testid="vin-verdict">
        与保单不符
      </Chip>
    );
  }
  return (
    <div class="vin" data-testid="vin">
      <div>
        <span class="faint">车架号识别</span>
        {v.score != null && <span class="faint">{` · 置信度 ${formatNumber(v.score, 2)}`}</span>}
      </div>
      {v.read ? <span class="vin-line">{v.read}</span> : <span class="bad">未识别</span>}
      <div>{verdict}</div>
    </div>
  );
}

function PhotoQc({ p }: { p: SlotPhoto }) {
  const m = p.qc?.metrics ?? {};
  const reasons = p.qc?.reasons ?? [];
  const flags = p.flags ?? [];
  const exif = p.exif ?? {};
  const w = m.width || exif.width;
  const h = m.height || exif.height;
  const km = exif.km_from_place;
  return (
    <div class="photo-qc" data-testid={`photo-qc-${p.slot}`}>
      <dl>
        <Fact label="清晰度" value={formatNumber(m.sharpness, 2)} bad={reasons.includes("blurred")} />
        <Fact
          label="亮度"
          value={formatNumber(m.brightness, 0)}
          bad={reasons.includes("too_dark") || reasons.includes("too_bright")}
        />
        <Fact label="尺寸" value={w && h ? `${w}×${h}` : "—"} bad={reasons.includes("too_small")} />
        {exif.captured_at && (
          <Fact
            label="拍摄"
            value={formatTime(exif.captured_at)}
            bad={flags.includes("taken_before_accident")}
          />
        )}
        {typeof km === "number" && (
          <Fact label="距出险地点" value={`${formatNumber(km, 1)} 公里`} bad={km > 5} />
        )}
        {exif.device && <Fact label="设备" value={exif.device} />}
        {p.received_at && <Fact label="收到" value={formatTime(p.received_at)} />}
      </dl>
      <VinRead p={p} />
      {(reasons.length > 0 || flags.length > 0) && (
        <div>
          {reasons.map((r) => (
            <Chip key={r} tone="warn" testid="qc-reason">
              {qcReason(r)}
            </Chip>
          ))}
          {/* A VIN mismatch is already said by the VIN verdict above. */}
          {flags
            .filter((f) => !(p.vin && f === "vin_mismatch"))
            .map((f) => (
              <FlagChip key={f} code={f} />
            ))}
        </div>
      )}
      {reasons.length === 0 && flags.length === 0 && (
        <div>
          <Chip tone="ok" testid="qc-ok">
            质检通过
          </Chip>
        </div>
      )}
    </div>
  );
}

interface PanelProps {
  detail: ClaimDetail;
  items: ViewerItem[];
  open: (index: number) => void;
  onBroken: () => void;
}

function PhotoCard({ slot, p, items, open, onBroken }: Omit<PanelProps, "detail"> & {
  slot: number;
  p: SlotPhoto | undefined;
}) {
  const title = (
    <div class="photo-title">
      <span class="slot">{slot}</span>
      <span>{slotLabel(slot, p?.label)}</span>
    </div>
  );
  const at = items.findIndex((x) => x.key === `slot-${slot}`);
  const shown = items[at];
  if (!p || !shown) {
    return (
      <figure class="photo missing flush" data-testid={`photo-slot-${slot}`} data-slot={slot}>
        {title}
        <div class="photo-frame" data-testid={`photo-missing-${slot}`}>
          未收到
        </div>
      </figure>
    );
  }
  const reasons = p.qc?.reasons ?? [];
  const flags = p.flags ?? [];
  let cls = "photo";
  if (p.vin?.matches_policy === false || flags.includes("taken_before_accident")) cls += " has-bad";
  else if (reasons.length || flags.length) cls += " has-issue";
  return (
    <figure class={`${cls} flush`} data-testid={`photo-slot-${slot}`} data-slot={slot}>
      {title}
      <button
        type="button"
        class="photo-frame"
        data-testid={`photo-open-${slot}`}
        title={`查看大图 (${slot})`}
        onClick={() => open(at)}
      >
        <PhotoImg item={shown} onBroken={onBroken} />
        <span class="zoom-hint">点击放大</span>
      </button>
      <PhotoQc p={p} />
    </figure>
  );
}

export function PhotosPanel({ detail, items, open, onBroken }: PanelProps) {
  const photos = detail.photos ?? [];
  const slots = slotNumbers();
  return (
    <section class="panel" data-testid="photos">
      <h2>{`查勘照片（${photos.length}/${slots.length}）`}</h2>
      <div class="panel-body photos-wrap">
        <div class="photos">
          {slots.map((slot) => (
            <PhotoCard
              key={slot}
              slot={slot}
              p={photos.find((x) => x.slot === slot)}
              items={items}
              open={open}
              onBroken={onBroken}
            />
          ))}
        </div>
      </div>
    </section>
  );
}

export function OthersPanel({ detail, items, open, onBroken }: PanelProps) {
  const others = detail.others ?? [];
  if (!others.length) return null;
  return (
    <details class="panel" data-testid="others">
      <summary>{`其他照片（${others.length}）：未采用、重复或多余`}</summary>
      <div class="panel-body others">
        {others.map((o) => {
          const at = items.findIndex((x) => x.key === `other-${o.seq}`);
          const shown = items[at];
          const reasons = o.reasons ?? [];
          return (
            <figure key={o.seq} class="other flush" data-testid="other-photo">
              {shown && (
                <button
                  type="button"
                  class="photo-frame"
                  title="查看大图"
                  onClick={() => open(at)}
                >
                  <PhotoImg item={shown} onBroken={onBroken} />
                </button>
              )}
              <figcaption>
                {reasons.length ? (
                  reasons.map((r) => (
                    <Chip key={r} tone="warn">
                      {qcReason(r)}
                    </Chip>
                  ))
                ) : (
                  <Chip>未采用</Chip>
                )}
              </figcaption>
            </figure>
          );
        })}
      </div>
    </details>
  );
}
