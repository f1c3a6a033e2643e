// The agents' inbox (人工客服): customers who asked for a person, answered from here. Polled
// every few seconds while on screen; the selection and what was typed survive every refresh.
import { useEffect } from "preact/hooks";
import { useInterval, useOnVisible } from "../../hooks";
import { useKeys } from "../../keys";
import { labels } from "../../labels";
import { ChatList } from "./list";
import { ChatPane } from "./pane";
import {
  REFRESH_MS,
  chats,
  closeInbox,
  focusComposer,
  loadChats,
  openInbox,
  selectChat,
  selected,
} from "./state";

function chatIdOf(el: Element | null): string | null {
  return el instanceof HTMLElement && el.dataset.testid === "chat-item"
    ? (el.dataset.chatId ?? null)
    : null;
}

/** ↑↓ / j k: the next or previous customer; i, / or Enter: to the reply box; r: refresh. */
function inboxKey(e: KeyboardEvent): void {
  const ids = chats.value.map((c) => c.id);
  const focused = chatIdOf(document.activeElement);
  const at = ids.indexOf(focused ?? selected.value ?? "");
  const move = (to: number) => {
    const id = ids[Math.max(0, Math.min(ids.length - 1, to))];
    if (!id) return;
    selectChat(id);
    const item = document.querySelector<HTMLElement>(
      `#chat-list [data-chat-id="${CSS.escape(id)}"]`,
    );
    item?.focus();
  };
  if (e.key === "ArrowDown" || e.key === "j") {
    e.preventDefault();
    move(at + 1);
  } else if (e.key === "ArrowUp" || e.key === "k") {
    e.preventDefault();
    move(at < 0 ? 0 : at - 1);
  } else if (e.key === "r") {
    e.preventDefault();
    void loadChats();
  } else if (e.key === "Enter" && focused) {
    e.preventDefault(); // the focused customer, opened, and the reply box
    selectChat(focused, { focusInput: true });
  } else if (e.key === "i" || e.key === "/" || (e.key === "Enter" && !isControl(e.target))) {
    if (focusComposer()) e.preventDefault();
  }
}

/** A button or link Enter should press as usual. */
function isControl(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest("button, a[href], summary") !== null;
}

export function InboxPage({ chatId }: { chatId: string | null }) {
  useEffect(() => {
    const before = document.title;
    document.title = `人工客服 · ${labels().app_title}`;
    openInbox();
    void loadChats();
    return () => {
      closeInbox();
      document.title = before;
    };
  }, []);

  // A link to a chat (#/inbox/<id>) selects it; selecting one here only replaces the hash.
  useEffect(() => {
    if (chatId) selectChat(chatId);
  }, [chatId]);

  useInterval(REFRESH_MS, () => {
    if (!document.hidden) void loadChats({ quiet: true });
  });
  useOnVisible(() => void loadChats({ quiet: true }));
  useKeys(inboxKey);

  return (
    <section class="inbox" data-testid="inbox-view">
      <ChatList />
      <ChatPane />
    </section>
  );
}
