// A claim's page: its photos and their checks, the accident, the policy, the conversation, the
// decision panel, the progress and (for those who may read it) the audit log. Keys: 1–5 open a
// photo, r loads the claim again, Esc goes back to the queue.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, api, errorText } from "../../api";
import { useInterval, useOnVisible, useTitle } from "../../hooks";
import { useKeys } from "../../keys";
import { labels } from "../../labels";
import { go, route } from "../../router";
import { mayViewAudit } from "../../session";
import { FlagChip, StatusChip } from "../../ui/chips";
import { PhotoViewer } from "../../ui/viewer";
import { ForbiddenPage } from "../forbidden";
import { queueHash } from "../queue";
import { AuditPanel } from "./audit";
import { ClocksPanel } from "./clocks";
import { ConversationPanel } from "./conversation";
import { DecisionPanel } from "./decision";
import { AccidentPanel, PolicyPanel } from "./facts";
import { type Links, OthersPanel, PhotosPanel, photoItems } from "./photos";
import { TimelinePanel } from "./timeline";
import type { ClaimDetail, ClaimInfo, PhotoLinks } from "./types";

/** Photo links are pre-signed for at most 5 minutes: fresh ones are fetched before then. */
const URL_REFRESH_MS = 4 * 60_000;

type Shown =
  | { phase: "loading" }
  | { phase: "forbidden" }
  | { phase: "failed"; error: string }
  | { phase: "ready"; detail: ClaimDetail; loads: number };

function BackLink() {
  return (
    <a href={queueHash()} data-testid="back-to-queue" title="返回 (Esc)">
      ← 队列
    </a>
  );
}

function Frame({ claimNo, children }: { claimNo: string; children: ComponentChildren }) {
  return (
    <section data-testid="claim-view">
      <div class="claim-head">
        <BackLink />
        <h1>{claimNo}</h1>
      </div>
      {children}
    </section>
  );
}

/** The claim again for fresh photo links, and whether it has moved on meanwhile. */
function useFreshLinks(claimNo: string, shown: Shown, loadedAtRef: { current: number }) {
  const [links, setLinks] = useState<{ loads: number; links: Links }>({ loads: 0, links: {} });
  const [changed, setChanged] = useState<{ loads: number; claim: ClaimInfo } | null>(null);
  const pendingRef = useRef<Promise<boolean> | null>(null);
  const ready = shown.phase === "ready" ? shown : null;
  const loads = ready?.loads ?? 0;
  const version = ready?.detail.claim.version;

  const refresh = useCallback((): Promise<boolean> => {
    if (pendingRef.current) return pendingRef.current;
    if (version === undefined) return Promise.resolve(false);
    const pending = (async () => {
      try {
        const data = await api<ClaimDetail>(`/claims/${encodeURIComponent(claimNo)}`, {
          quiet: true,
        });
        const fresh: Links = {};
        const keep = ({ thumb_url, full_url }: PhotoLinks) => ({ thumb_url, full_url });
        for (const p of data.photos ?? []) fresh[`slot-${p.slot}`] = keep(p);
        for (const o of data.others ?? []) fresh[`other-${o.seq}`] = keep(o);
        loadedAtRef.current = Date.now();
        setLinks({ loads, links: fresh });
        if (data.claim.version !== version) setChanged({ loads, claim: data.claim });
        return true;
      } catch {
        return false;
      } finally {
        pendingRef.current = null;
      }
    })();
    pendingRef.current = pending;
    return pending;
  }, [claimNo, loads, version, loadedAtRef]);

  // The links of the photos as loaded, until fresh ones come (a new load starts over).
  return {
    links: links.loads === loads ? links.links : {},
    changed: changed && changed.loads === loads ? changed.claim : null,
    refresh,
  };
}

export function ClaimPage({ claimNo }: { claimNo: string }) {
  const [shown, setShown] = useState<Shown>({ phase: "loading" });
  const [viewing, setViewing] = useState<{ seq: number; index: number } | null>(null);
  const seqRef = useRef(0);
  const loadsRef = useRef(0);
  const loadedAtRef = useRef(0);
  const routeSeq = route.value.seq;
  useTitle(labels().app_title);

  const load = useCallback(async (): Promise<void> => {
    const seq = ++seqRef.current;
    try {
      const detail = await api<ClaimDetail>(`/claims/${encodeURIComponent(claimNo)}`);
      if (seq !== seqRef.current) return; // a newer load, or the page has gone
      loadedAtRef.current = Date.now();
      loadsRef.current += 1;
      setShown({ phase: "ready", detail, loads: loadsRef.current });
    } catch (err) {
      if (seq !== seqRef.current) return;
      const status = err instanceof ApiError ? err.status : 0;
      if (status === 401) return;
      if (status === 403) setShown({ phase: "forbidden" });
      else if (status === 404) setShown({ phase: "failed", error: "找不到这个赔案" });
      else setShown({ phase: "failed", error: `赔案加载失败：${errorText(err)}` });
    }
  }, [claimNo]);

  // Every route to the claim (a link, the same hash again) loads it again.
  useEffect(() => {
    void load();
  }, [load, routeSeq]);
  useEffect(
    () => () => {
      seqRef.current += 1;
    },
    [],
  );

  const { links, changed, refresh } = useFreshLinks(claimNo, shown, loadedAtRef);
  const detail = shown.phase === "ready" ? shown.detail : null;
  const items = useMemo(() => (detail ? photoItems(detail, links) : []), [detail, links]);

  useInterval(URL_REFRESH_MS, () => {
    if (!document.hidden && detail) void refresh();
  });
  useOnVisible(() => {
    if (detail && Date.now() - loadedAtRef.current > URL_REFRESH_MS) void refresh();
  });

  const openPhoto = async (index: number) => {
    if (index < 0 || !items.length) return;
    if (Date.now() - loadedAtRef.current > URL_REFRESH_MS) await refresh();
    setViewing({ seq: routeSeq, index });
  };
  const onBroken = () => {
    if (Date.now() - loadedAtRef.current > 30_000) void refresh();
  };

  useKeys((e) => {
    if (!detail) return;
    if (/^[1-5]$/.test(e.key)) {
      const at = items.findIndex((x) => x.key === `slot-${e.key}`);
      if (at >= 0) {
        e.preventDefault();
        void openPhoto(at);
      }
    } else if (e.key === "r") {
      e.preventDefault();
      void load();
    } else if (e.key === "Escape") {
      e.preventDefault();
      const active = document.activeElement;
      if (active instanceof HTMLElement && active !== document.body && active.closest(".actions")) {
        active.blur(); // the first Esc leaves the form; the next one goes back to the queue
        return;
      }
      go(queueHash());
    }
  });

  if (shown.phase === "forbidden") return <ForbiddenPage what="claims" />;
  if (shown.phase === "loading") {
    return (
      <Frame claimNo={claimNo}>
        <p class="muted">加载中…</p>
      </Frame>
    );
  }
  if (shown.phase === "failed") {
    return (
      <Frame claimNo={claimNo}>
        <p class="banner" data-testid="claim-error">
          {shown.error}{" "}
          <button type="button" onClick={() => void load()}>
            重试
          </button>
        </p>
      </Frame>
    );
  }

  const d = shown.detail;
  const c = d.claim;
  const panelProps = { detail: d, items, open: (i: number) => void openPhoto(i), onBroken };
  // The viewer closes on every route (as any hash change did).
  const viewerAt = viewing && viewing.seq === routeSeq ? viewing.index : null;
  return (
    <section data-testid="claim-view" data-claim-no={c.claim_no} data-version={c.version}>
      <div class="claim-head">
        <BackLink />
        <h1 class="mono" data-testid="claim-no">
          {c.claim_no}
        </h1>
        <StatusChip status={c.status} text={c.status_text} />
        {(d.flags ?? []).map((f) => (
          <FlagChip key={f} code={f} />
        ))}
        <span class="spacer" />
        {d.contact_sheet_url && (
          <a
            href={d.contact_sheet_url}
            target="_blank"
            rel="noopener noreferrer"
            data-testid="contact-sheet"
          >
            照片总览图 ↗
          </a>
        )}
        <button
          type="button"
          data-testid="claim-reload"
          title="重新加载 (r)"
          onClick={() => void load()}
        >
          重新加载
        </button>
      </div>
      <div class="banner info" id="claim-changed" data-testid="claim-changed" hidden={!changed}>
        {changed && (
          <>
            {`此赔案已在别处更新（当前状态：${changed.status_text || changed.status}），`}
            {"您看到的可能不是最新内容。 "}
            <button type="button" onClick={() => void load()}>
              重新加载
            </button>
          </>
        )}
      </div>
      <div class="claim-layout">
        <div class="claim-main">
          <PhotosPanel {...panelProps} />
          <OthersPanel {...panelProps} />
          <div class="two-col">
            <AccidentPanel detail={d} />
            <PolicyPanel detail={d} />
          </div>
          <ConversationPanel detail={d} />
        </div>
        <aside class="claim-side">
          <DecisionPanel detail={d} reload={load} />
          <ClocksPanel claim={c} />
          <TimelinePanel claim={c} />
          {mayViewAudit() && <AuditPanel claimNo={c.claim_no} loads={shown.loads} />}
        </aside>
      </div>
      {viewerAt !== null && (
        <PhotoViewer
          items={items}
          index={viewerAt}
          onIndex={(index) => setViewing({ seq: routeSeq, index })}
          onClose={() => setViewing(null)}
          refresh={refresh}
        />
      )}
    </section>
  );
}
