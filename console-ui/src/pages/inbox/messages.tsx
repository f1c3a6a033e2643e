// The conversation of the chat on screen. It follows new messages only while the agent is at
// the bottom; reading further up, it stays there and says there is more below.
import type { RefObject } from "preact";
import { useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { formatTime, shortTime } from "../../format";
import { Chip } from "../../ui/chips";
import { rankable } from "./assist";
import { pickMessage, pickedMessage } from "./assist-state";
import { type ChatMessage, messageKind, messageText, visibleMessages } from "./chats";
import { selected } from "./state";

export function atBottom(box: HTMLElement): boolean {
  return box.scrollHeight - box.scrollTop - box.clientHeight < 24;
}

function ChatBubble({ m, picked, onPick }: { m: ChatMessage; picked: boolean; onPick?: () => void }) {
  const out = m.direction === "out";
  const who = !out ? "客户" : m.staff ? `客服 ${m.staff}` : "公众号";
  const kind = messageKind(m);
  const cls = ["msg", out ? "out" : "in", out ? (m.staff ? "staff" : "bot") : "",
    onPick ? "pickable" : "", picked ? "picked" : ""];
  return (
    <div
      class={cls.filter(Boolean).join(" ")}
      data-testid="chat-message"
      data-direction={out ? "out" : "in"}
      data-staff={m.staff || undefined}
      data-picked={picked ? "true" : undefined}
      title={onPick ? "查看针对这条消息的智能推荐" : undefined}
      onClick={onPick}
    >
      <span class="when" title={formatTime(m.at, { seconds: true })}>
        {`${who} · ${shortTime(m.at)}`}
      </span>
      <div class="bubble">
        {kind && <Chip>{kind}</Chip>}
        {messageText(m)}
      </div>
    </div>
  );
}

export function ChatMessages(props: {
  messages: readonly ChatMessage[];
  /** true while the agent is at the bottom (or has just sent): new messages scroll into view */
  followRef: RefObject<boolean>;
  boxRef: RefObject<HTMLDivElement | null>;
}) {
  const { messages, followRef, boxRef } = props;
  const [below, setBelow] = useState(false);
  const shown = useMemo(() => visibleMessages(messages), [messages]);
  const sig = useMemo(() => JSON.stringify(shown), [shown]);
  const seenRef = useRef("");
  // 智能推荐 answers the customer message picked here (by default the latest).
  const chatId = selected.value;
  const said = shown.filter(rankable);
  const picked = chatId ? pickedMessage.value[chatId] : undefined;
  const target = (said.find((m) => m.id === picked) ?? said[said.length - 1])?.id;

  useLayoutEffect(() => {
    const box = boxRef.current;
    if (!box || seenRef.current === sig) return;
    seenRef.current = sig;
    if (followRef.current) {
      box.scrollTop = box.scrollHeight;
      setBelow(false);
    } else {
      setBelow(true);
    }
  }, [sig, followRef, boxRef]);

  const toBottom = () => {
    const box = boxRef.current;
    if (box) box.scrollTop = box.scrollHeight;
    followRef.current = true;
    setBelow(false);
  };

  return (
    <div class="chat-scroll">
      <div
        class="chat-messages"
        id="chat-messages"
        data-testid="chat-messages"
        role="log"
        aria-live="polite"
        ref={boxRef}
        onScroll={(e) => {
          followRef.current = atBottom(e.currentTarget);
          if (followRef.current) setBelow(false);
        }}
      >
        {shown.length ? (
          shown.map((m, i) => (
            <ChatBubble
              key={`${i}:${m.at}`}
              m={m}
              picked={Boolean(m.id) && m.id === target}
              onPick={chatId && rankable(m) ? () => pickMessage(chatId, m.id ?? "") : undefined}
            />
          ))
        ) : (
          <p class="muted chat-none">还没有消息</p>
        )}
      </div>
      <button
        type="button"
        class="new-below"
        id="chat-new-below"
        data-testid="chat-new-below"
        hidden={!below}
        onClick={toBottom}
      >
        有新消息 ↓
      </button>
    </div>
  );
}
