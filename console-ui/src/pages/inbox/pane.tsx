// The right pane: the chat selected (its facts, the conversation, the reply box), or a hint.
import { useRef, useState } from "preact/hooks";
import { formatAge, formatTime } from "../../format";
import { useConfirm } from "../../ui/confirm";
import { labels } from "../../labels";
import { hasRole } from "../../session";
import { type Chat, charCount, contextFacts, customerName, draftOf, setDraft } from "./chats";
import { AssistPanel } from "./assist";
import { OwnerBar, TimerChip, readOnly } from "./assignment";
import { Composer } from "./composer";
import { ChatStateChip } from "./list";
import { ChatMessages } from "./messages";
import {
  chatError,
  chats,
  clearSelection,
  current,
  endChat,
  gone,
  loadChats,
  loadedAt,
  notice,
  selected,
  sendReply,
  sending,
} from "./state";

function Placeholder() {
  let hint = "加载中…";
  if (loadedAt.value) hint = chats.value.length ? "从左侧选择一位客户开始服务" : "暂无等待的客户";
  const said = notice.value;
  return (
    <section class="panel inbox-chat" id="chat-pane" data-testid="chat-pane" data-chat-id="">
      <div class="chat-placeholder" data-testid="chat-placeholder">
        {said && (
          <p class="result ok" data-testid="chat-pane-notice">
            {said}
          </p>
        )}
        <p class="muted">{hint}</p>
      </div>
    </section>
  );
}

function Facts({ chat }: { chat: Chat }) {
  const facts = contextFacts(chat);
  return (
    <div class="chat-context" id="chat-context" data-testid="chat-context" hidden={!facts.length}>
      <dl>
        {facts.flatMap((line, i) => {
          const pair = /^([^：]{1,8})：([\s\S]*)$/.exec(line);
          if (!pair) {
            return [
              <dd key={`w${i}`} class="whole">
                {line}
              </dd>,
            ];
          }
          return [<dt key={`t${i}`}>{pair[1]}</dt>, <dd key={`d${i}`}>{pair[2]}</dd>];
        })}
      </dl>
    </div>
  );
}

function Since({ chat }: { chat: Chat }) {
  const at = formatTime(chat.started_at).slice(11);
  const minutes = formatAge(chat.waiting_minutes);
  return (
    <span class="faint" id="chat-since" data-testid="chat-since">
      {chat.state === "waiting" ? `${at} 转入 · 已等待 ${minutes}` : `${at} 转入 · ${minutes}`}
    </span>
  );
}

/** One chat, drawn afresh when another is selected (the pane is keyed by the chat's id) and
 * updated in place on every poll: the reply box, the caret and the scroll stay as they were. */
function OpenChat({ chat }: { chat: Chat }) {
  const ended = gone.value;
  const busy = sending.value;
  const [text, setText] = useState(() => draftOf(chat.id));
  const [confirm, confirmDialog] = useConfirm();
  const followRef = useRef(true);
  const boxRef = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const name = customerName(chat);
  const theirs = readOnly(chat); // a colleague's: read-only until taken over

  const onText = (value: string) => {
    setText(value);
    setDraft(chat.id, value);
    chatError.value = "";
  };

  const send = async () => {
    if (ended || theirs || sending.value) return;
    const reply = text.trim();
    if (!reply) return;
    const max = labels().limits.max_chat_chars;
    const n = charCount(reply);
    if (n > max) {
      chatError.value = `回复最多 ${max} 字，现在是 ${n} 字。`;
      return;
    }
    if (!(await sendReply(chat, reply))) return;
    if (selected.value !== chat.id) return;
    setText(draftOf(chat.id));
    inputRef.current?.focus();
    followRef.current = true; // the reply is the newest message: follow it
    const box = boxRef.current;
    if (box) box.scrollTop = box.scrollHeight;
  };

  const end = async () => {
    if (ended || sending.value) return;
    const unsent = text.trim();
    const ok = await confirm({
      title: `结束服务：${chat.code} ${name}`,
      body: (
        <div class="confirm-summary">
          <div>{`结束与 ${chat.code} ${name} 的人工服务？`}</div>
          <div class="faint">
            客户会在微信里收到“本次人工服务已结束”的通知，之后由机器人继续服务。
          </div>
          {unsent && (
            <div class="bad" data-testid="confirm-unsent">
              输入框里还有未发送的内容，结束后不会发送。
            </div>
          )}
        </div>
      ),
      ok: "结束服务",
      danger: true,
    });
    if (ok) await endChat(chat, name);
  };

  return (
    <>
      <section
        class="panel inbox-chat"
        id="chat-pane"
        data-testid="chat-pane"
        data-chat-id={chat.id}
      >
        <header class="chat-head" data-testid="chat-head" data-chat-id={chat.id}>
          <span class="code mono" data-testid="chat-code">
            {chat.code}
          </span>
          <span class="name" data-testid="chat-name">
            {name}
          </span>
          <span id="chat-state">
            <ChatStateChip chat={chat} ended={Boolean(ended)} />
          </span>
          <Since chat={chat} />
          <TimerChip chat={chat} />
          <span class="spacer" />
          <button
            type="button"
            class="danger-outline"
            id="chat-end"
            data-testid="chat-end"
            disabled={Boolean(ended) || busy || (theirs && !hasRole("supervisor"))}
            onClick={() => void end()}
          >
            结束服务
          </button>
        </header>
        <div
          class="chat-notice"
          id="chat-notice"
          data-testid="chat-notice"
          role="alert"
          hidden={!ended}
        >
          {ended}{" "}
          <button type="button" data-testid="chat-close-ended" onClick={() => clearSelection()}>
            关闭
          </button>
        </div>
        {!ended && <OwnerBar chat={chat} onChanged={() => void loadChats()} />}
        <Facts chat={chat} />
        <ChatMessages messages={chat.messages} followRef={followRef} boxRef={boxRef} />
        <AssistPanel
          chat={chat}
          disabled={Boolean(ended) || theirs}
          onEdit={(answer) => {
            onText(answer);
            inputRef.current?.focus();
          }}
        />
        <Composer
          code={chat.code}
          text={text}
          inputRef={inputRef}
          ended={Boolean(ended) || theirs}
          onText={onText}
          onSend={() => void send()}
        />
      </section>
      {confirmDialog}
    </>
  );
}

export function ChatPane() {
  const chat = current.value;
  if (!chat || chat.id !== selected.value) return <Placeholder />;
  return <OpenChat key={chat.id} chat={chat} />;
}
