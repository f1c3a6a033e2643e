// Whose each chat is and its clock (chalicelib/service/assignment.py): the member's presence
// (接待中 / 暂停接待), the owner and timer chips, and take-over (接手) / hand-back (交回).
import { signal } from "@preact/signals";
import { ApiError, api, errorText } from "../../api";
import { labels } from "../../labels";
import { me, whenSignedOut } from "../../session";
import { Chip } from "../../ui/chips";
import type { Chat } from "./chats";

export interface Team {
  me: { available: boolean; paused: boolean; assignable: boolean };
  /** agents signed in (their inbox polled lately) */
  agents: { id: string; name: string; paused: boolean; available: boolean }[];
  /** the server's targets, in business-hours seconds */
  targets: { first_response_s: number; resolution_s: number };
}

/** The team as of the last poll (null: the server does not deal chats). */
export const team = signal<Team | null>(null);
/** Why the last take-over, hand-back or pause failed. */
export const ownerError = signal("");
const busy = signal(false);

whenSignedOut(() => {
  team.value = null;
  ownerError.value = "";
});

/** Someone else's chat: read-only until taken over. */
export function readOnly(chat: Chat): boolean {
  return Boolean(chat.assignee) && !chat.mine;
}

/** "1:05" */
function clockText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** The chat's clock against its target: waiting (amber past half), overdue (red). */
export function TimerChip({ chat }: { chat: Chat }) {
  const timer = chat.timer;
  if (!timer) return null;
  const name = labels().chat_clocks?.[timer.clock] ?? timer.clock;
  if (!timer.clock) {
    return (
      <Chip testid="chat-timer" data-clock="none" data-overdue="false">
        {name}
      </Chip>
    );
  }
  const over = timer.overdue;
  const soon = !over && timer.elapsed_s * 2 >= timer.target_s;
  const text = over
    ? `${name}超时 ${clockText(timer.elapsed_s - timer.target_s)}`
    : `${name} ${clockText(timer.elapsed_s)}/${clockText(timer.target_s)}`;
  return (
    <Chip
      tone={over ? "bad" : soon ? "warn" : "ok"}
      testid="chat-timer"
      data-clock={timer.clock}
      data-overdue={over ? "true" : "false"}
    >
      {text}
    </Chip>
  );
}

/** 我的 / 未分配 / the colleague's name. */
export function OwnerChip({ chat }: { chat: Chat }) {
  if (chat.assignee === undefined) return null;
  if (chat.mine) {
    return (
      <Chip tone="info" testid="chat-owner" data-owner="mine">
        我的
      </Chip>
    );
  }
  if (!chat.assignee) {
    return (
      <Chip tone="warn" testid="chat-owner" data-owner="nobody">
        未分配
      </Chip>
    );
  }
  return (
    <Chip testid="chat-owner" data-owner={chat.assignee}>
      {chat.assignee_name ?? chat.assignee}
    </Chip>
  );
}

async function post(path: string, body?: unknown): Promise<boolean> {
  busy.value = true;
  ownerError.value = "";
  try {
    await api(path, { method: "POST", body });
    return true;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) {
      ownerError.value = `操作失败：${errorText(err)}`;
    }
    return false;
  } finally {
    busy.value = false;
  }
}

/** Above the conversation: whose it is, with 接手 or 交回. */
export function OwnerBar({ chat, onChanged }: { chat: Chat; onChanged: () => void }) {
  if (chat.assignee === undefined) return null;
  const path = `/chats/${encodeURIComponent(chat.id)}`;
  const act = async (what: "take-over" | "hand-back") => {
    if (busy.value) return;
    if (await post(`${path}/${what}`)) onChanged();
  };
  let text: string;
  if (chat.mine) {
    if (chat.taken_from) text = "您已接手这位客户。";
    else if (chat.escalations) text = "同事超过首次响应目标未回复，已改派给您，请尽快回复。";
    else text = "这位客户分配给了您。";
  } else if (chat.assignee) {
    text = `该会话由 ${chat.assignee_name ?? chat.assignee} 接待，您只能查看；接手后可回复。`;
  } else {
    text = "该会话尚未分配：回复即由您接待。";
  }
  if (chat.wecom_relay) text += " 已超时转给企业微信值班同事，双方都可回复。";
  return (
    <div class="chat-owner-bar" data-testid="chat-owner-bar" data-mine={chat.mine ? "true" : "false"}>
      <span>{text}</span>
      <span class="spacer" />
      {!chat.mine && chat.assignee && (
        <button
          type="button"
          data-testid="chat-take-over"
          disabled={busy.value}
          onClick={() => void act("take-over")}
        >
          接手
        </button>
      )}
      {chat.mine && (
        <button
          type="button"
          class="link"
          data-testid="chat-hand-back"
          title="交给接手前的同事；不在线时交给下一位在线坐席"
          disabled={busy.value}
          onClick={() => void act("hand-back")}
        >
          交回
        </button>
      )}
      {ownerError.value && (
        <span class="form-error" data-testid="chat-owner-error" role="alert">
          {ownerError.value}
        </span>
      )}
    </div>
  );
}

/** In the list's head: 接待中 / 已暂停 (agents), and who is signed in. */
export function PresenceBar({ onChanged }: { onChanged: () => void }) {
  const now = team.value;
  if (!now) return null;
  const online = now.agents.filter((a) => a.available).length;
  const who = now.agents.map((a) => `${a.name}${a.paused ? "（暂停）" : ""}`).join("、");
  const toggle = async () => {
    if (busy.value) return;
    if (await post("/presence", { paused: !now.me.paused })) onChanged();
  };
  const target = Math.round(now.targets.first_response_s / 60);
  return (
    <div class="presence-bar" data-testid="presence-bar">
      {now.me.assignable && (
        <button
          type="button"
          class={now.me.paused ? "presence paused" : "presence"}
          data-testid="presence-toggle"
          data-paused={now.me.paused ? "true" : "false"}
          title={now.me.paused ? "恢复后会继续为您分配新客户" : "暂停后不再为您分配新客户"}
          disabled={busy.value}
          onClick={() => void toggle()}
        >
          {now.me.paused ? "已暂停接待 · 恢复" : "接待中 · 暂停"}
        </button>
      )}
      <span class="faint" data-testid="presence-online" title={who || "暂无在线坐席"}>
        {`在线坐席 ${online}`}
      </span>
      <span class="faint">{`首次响应目标 ${target} 分钟`}</span>
      {me.value && !now.me.assignable && <span class="faint">（主管不参与分配）</span>}
    </div>
  );
}
