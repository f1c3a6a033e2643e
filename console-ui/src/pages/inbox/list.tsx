// The left pane: the open chats, waiting customers first.
import { formatAge, formatTime } from "../../format";
import { me } from "../../session";
import { Chip } from "../../ui/chips";
import { OwnerChip, PresenceBar, TimerChip } from "./assignment";
import {
  type Chat,
  chatUrgency,
  customerName,
  messageLabel,
  visibleMessages,
} from "./chats";
import { chats, loadChats, loadedAt, selectChat, selected } from "./state";

export function ChatStateChip({ chat, ended = false }: { chat: Chat; ended?: boolean }) {
  if (ended) {
    return (
      <Chip testid="chat-state" data-state="ended">
        已结束
      </Chip>
    );
  }
  if (chat.state === "waiting") {
    return (
      <Chip
        tone={chatUrgency(chat) === "late" ? "bad" : "warn"}
        testid="chat-state"
        data-state="waiting"
      >
        等待中
      </Chip>
    );
  }
  return (
    <Chip tone="ok" testid="chat-state" data-state={chat.state}>
      服务中
    </Chip>
  );
}

function preview(chat: Chat): string {
  const shown = visibleMessages(chat.messages);
  const last = shown[shown.length - 1];
  if (!last) return "—";
  let who = "";
  if (last.direction === "out") {
    if (!last.staff) who = "公众号：";
    else who = last.staff === me.value?.id ? "我：" : `${last.staff}：`;
  }
  return `${who}${messageLabel(last)}`;
}

function ChatItem({ chat, isSelected }: { chat: Chat; isSelected: boolean }) {
  const urgency = chatUrgency(chat);
  const shown = visibleMessages(chat.messages);
  const last = shown[shown.length - 1];
  const needsReply = chat.state === "active" && last?.direction === "in";
  const since = `自 ${formatTime(chat.started_at)}`;
  const cls = ["chat-item", chat.state, urgency, isSelected ? "selected" : ""];
  return (
    <li>
      <button
        type="button"
        class={cls.filter(Boolean).join(" ")}
        data-testid="chat-item"
        data-chat-id={chat.id}
        data-code={chat.code}
        data-state={chat.state}
        data-urgency={urgency || undefined}
        data-mine={chat.mine === undefined ? undefined : String(chat.mine)}
        data-assignee={chat.assignee ?? undefined}
        aria-current={isSelected ? "true" : undefined}
        onClick={() => selectChat(chat.id, { focusInput: true })}
      >
        <div class="row">
          <span class="code mono" data-testid="chat-item-code">
            {chat.code}
          </span>
          <span class="name" data-testid="chat-item-name">
            {customerName(chat)}
          </span>
          {chat.reason && chat.reason !== "客户要求人工服务" && (
            <Chip tone="bad" testid="chat-item-reason">
              {chat.reason}
            </Chip>
          )}
          <span class="spacer" />
          <OwnerChip chat={chat} />
          {needsReply && <span class="dot" title="客户有新消息待回复" data-testid="chat-needs-reply" />}
          <ChatStateChip chat={chat} />
        </div>
        <div class="row">
          <span class="preview" data-testid="chat-preview">
            {preview(chat)}
          </span>
          <TimerChip chat={chat} />
          <span
            class={`wait num ${urgency}`.trim()}
            data-testid="chat-wait"
            title={chat.state === "waiting" ? `已等待，${since}` : `服务中，${since}`}
          >
            {formatAge(Number(chat.waiting_minutes) || 0)}
          </span>
        </div>
      </button>
    </li>
  );
}

function Counts() {
  const list = chats.value;
  const waiting = list.filter((c) => c.state === "waiting").length;
  return (
    <span
      class={waiting > 0 ? "count has-waiting" : "count"}
      id="chat-count"
      data-testid="chat-count"
    >
      {list.length ? `等待 ${waiting} · 服务中 ${list.length - waiting}` : ""}
    </span>
  );
}

/** Redrawn on every poll (the only part that is). */
function Updated() {
  const at = loadedAt.value;
  return (
    <div class="inbox-list-foot faint" id="chat-updated" data-testid="chat-updated">
      {at && `更新于 ${formatTime(at.toISOString(), { seconds: true }).slice(11)} · 每 3 秒自动刷新`}
    </div>
  );
}

function Items() {
  const list = chats.value;
  const chosen = selected.value;
  if (!loadedAt.peek() && !list.length) {
    return <li class="chat-empty muted">加载中…</li>;
  }
  if (!list.length) {
    return (
      <li class="chat-empty" data-testid="inbox-empty">
        <div class="big">暂无等待的客户</div>
        <div class="faint">客户转人工后会自动出现在这里。</div>
      </li>
    );
  }
  return (
    <>
      {list.map((chat) => (
        <ChatItem key={chat.id} chat={chat} isSelected={chat.id === chosen} />
      ))}
    </>
  );
}

export function ChatList() {
  return (
    <aside class="panel inbox-list" data-testid="chat-list-pane">
      <div class="inbox-list-head">
        <h1>人工客服</h1>
        <Counts />
        <span class="spacer" />
        <button
          type="button"
          class="link"
          data-testid="chats-refresh"
          title="刷新 (r)"
          onClick={() => void loadChats()}
        >
          刷新
        </button>
      </div>
      <PresenceBar onChanged={() => void loadChats()} />
      <ul class="chat-list" id="chat-list" data-testid="chat-list" aria-label="客户会话">
        <Items />
      </ul>
      <Updated />
    </aside>
  );
}
