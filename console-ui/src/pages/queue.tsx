// The claims queue: claims waiting for review (or another status), oldest first or the claim
// clock due first (the server's order), each with its nearest clock, refreshed every 30 seconds
// and when the tab is shown again; ↑↓ / j k move between rows, Enter opens one.
import { signal } from "@preact/signals";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, api, errorText } from "../api";
import { formatAge, formatTime } from "../format";
import { useInterval, useOnVisible, useTitle } from "../hooks";
import { useKeys } from "../keys";
import { labels } from "../labels";
import { type Route, go, hashFor, replaceHash } from "../router";
import { whenSignedOut } from "../session";
import { showBanner } from "../ui/banner";
import { FlagChip, StatusChip } from "../ui/chips";
import { ClockBadge } from "./claim/clocks";
import type { QueueRow } from "./claim/types";
import { ForbiddenPage } from "./forbidden";

const REFRESH_MS = 30_000;
const LATE_MINUTES = 120; // the customer is told "usually within 2 hours"
const SOON_MINUTES = 60;
const WAITING = ["survey_received", "under_review"];

export interface QueueFilters {
  status: string;
  flag: string;
  /** "waiting" (longest first) or "due" (the nearest claim clock first) */
  sort: string;
}

const FIRST: QueueFilters = { status: "waiting", flag: "", sort: "waiting" };

/** The filters last used: the claim page's way back returns to them. */
export const queueFilters = signal<QueueFilters>(FIRST);
/** The claim last opened from the queue: its row has the focus again on the way back. */
const lastClaimNo = signal<string | null>(null);

whenSignedOut(() => {
  queueFilters.value = FIRST;
  lastClaimNo.value = null;
});

export function queueHash(filters: QueueFilters = queueFilters.value): string {
  const params: Record<string, string> = { status: filters.status };
  if (filters.flag) params.flag = filters.flag;
  if (filters.sort !== "waiting") params.sort = filters.sort;
  return hashFor(["queue"], params);
}

function filtersFrom(params: URLSearchParams): QueueFilters {
  const status = params.get("status") ?? "";
  const known = labels().queue_filters.some(([code]) => code === status);
  const sort = params.get("sort") ?? "";
  const sorted = labels().queue_sorts.some(([code]) => code === sort);
  return {
    status: known ? status : "waiting",
    flag: params.get("flag") ?? "",
    sort: sorted ? sort : "waiting",
  };
}

/** The API sends the queue oldest first; timestamps may carry different UTC offsets, so order
 * by the instant (stable: equal instants keep the API's order). */
function oldestFirst(claims: QueueRow[]): QueueRow[] {
  const at = (c: QueueRow) => {
    const t = Date.parse(c.waiting_since);
    return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
  };
  return claims
    .map((c, i) => ({ t: at(c), i, c }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.c);
}

function openClaim(claimNo: string): void {
  lastClaimNo.value = claimNo;
  go(hashFor(["claim", claimNo]));
}

type Loaded =
  | { phase: "loading" }
  | { phase: "failed" }
  | { phase: "ready"; claims: QueueRow[]; at: Date };

function ageClass(c: QueueRow): string {
  const age = Number(c.age_minutes);
  if (!WAITING.includes(c.status)) return "age num";
  if (age >= LATE_MINUTES) return "age num late";
  if (age >= SOON_MINUTES) return "age num soon";
  return "age num";
}

function Row({ claim }: { claim: QueueRow }) {
  return (
    <tr
      tabIndex={0}
      data-testid="queue-row"
      data-claim-no={claim.claim_no}
      onClick={() => openClaim(claim.claim_no)}
      onKeyDown={(e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          openClaim(claim.claim_no);
        }
      }}
    >
      <td class="claim-no mono">{claim.claim_no}</td>
      <td class={ageClass(claim)} title={`自 ${formatTime(claim.waiting_since)}`}>
        {formatAge(claim.age_minutes)}
      </td>
      <td class="nowrap">{claim.plate_masked || "—"}</td>
      <td>
        {(claim.flags ?? []).map((f) => (
          <FlagChip key={f} code={f} count={claim.reshoots} />
        ))}
      </td>
      <td class="num">{`${claim.photos ?? 0}/5`}</td>
      <td>
        <StatusChip status={claim.status} text={claim.status_text} />
      </td>
      <td class="nowrap">
        <ClockBadge clock={claim.clock} />
      </td>
    </tr>
  );
}

function EmptyRow({ text }: { text: string }) {
  return (
    <tr class="empty">
      <td colSpan={7}>{text}</td>
    </tr>
  );
}

export function QueuePage({ route }: { route: Route }) {
  // The filters the hash names, or those chosen on this page since (which replace the hash
  // without a new route).
  const [chosen, setChosen] = useState<{ seq: number; filters: QueueFilters } | null>(null);
  const filters = useMemo(
    () => (chosen && chosen.seq === route.seq ? chosen.filters : filtersFrom(route.params)),
    [chosen, route],
  );
  const [loaded, setLoaded] = useState<Loaded>({ phase: "loading" });
  const [forbidden, setForbidden] = useState(false);
  const seqRef = useRef(0);
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  useTitle(labels().app_title);

  useEffect(() => {
    queueFilters.value = filters;
  }, [filters]);

  const load = useCallback(async (quiet = false): Promise<void> => {
    const seq = ++seqRef.current;
    const query = new URLSearchParams({ status: filters.status });
    if (filters.flag) query.set("flag", filters.flag);
    if (filters.sort !== "waiting") query.set("sort", filters.sort);
    try {
      const data = await api<{ claims?: QueueRow[] }>(`/claims?${query.toString()}`, { quiet });
      if (seq !== seqRef.current) return; // a newer request, or the page has gone
      showBanner("");
      const claims = data.claims ?? [];
      // Due first is the server's order (it knows the clocks); oldest first is kept here.
      const ordered = filters.sort === "due" ? claims : oldestFirst(claims);
      setLoaded({ phase: "ready", claims: ordered, at: new Date() });
    } catch (err) {
      if (seq !== seqRef.current) return;
      const status = err instanceof ApiError ? err.status : 0;
      if (status === 403) {
        setForbidden(true);
        return;
      }
      if (status === 401) return;
      showBanner(`队列加载失败：${errorText(err)}`);
      if (!quiet) setLoaded({ phase: "failed" });
    }
  }, [filters]);

  useEffect(() => {
    void load();
  }, [load, route.seq]);

  // The page's requests answered after it has gone are ignored.
  useEffect(
    () => () => {
      seqRef.current += 1;
    },
    [],
  );

  useInterval(REFRESH_MS, () => {
    if (!document.hidden) void load(true);
  });
  useOnVisible(() => void load(true));

  // Coming back from a claim: its row has the focus again (unless the member moved it).
  useEffect(() => {
    if (loaded.phase !== "ready") return;
    const again = document.activeElement === document.body ? lastClaimNo.value : null;
    if (!again) return;
    const row = bodyRef.current?.querySelector<HTMLElement>(
      `tr[data-claim-no="${CSS.escape(again)}"]`,
    );
    row?.focus();
  }, [loaded]);

  useKeys((e) => {
    const rows = [...(bodyRef.current?.querySelectorAll<HTMLElement>("tr[data-claim-no]") ?? [])];
    const at = rows.indexOf(document.activeElement as HTMLElement);
    if (e.key === "ArrowDown" || e.key === "j") {
      e.preventDefault();
      rows[Math.min(rows.length - 1, at + 1)]?.focus();
    } else if (e.key === "ArrowUp" || e.key === "k") {
      e.preventDefault();
      rows[Math.max(0, at - 1)]?.focus();
    } else if (e.key === "r") {
      e.preventDefault();
      void load();
    }
  });

  if (forbidden) return <ForbiddenPage what="claims" />;

  const change = (next: QueueFilters) => {
    setChosen({ seq: route.seq, filters: next });
    replaceHash(queueHash(next));
  };
  const emptyText =
    filters.status === "waiting" && !filters.flag ? "没有待审核的赔案" : "没有符合条件的赔案";

  let rows;
  if (loaded.phase === "loading") rows = <EmptyRow text="加载中…" />;
  else if (loaded.phase === "failed") rows = <EmptyRow text="加载失败" />;
  else if (loaded.claims.length === 0) rows = <EmptyRow text={emptyText} />;
  else rows = loaded.claims.map((c) => <Row key={c.claim_no} claim={c} />);

  return (
    <section data-testid="queue-view">
      <div class="queue-head">
        <h1>赔案队列</h1>
        <div class="filters">
          <label for="filter-status">状态</label>
          <select
            id="filter-status"
            data-testid="filter-status"
            value={filters.status}
            onChange={(e) => change({ ...filters, status: e.currentTarget.value })}
          >
            {labels().queue_filters.map(([code, label]) => (
              <option key={code} value={code}>
                {label}
              </option>
            ))}
          </select>
          <label for="filter-flag">标记</label>
          <select
            id="filter-flag"
            data-testid="filter-flag"
            value={filters.flag}
            onChange={(e) => change({ ...filters, flag: e.currentTarget.value })}
          >
            <option value="">全部</option>
            {Object.entries(labels().flags).map(([code, label]) => (
              <option key={code} value={code}>
                {label}
              </option>
            ))}
          </select>
          <label for="queue-sort">排序</label>
          <select
            id="queue-sort"
            data-testid="queue-sort"
            value={filters.sort}
            onChange={(e) => change({ ...filters, sort: e.currentTarget.value })}
          >
            {labels().queue_sorts.map(([code, label]) => (
              <option key={code} value={code}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <span class="count" id="queue-count" data-testid="queue-count">
          {loaded.phase === "ready" ? `共 ${loaded.claims.length} 件` : ""}
        </span>
        <span class="spacer" />
        <span class="faint" id="queue-updated" data-testid="queue-updated">
          {loaded.phase === "ready"
            ? `更新于 ${formatTime(loaded.at.toISOString(), { seconds: true }).slice(11)} · 每 30 秒自动刷新`
            : ""}
        </span>
        <button
          type="button"
          data-testid="queue-refresh"
          title="刷新 (r)"
          onClick={() => void load()}
        >
          刷新
        </button>
      </div>
      <table class="queue" data-testid="queue-table">
        <thead>
          <tr>
            <th>报案号</th>
            <th>已等待</th>
            <th>车牌</th>
            <th>标记</th>
            <th>照片</th>
            <th>状态</th>
            <th title="《保险法》第23、24条：最近到期的时效">时效</th>
          </tr>
        </thead>
        <tbody id="queue-body" ref={bodyRef}>
          {rows}
        </tbody>
      </table>
    </section>
  );
}
