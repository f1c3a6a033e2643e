// The audit page (审计日志), for auditors and supervisors: the console's append-only,
// hash-chained log narrowed by period, staff member and kind of action, newest first, a page at
// a time; and the chain check. Reading the log is not itself audited (nor is it in the API).
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, errorText } from "../../api";
import { useTitle } from "../../hooks";
import { labels } from "../../labels";
import type { Route } from "../../router";
import { AuditFilters, filterFrom, filterHash, filterParams } from "./filters";
import { AuditTable } from "./table";
import type { AuditPageAnswer, AuditRow } from "./types";
import { ChainCheck } from "./verify";

const PAGE = 50;

type Log =
  | { phase: "loading" }
  | { phase: "failed"; error: string }
  | { phase: "ready"; entries: AuditRow[]; next: number | null; more: boolean };

function query(params: Record<string, string>, before: number | null): string {
  const all = new URLSearchParams({ ...params, limit: String(PAGE) });
  if (before != null) all.set("before", String(before));
  return `/audit?${all.toString()}`;
}

export function AuditPage({ route }: { route: Route }) {
  useTitle(`审计日志 · ${labels().app_title}`);
  const filter = filterFrom(route.params);
  const params = filterParams(filter);
  const key = JSON.stringify(params);
  const [log, setLog] = useState<Log>({ phase: "loading" });

  useEffect(() => {
    let live = true;
    setLog({ phase: "loading" });
    api<AuditPageAnswer>(query(JSON.parse(key) as Record<string, string>, null)).then(
      (answer) => {
        if (live) setLog({ phase: "ready", entries: answer.entries, next: answer.next, more: false });
      },
      (err: unknown) => {
        if (live && !(err instanceof ApiError && err.status === 401)) {
          setLog({ phase: "failed", error: errorText(err) });
        }
      },
    );
    return () => {
      live = false;
    };
  }, [key, route.seq]);

  const older = async () => {
    if (log.phase !== "ready" || log.next == null) return;
    setLog({ ...log, more: true });
    try {
      const answer = await api<AuditPageAnswer>(query(params, log.next));
      setLog({
        phase: "ready",
        entries: [...log.entries, ...answer.entries],
        next: answer.next,
        more: false,
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      setLog({ phase: "failed", error: errorText(err) });
    }
  };

  const filterWho = (who: string) => filterHash({ ...filter, who });

  return (
    <section class="audit-page" data-testid="audit-view">
      <div class="queue-head">
        <h1>审计日志</h1>
        <span class="count">
          员工在审核台的每一次查看、决定、查询、导出和结案都记录在此，只能追加，不能修改。
        </span>
      </div>
      <ChainCheck />
      <AuditFilters key={key} initial={filter} />
      {log.phase === "loading" && <p class="muted pad">加载中…</p>}
      {log.phase === "failed" && (
        <p class="result bad" data-testid="audit-error">{`加载失败：${log.error}`}</p>
      )}
      {log.phase === "ready" && (
        <>
          <AuditTable entries={log.entries} filterWho={filterWho} />
          <div class="audit-foot">
            <span class="muted" data-testid="audit-count">{`已显示 ${log.entries.length} 条`}</span>
            {log.next != null ? (
              <button
                type="button"
                disabled={log.more}
                onClick={() => void older()}
                data-testid="audit-more"
              >
                {log.more ? "加载中…" : "更早的记录"}
              </button>
            ) : (
              <span class="faint">没有更早的符合条件的记录</span>
            )}
          </div>
        </>
      )}
    </section>
  );
}
