// Working a ticket: who handles it (a supervisor assigns anyone who handles its kind; everyone
// takes it for themselves) and the notes, append-only, with who wrote each and when.
import { useState } from "preact/hooks";
import { formatTime } from "../../format";
import { labels } from "../../labels";
import { me } from "../../session";
import type { Assignee, Ticket } from "./types";

export function Assignment(props: {
  ticket: Ticket;
  assignees: Assignee[];
  onAssign: (to: string) => Promise<void>;
}) {
  const { ticket } = props;
  const mine = me.value?.id;
  const able = props.assignees.filter((a) => a.kinds.includes(ticket.kind));
  const [to, setTo] = useState(ticket.assignee ?? "");
  const [busy, setBusy] = useState(false);
  const run = async (who: string) => {
    setBusy(true);
    try {
      await props.onAssign(who);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="ticket-assign">
      <span data-testid="ticket-assignee-name">
        {ticket.assignee_name ? `处理人：${ticket.assignee_name}` : "处理人：未分派"}
      </span>
      {ticket.status === "open" && able.length > 1 && (
        <>
          <select
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
            data-testid="ticket-assignee"
            aria-label="分派给"
          >
            <option value="" disabled>
              分派给…
            </option>
            {able.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={busy || !to || to === ticket.assignee}
            onClick={() => void run(to)}
            data-testid="ticket-assign"
          >
            分派
          </button>
        </>
      )}
      {ticket.status === "open" && ticket.assignee !== mine && (
        <button type="button" disabled={busy} onClick={() => void run("me")} data-testid="ticket-take">
          我来处理
        </button>
      )}
    </div>
  );
}

export function Notes(props: { ticket: Ticket; onAdd: (text: string) => Promise<boolean> }) {
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const max = labels().ticket_limits.max_note_chars;
  const add = async (e: Event) => {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    try {
      if (await props.onAdd(text.trim())) setText("");
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="ticket-notes">
      {props.ticket.notes.length > 0 && (
        <ol data-testid="ticket-notes">
          {props.ticket.notes.map((n, i) => (
            <li key={i} data-testid="ticket-note">
              <span class="faint">{`${formatTime(n.at)} ${n.by_name || n.by}：`}</span>
              <span class="note-text">{n.text}</span>
            </li>
          ))}
        </ol>
      )}
      <form class="ticket-note-form" onSubmit={(e) => void add(e)}>
        <textarea
          rows={2}
          maxLength={max}
          value={text}
          placeholder="添加备注（联系情况、约定的回电时间…；备注不能修改或删除）"
          onInput={(e) => setText(e.currentTarget.value)}
          data-testid="ticket-note-text"
        />
        <button type="submit" disabled={busy || !text.trim()} data-testid="ticket-note-add">
          添加备注
        </button>
      </form>
    </div>
  );
}
