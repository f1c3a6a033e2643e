// 服务轨迹: for auditors, one customer's contacts in a period — chat sessions, notices,
// handoffs, tickets, claims, self-surveys, quotes, ratings — as one timeline by day, with the
// places the customer got stuck marked (chalicelib/domain/service_paths.py). The customer is
// named as on the records page; the look-up lives in the hash and the server audits each one.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api, errorText } from "../../api";
import { useTitle } from "../../hooks";
import { labels } from "../../labels";
import { type Route, go } from "../../router";
import { hasRole } from "../../session";
import { byLabel, findBy } from "../records/query";
import "./paths.css";
import { PathSearch } from "./search";
import { Timeline, channelName } from "./timeline";
import { type PathAnswer, type PathQuery, pathHash } from "./types";

export const mayViewPaths = (): boolean => hasRole("auditor");

type Result =
  | { state: "idle" }
  | { state: "loading" }
  | { state: "failed"; message: string }
  | { state: "ready"; answer: PathAnswer };

function queryFrom(params: URLSearchParams): PathQuery {
  const by = params.get("by") ?? "";
  return {
    by: findBy().some(([code]) => code === by) ? by : "claim",
    value: (params.get("value") ?? "").trim(),
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
  };
}

function Summary({ answer }: { answer: PathAnswer }) {
  const counts = new Map<string, number>();
  for (const e of answer.events) counts.set(e.channel, (counts.get(e.channel) ?? 0) + 1);
  const stuck = answer.events.flatMap((e) => e.markers);
  const labelOf = new Map(stuck.map((m) => [m.code, m.label]));
  return (
    <div class="path-summary" data-testid="path-summary">
      <span class="muted">{`${answer.from} 至 ${answer.to} · ${answer.customers} 个微信用户`}</span>
      {labels()
        .path_channels.filter(([code]) => counts.has(code))
        .map(([code]) => (
          <span key={code} class={`chip path-count ch-${code}`}>
            {`${channelName(code)} ${counts.get(code) ?? 0}`}
          </span>
        ))}
      {Object.entries(answer.stuck).map(([code, n]) => (
        <span key={code} class="chip bad" data-testid="path-stuck" data-code={code}>
          {`卡点 ${labelOf.get(code) ?? code} × ${n}`}
        </span>
      ))}
    </div>
  );
}

export function PathsPage({ route }: { route: Route }) {
  useTitle(`服务轨迹 - ${labels().app_title}`);
  const query = queryFrom(route.params);
  const key = pathHash(query);
  const [result, setResult] = useState<Result>({ state: "idle" });
  const latestRef = useRef(0);

  useEffect(() => {
    const asked = queryFrom(new URLSearchParams(key.split("?")[1] ?? ""));
    const run = ++latestRef.current;
    if (!asked.value) {
      setResult({ state: "idle" });
      return;
    }
    setResult({ state: "loading" });
    const params = new URLSearchParams({ by: asked.by, value: asked.value });
    if (asked.from) params.set("from", asked.from);
    if (asked.to) params.set("to", asked.to);
    api<PathAnswer>(`/paths?${params.toString()}`).then(
      (answer) => {
        if (run === latestRef.current) setResult({ state: "ready", answer });
      },
      (err: unknown) => {
        if (run !== latestRef.current) return;
        if (err instanceof ApiError && err.status === 401) return;
        setResult({ state: "failed", message: errorText(err) });
      },
    );
  }, [key, route.seq]);

  return (
    <section class="records paths" data-testid="paths-view">
      <div class="panel">
        <h2>服务轨迹</h2>
        <div class="panel-body">
          <p class="records-scope">
            查看一位客户在聊天、通知、人工服务、工单、赔案、报价、查勘和评价中的全部接触，按时间排列，并标出客户卡住的地方。
          </p>
          <PathSearch key={key} initial={query} onSearch={(asked) => go(pathHash(asked))} />
        </div>
      </div>
      {result.state === "loading" && <p class="muted pad">查询中…</p>}
      {result.state === "failed" && (
        <div class="records-refused" role="alert" data-testid="paths-error">
          <strong>查询失败</strong>
          <p>{result.message}</p>
        </div>
      )}
      {result.state === "ready" && (
        <div class="panel">
          <div class="records-result-head">
            <h2>{`${byLabel(query.by)} ${query.value} 的服务轨迹`}</h2>
          </div>
          <div class="panel-body">
            <Summary answer={result.answer} />
            {result.answer.events.length === 0 ? (
              <p class="muted" data-testid="paths-empty">
                该期间没有这位客户的接触记录。
              </p>
            ) : (
              <Timeline events={result.answer.events} query={query} />
            )}
          </div>
        </div>
      )}
    </section>
  );
}
