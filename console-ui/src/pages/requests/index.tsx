// Customers' requests about their information (信息请求, PIPL 查询/更正/删除我的信息), for
// supervisors and auditors: the open ones by deadline, each closed with an outcome and the
// reason the customer is sent; then the closed ones.
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, errorText } from "../../api";
import { useOnVisible, useTitle } from "../../hooks";
import { labels } from "../../labels";
import type { Route } from "../../router";
import { me } from "../../session";
import { showBanner } from "../../ui/banner";
import { useConfirm } from "../../ui/confirm";
import { CloseForm } from "./close-form";
import { ClosedRequests, OpenRequest } from "./lists";
import type { Closing, DataRequest } from "./types";

export const mayHandleRequests = (): boolean => Boolean(me.value?.data_requests);

type List =
  | { phase: "loading" }
  | { phase: "failed"; error: string }
  | { phase: "ready"; requests: DataRequest[] };

export function RequestsPage({ route }: { route: Route }) {
  useTitle(`信息请求 · ${labels().app_title}`);
  const [list, setList] = useState<List>({ phase: "loading" });
  const [loads, setLoads] = useState(0);
  const [closing, setClosing] = useState<string | null>(route.parts[1] ?? null);
  const [confirm, confirmDialog] = useConfirm();

  useEffect(() => {
    let live = true;
    api<{ requests: DataRequest[] }>("/requests?status=all").then(
      (answer) => {
        if (live) setList({ phase: "ready", requests: answer.requests });
      },
      (err: unknown) => {
        if (live && !(err instanceof ApiError && err.status === 401)) {
          setList({ phase: "failed", error: errorText(err) });
        }
      },
    );
    return () => {
      live = false;
    };
  }, [loads, route.seq]);

  // Another member may have closed one meanwhile: read again when the tab comes back (unless a
  // form is open: what was typed stays).
  useOnVisible(() => {
    if (closing === null) setLoads((n) => n + 1);
  });

  const close = async (request: DataRequest, body: Closing) => {
    try {
      await api(`/requests/${encodeURIComponent(request.ticket_no)}/close`, {
        method: "POST",
        body,
      });
      showBanner(`${request.ticket_no} 已结案，处理结果已通过微信发送给客户。`, "ok");
      setClosing(null);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      if (err instanceof ApiError && err.status === 409) {
        showBanner(`此请求已由他人结案：${err.message}`, "warn");
        setClosing(null);
      } else {
        showBanner(`结案失败：${errorText(err)}`, "bad");
        return;
      }
    }
    setLoads((n) => n + 1);
  };

  if (list.phase === "loading") return <p class="muted pad">加载中…</p>;
  if (list.phase === "failed") {
    return (
      <p class="result bad" data-testid="requests-error">
        {`加载失败：${list.error}`}
      </p>
    );
  }
  const open = list.requests.filter((r) => r.status === "open");
  const closed = list.requests.filter((r) => r.status !== "open");
  const overdue = open.filter((r) => r.overdue).length;

  return (
    <section class="requests-page" data-testid="requests-view">
      <div class="queue-head">
        <h1>客户信息请求</h1>
        <span class="count" data-testid="requests-count">
          {`待处理 ${open.length} 件`}
          {overdue > 0 && <strong class="late">{`，其中 ${overdue} 件已逾期`}</strong>}
        </span>
      </div>
      <p class="muted">
        客户在微信中提出的更正、删除个人信息请求（《个人信息保护法》第44–50条），须在期限内处理；
        不予办理或部分办理时须写明原因，原因会发送给客户。
      </p>
      <div class="requests-open" data-testid="requests-open">
        {open.length === 0 ? (
          <p class="muted pad">没有待处理的请求</p>
        ) : (
          open.map((r) => (
            <OpenRequest
              key={r.ticket_no}
              request={r}
              closing={closing === r.ticket_no}
              onOpen={() => setClosing(r.ticket_no)}
            >
              <CloseForm
                request={r}
                confirm={confirm}
                onClose={(body) => close(r, body)}
                onCancel={() => setClosing(null)}
              />
            </OpenRequest>
          ))
        )}
      </div>
      <h2 class="requests-closed-title">已结案</h2>
      <ClosedRequests requests={closed} />
      {confirmDialog}
    </section>
  );
}
