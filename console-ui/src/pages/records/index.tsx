// 聊天记录: find a customer's conversation records (by an identifier typed in full, a keyword,
// a period), read them as the conversation it was, and export or print them; auditors may see
// them unmasked with a reason. The query lives in the hash, so a search can be linked and
// reloaded; the reason does not (it is asked again), and the server audits every search.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api, errorText } from "../../api";
import { useTitle } from "../../hooks";
import { labels } from "../../labels";
import { type Route, go } from "../../router";
import { me } from "../../session";
import { Chip } from "../../ui/chips";
import { mayViewPaths } from "../paths";
import { pathHash } from "../paths/types";
import { Exports } from "./exports";
import {
  type RecordRow,
  type SearchAnswer,
  apiQuery,
  byLabel,
  isComplete,
  queryFrom,
  queryHash,
} from "./query";
import "./records.css";
import { SearchForm, type Submitted } from "./search-form";
import { Transcript } from "./transcript";

const SCOPE_WORDS: Record<string, string> = {
  handled: "您可查询：您本人接待过的客户的会话记录。个人信息遮盖显示。",
  team: "您可查询：本团队成员接待过的客户的会话记录。个人信息遮盖显示。",
  all: "您可查询：全部会话记录。个人信息默认遮盖；填写理由后可查看未遮盖内容，查询和理由均记入审计日志。",
};

type Result =
  | { state: "idle" }
  | { state: "loading" }
  | { state: "refused"; message: string }
  | { state: "invalid"; message: string }
  | { state: "failed"; message: string }
  | {
      state: "ready";
      rows: RecordRow[];
      next: string;
      masked: boolean;
      customers: number;
      more: "" | "loading" | "failed";
    };

function ScopeNote() {
  const scope = me.value?.records_scope ?? "";
  return (
    <p class="records-scope" data-testid="records-scope" data-scope={scope}>
      {SCOPE_WORDS[scope] ?? "您没有查询会话记录的权限。"}
    </p>
  );
}

function Refusal({ result }: { result: Result }) {
  if (result.state === "refused") {
    return (
      <div class="records-refused" role="alert" data-testid="records-refused">
        <strong>查询被拒绝：超出您可查看的范围</strong>
        <p>
          {"服务器说明："}
          <span class="records-reason-text" data-testid="records-refused-reason">
            {result.message}
          </span>
        </p>
        <p class="muted">
          这不是“没有记录”：这些记录您无权查看。如确有需要，请联系稽核人员查询。
        </p>
      </div>
    );
  }
  if (result.state === "invalid" || result.state === "failed") {
    return (
      <div class="records-refused" role="alert" data-testid="records-error">
        <strong>{result.state === "invalid" ? "查询条件有误" : "查询失败"}</strong>
        <p>{result.message}</p>
      </div>
    );
  }
  return null;
}

function UnmaskedNotice({ reason, onMask }: { reason: string; onMask: () => void }) {
  return (
    <div class="records-unmasked" role="status" data-testid="records-unmasked">
      <strong>未遮盖视图</strong>
      <span>
        {"个人信息完整显示。本次查询、导出和打印均已记入审计日志，理由："}
        <span class="records-reason-text">{reason}</span>
      </span>
      <button type="button" data-testid="records-mask" onClick={onMask}>
        恢复遮盖
      </button>
    </div>
  );
}

export function RecordsPage({ route }: { route: Route }) {
  useTitle(`聊天记录 - ${labels().app_title}`);
  const query = queryFrom(route.params);
  const key = queryHash(query);
  const [reason, setReason] = useState("");
  const [result, setResult] = useState<Result>({ state: "idle" });
  const latestRef = useRef(0);
  const mayUnmask = Boolean(me.value?.records_unmask);

  useEffect(() => {
    const asked = queryFrom(new URLSearchParams(key.split("?")[1] ?? ""));
    const run = ++latestRef.current;
    if (!isComplete(asked)) {
      setResult({ state: "idle" });
      return;
    }
    setResult({ state: "loading" });
    api<SearchAnswer>(`/records?${apiQuery(asked, reason)}`).then(
      (answer) => {
        if (run !== latestRef.current) return;
        setResult({
          state: "ready",
          rows: answer.records,
          next: answer.next,
          masked: answer.masked,
          customers: answer.customers,
          more: "",
        });
      },
      (err: unknown) => {
        if (run !== latestRef.current) return;
        const message = errorText(err);
        if (err instanceof ApiError && err.status === 403) setResult({ state: "refused", message });
        else if (err instanceof ApiError && err.status === 400)
          setResult({ state: "invalid", message });
        else setResult({ state: "failed", message });
      },
    );
  }, [key, reason, route.seq]);

  const loadMore = () => {
    if (result.state !== "ready" || !result.next) return;
    const run = latestRef.current;
    const shown = result;
    setResult({ ...shown, more: "loading" });
    api<SearchAnswer>(`/records?${apiQuery(query, reason, shown.next)}`).then(
      (answer) => {
        if (run !== latestRef.current) return;
        setResult({ ...shown, rows: [...shown.rows, ...answer.records], next: answer.next });
      },
      () => {
        if (run === latestRef.current) setResult({ ...shown, more: "failed" });
      },
    );
  };

  const search = ({ query: asked, reason: why }: Submitted) => {
    setReason(why);
    go(queryHash(asked));
  };

  const showDay = (day: string) => go(queryHash({ ...query, keyword: "", from: day, to: day }));
  const unmasked = result.state === "ready" && !result.masked;

  return (
    <section class="records" data-testid="records-view" data-unmasked={unmasked ? "1" : "0"}>
      <div class="panel">
        <h2>查询聊天记录</h2>
        <div class="panel-body">
          <ScopeNote />
          <SearchForm
            key={`${key}|${reason}`}
            initial={query}
            mayUnmask={mayUnmask}
            unmaskReason={reason}
            onSearch={search}
          />
        </div>
      </div>
      <Refusal result={result} />
      {result.state === "loading" && <p class="muted pad">查询中…</p>}
      {result.state === "ready" && (
        <div class={`panel records-result ${unmasked ? "unmasked" : ""}`.trim()}>
          <div class="records-result-head">
            <h2>
              {`${byLabel(query.by)} 的会话记录`}
              {query.keyword && <span class="muted">{` · 含“${query.keyword}”`}</span>}
            </h2>
            <span class="muted" data-testid="records-count">
              {`已加载 ${result.rows.length} 条记录${result.next ? "（还有更多）" : ""} · ${result.customers} 个微信用户`}
            </span>
            {unmasked ? <Chip tone="bad">未遮盖</Chip> : <Chip tone="ok">已遮盖</Chip>}
            {mayViewPaths() && (
              <a
                class="records-paths-link"
                data-testid="records-path-link"
                href={pathHash({ by: query.by, value: query.value, from: query.from, to: query.to })}
              >
                服务轨迹
              </a>
            )}
            <div class="spacer" />
            {result.rows.length > 0 && <Exports query={query} reason={unmasked ? reason : ""} />}
          </div>
          {unmasked && <UnmaskedNotice reason={reason} onMask={() => setReason("")} />}
          <div class="panel-body">
            {result.rows.length === 0 ? (
              <p class="muted" data-testid="records-empty">
                该期间没有符合条件的记录。
              </p>
            ) : (
              <Transcript
                rows={result.rows}
                keyword={query.keyword}
                unmasked={unmasked}
                onContext={query.keyword ? showDay : null}
              />
            )}
            {result.next && (
              <div class="records-more">
                <button
                  type="button"
                  data-testid="records-more"
                  disabled={result.more === "loading"}
                  onClick={loadMore}
                >
                  {result.more === "loading" ? "加载中…" : "加载更多"}
                </button>
                {result.more === "failed" && <span class="records-problem">加载失败，请重试</span>}
              </div>
            )}
            {result.rows.some((r) => r.photo) && (
              <p class="muted records-hint">照片链接 5 分钟内有效；过期后请重新查询。</p>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
