// The open requests (soonest deadline first, overdue in red) and the closed ones.
import type { ComponentChildren } from "preact";
import { formatTime } from "../../format";
import { labels } from "../../labels";
import { hashFor } from "../../router";
import { Chip } from "../../ui/chips";
import type { DataRequest } from "./types";

function kindOf(request: DataRequest): string {
  return labels().data_request_kinds[request.request] ?? request.request;
}

function RecordsLink({ request }: { request: DataRequest }) {
  const query = request.records_query;
  if (!query) return <span class="faint">（聊天记录不在您的查询范围内）</span>;
  return (
    <a href={hashFor(["records"], { by: query.by, value: query.value })} data-testid="request-records">
      查看该客户的聊天记录
    </a>
  );
}

export function OpenRequest(props: {
  request: DataRequest;
  closing: boolean;
  onOpen: () => void;
  children: ComponentChildren;
}) {
  const { request } = props;
  return (
    <article
      class={`panel request${request.overdue ? " overdue" : ""}`}
      data-testid="request-item"
      data-ticket={request.ticket_no}
      data-overdue={String(request.overdue)}
    >
      <header class="request-head">
        <strong>{kindOf(request)}</strong>
        <span class="mono">{request.ticket_no}</span>
        {request.overdue && (
          <Chip tone="bad" testid="request-overdue">
            已逾期
          </Chip>
        )}
        <span class="spacer" />
        <span class={request.overdue ? "due late" : "due"} data-testid="request-due">
          {`办理期限 ${formatTime(request.due_at)}`}
        </span>
      </header>
      <div class="panel-body">
        <p class="request-words" data-testid="request-summary">
          {request.summary || <span class="faint">（客户未留言）</span>}
        </p>
        <p class="faint">
          {`客户 ${request.customer} · 提出于 ${formatTime(request.created_at)} · `}
          <RecordsLink request={request} />
        </p>
        {props.closing ? (
          props.children
        ) : (
          <button type="button" class="primary" onClick={props.onOpen} data-testid="request-close">
            处理并结案
          </button>
        )}
      </div>
    </article>
  );
}

export function ClosedRequests({ requests }: { requests: DataRequest[] }) {
  const outcomes = new Map(labels().data_request_outcomes);
  return (
    <table class="queue requests-closed" data-testid="requests-closed">
      <thead>
        <tr>
          <th>受理编号</th>
          <th>请求</th>
          <th>结果</th>
          <th>告知客户的原因</th>
          <th>内部备注</th>
          <th>结案人</th>
          <th>结案时间</th>
        </tr>
      </thead>
      <tbody>
        {requests.length === 0 ? (
          <tr class="empty">
            <td colSpan={7}>还没有已结案的请求</td>
          </tr>
        ) : (
          requests.map((r) => (
            <tr key={r.ticket_no} data-testid="closed-item" data-ticket={r.ticket_no}>
              <td class="mono">{r.ticket_no}</td>
              <td>{kindOf(r)}</td>
              <td data-testid="closed-outcome">{outcomes.get(r.outcome ?? "") ?? r.outcome}</td>
              <td data-testid="closed-reason">{r.reason || <span class="faint">—</span>}</td>
              <td>{r.note || <span class="faint">—</span>}</td>
              <td>{r.closed_by_name || r.closed_by}</td>
              <td class="nowrap">
                {formatTime(r.closed_at)}
                {r.overdue && (
                  <div>
                    <Chip tone="bad">逾期办结</Chip>
                  </div>
                )}
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}
