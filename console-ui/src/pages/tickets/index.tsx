// 工单: every ticket staff follow up — complaints and callbacks (agents, supervisors), expired
// self-surveys and approvals waiting for sign-off (adjusters, supervisors), customers' data
// requests (supervisors, auditors; closed on their own page) — open ones by deadline, with
// filters by kind, status and who handles them, kept in the hash.
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, errorText } from "../../api";
import { useOnVisible, useTitle } from "../../hooks";
import { labels } from "../../labels";
import { type Route, go, hashFor } from "../../router";
import { me } from "../../session";
import { showBanner } from "../../ui/banner";
import { useConfirm } from "../../ui/confirm";
import { TicketCard, kindLabel } from "./card";
import type { TicketClosing } from "./close-form";
import type { Ticket, TicketList } from "./types";
import "./tickets.css";

export const mayHandleTickets = (): boolean =>
  Array.isArray(me.value?.tickets) && (me.value.tickets as unknown[]).length > 0;

type List =
  | { phase: "loading" }
  | { phase: "failed"; error: string }
  | { phase: "ready"; list: TicketList };

const FILTERS = ["kind", "status", "assignee"] as const;

function Filters({ route, kinds }: { route: Route; kinds: string[] }) {
  const params = route.params;
  const set = (name: string, value: string) => {
    const next: Record<string, string> = {};
    for (const key of FILTERS) {
      const v = key === name ? value : (params.get(key) ?? "");
      if (v) next[key] = v;
    }
    go(hashFor(["tickets"], next));
  };
  return (
    <div class="filters" data-testid="ticket-filters">
      <label>
        {"类型 "}
        <select
          value={params.get("kind") ?? ""}
          onChange={(e) => set("kind", e.currentTarget.value)}
          data-testid="ticket-filter-kind"
        >
          <option value="">全部</option>
          {kinds.map((k) => (
            <option key={k} value={k}>
              {kindLabel(k)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {"状态 "}
        <select
          value={params.get("status") ?? "open"}
          onChange={(e) => set("status", e.currentTarget.value)}
          data-testid="ticket-filter-status"
        >
          <option value="open">待处理</option>
          <option value="closed">已结案</option>
          <option value="all">全部</option>
        </select>
      </label>
      <label>
        {"处理人 "}
        <select
          value={params.get("assignee") ?? ""}
          onChange={(e) => set("assignee", e.currentTarget.value)}
          data-testid="ticket-filter-assignee"
        >
          <option value="">所有人</option>
          <option value="me">我处理的</option>
          <option value="none">未分派</option>
        </select>
      </label>
    </div>
  );
}

export function TicketsPage({ route }: { route: Route }) {
  useTitle(`工单 · ${labels().app_title}`);
  const [list, setList] = useState<List>({ phase: "loading" });
  const [loads, setLoads] = useState(0);
  const [closing, setClosing] = useState<string | null>(null);
  const [confirm, confirmDialog] = useConfirm();
  const query = route.params.toString();

  useEffect(() => {
    let live = true;
    api<TicketList>(`/tickets${query ? `?${query}` : ""}`).then(
      (answer) => {
        if (live) setList({ phase: "ready", list: answer });
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
  }, [loads, query, route.seq]);

  // Others work the same tickets: read again when the tab comes back (unless a closing is
  // being written: what was typed stays).
  useOnVisible(() => {
    if (closing === null) setLoads((n) => n + 1);
  });

  /** One ticket changed: put the server's version in its place. */
  const replaced = (ticket: Ticket) => {
    setList((current) =>
      current.phase !== "ready"
        ? current
        : {
            phase: "ready",
            list: {
              ...current.list,
              tickets: current.list.tickets.map((t) => (t.ticket_no === ticket.ticket_no ? ticket : t)),
            },
          },
    );
  };

  const change = async (ticket: Ticket, what: string, body: object, done: string) => {
    try {
      const answer = await api<{ ticket: Ticket }>(
        `/tickets/${encodeURIComponent(ticket.ticket_no)}/${what}`,
        { method: "POST", body },
      );
      replaced(answer.ticket);
      showBanner(done, "info");
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return false;
      if (err instanceof ApiError && err.status === 409) {
        showBanner(`此工单已由他人结案：${err.message}`, "warn");
        setClosing(null);
        setLoads((n) => n + 1);
      } else {
        showBanner(`操作失败：${errorText(err)}`, "bad");
      }
      return false;
    }
  };

  if (list.phase === "loading") return <p class="muted pad">加载中…</p>;
  if (list.phase === "failed") {
    return (
      <p class="result bad" data-testid="tickets-error">
        {`加载失败：${list.error}`}
      </p>
    );
  }
  const { tickets, kinds, assignees } = list.list;
  const open = tickets.filter((t) => t.status === "open");
  const overdue = open.filter((t) => t.overdue).length;
  const soon = open.filter((t) => !t.overdue && t.due_soon).length;

  return (
    <section class="tickets-page" data-testid="tickets-view">
      <div class="queue-head">
        <h1>工单</h1>
        <Filters route={route} kinds={kinds} />
        <span class="count" data-testid="tickets-count">
          {`待处理 ${open.length} 件`}
          {overdue > 0 && <strong class="late">{`，${overdue} 件已逾期`}</strong>}
          {soon > 0 && <strong class="soon">{`，${soon} 件即将到期`}</strong>}
        </span>
      </div>
      <div class="tickets-list" data-testid="tickets-list">
        {tickets.length === 0 ? (
          <p class="muted pad">没有符合条件的工单</p>
        ) : (
          tickets.map((t) => (
            <TicketCard
              key={t.ticket_no}
              ticket={t}
              assignees={assignees}
              closing={closing === t.ticket_no}
              confirm={confirm}
              onOpenClose={(yes) => setClosing(yes ? t.ticket_no : null)}
              onAssign={async (to) => {
                await change(t, "assign", { to }, `${t.ticket_no} 已分派`);
              }}
              onNote={(text) => change(t, "notes", { text }, "备注已添加")}
              onClose={async (body: TicketClosing) => {
                if (await change(t, "close", body, `${t.ticket_no} 已结案`)) setClosing(null);
              }}
            />
          ))
        )}
      </div>
      {confirmDialog}
    </section>
  );
}
