// One ticket: what kind, why, its deadline (overdue in red, due soon in amber), whom to call,
// who handles it, the notes, and closing it (or a link to where it is handled).
import { formatTime } from "../../format";
import { labels } from "../../labels";
import { hashFor } from "../../router";
import type { ConfirmRequest } from "../../ui/confirm";
import { Chip } from "../../ui/chips";
import { TicketCloseForm, type TicketClosing } from "./close-form";
import { Contact } from "./contact";
import type { Assignee, Ticket } from "./types";
import { Assignment, Notes } from "./work";

export interface CardProps {
  ticket: Ticket;
  assignees: Assignee[];
  closing: boolean;
  confirm: (request: ConfirmRequest) => Promise<boolean>;
  onAssign: (to: string) => Promise<void>;
  onNote: (text: string) => Promise<boolean>;
  onClose: (closing: TicketClosing) => Promise<void>;
  onOpenClose: (open: boolean) => void;
}

export function kindLabel(kind: string): string {
  return labels().ticket_kinds.find(([k]) => k === kind)?.[1] ?? kind;
}

function Elsewhere({ ticket }: { ticket: Ticket }) {
  if (!ticket.link) return null;
  const where = ticket.kind === "data_request" ? "到“信息请求”页处理" : "打开赔案";
  return (
    <a class="button" href={ticket.link} data-testid="ticket-link">
      {where}
    </a>
  );
}

function Closed({ ticket }: { ticket: Ticket }) {
  const outcome = new Map(labels().ticket_outcomes).get(ticket.outcome ?? "") ?? ticket.outcome;
  return (
    <p class="ticket-closed" data-testid="ticket-closed">
      {`已结案：`}
      <strong data-testid="ticket-outcome">{outcome}</strong>
      {ticket.reason && <span data-testid="ticket-closed-reason">{`（${ticket.reason}）`}</span>}
      <span class="faint">{` · ${ticket.closed_by_name ?? ""} ${formatTime(ticket.closed_at)}`}</span>
    </p>
  );
}

export function TicketCard(props: CardProps) {
  const { ticket } = props;
  const open = ticket.status === "open";
  const due = ticket.due_at ? `期限 ${formatTime(ticket.due_at)}` : "无期限";
  const tone = ticket.overdue ? " overdue" : ticket.due_soon ? " due-soon" : "";
  const query = ticket.records_query;
  return (
    <article
      class={`panel ticket${tone}`}
      data-testid="ticket-item"
      data-ticket={ticket.ticket_no}
      data-kind={ticket.kind}
      data-status={ticket.status}
      data-overdue={String(ticket.overdue)}
      data-due-soon={String(ticket.due_soon)}
    >
      <header class="ticket-head">
        <Chip tone={ticket.kind === "sensitive" ? "bad" : "info"} testid="ticket-kind">
          {kindLabel(ticket.kind)}
        </Chip>
        <span class="mono">{ticket.ticket_no}</span>
        {ticket.priority === "high" && <Chip tone="warn">优先</Chip>}
        {open && ticket.overdue && (
          <Chip tone="bad" testid="ticket-overdue">
            已逾期
          </Chip>
        )}
        {open && !ticket.overdue && ticket.due_soon && (
          <Chip tone="warn" testid="ticket-due-soon">
            即将到期
          </Chip>
        )}
        {ticket.alerted_at && (
          <Chip tone="warn" testid="ticket-alerted">
            {`已提醒主管 ${formatTime(ticket.alerted_at)}`}
          </Chip>
        )}
        <span class="spacer" />
        <span class="due" data-testid="ticket-due">
          {due}
        </span>
      </header>
      <div class="panel-body">
        <p class="ticket-words" data-testid="ticket-summary">
          {ticket.summary || <span class="faint">（无说明）</span>}
        </p>
        <p class="faint">
          {ticket.customer ? `客户 ${ticket.customer} · ` : ""}
          {`登记于 ${formatTime(ticket.created_at)}`}
          {ticket.claim_no && ` · 赔案 ${ticket.claim_no}`}
          {query && (
            <>
              {" · "}
              <a href={hashFor(["records"], { by: query.by, value: query.value })}>聊天记录</a>
            </>
          )}
        </p>
        <Contact ticket={ticket} />
        {ticket.handled_here ? (
          <>
            <Assignment ticket={ticket} assignees={props.assignees} onAssign={props.onAssign} />
            <Notes ticket={ticket} onAdd={props.onNote} />
            {!open && <Closed ticket={ticket} />}
            {open &&
              (props.closing ? (
                <TicketCloseForm
                  ticket={ticket}
                  confirm={props.confirm}
                  onClose={props.onClose}
                  onCancel={() => props.onOpenClose(false)}
                />
              ) : (
                <button
                  type="button"
                  class="primary"
                  onClick={() => props.onOpenClose(true)}
                  data-testid="ticket-close"
                >
                  处理完毕，结案
                </button>
              ))}
          </>
        ) : (
          <Elsewhere ticket={ticket} />
        )}
      </div>
    </article>
  );
}
