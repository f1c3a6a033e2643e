// 智能推荐 (Assist): the knowledge base's best answers for the customer message the agent has
// picked (the latest one by default), asked for when the message changes, not on every poll.
// 发送 sends an answer as it is; 编辑 puts it in the reply box, and sending it from there is
// recorded as that answer, edited or not (the server compares).
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, errorText } from "../../api";
import { assistDraft, pickedMessage } from "./assist-state";
import type { Chat, ChatMessage } from "./chats";
import { chatError, loadChats, selected } from "./state";

export interface Candidate {
  id: string;
  question: string;
  answer: string;
  category: string;
  score: number;
}

interface Candidates {
  message: { id: string; content: string } | null;
  candidates: Candidate[];
}

/** A customer's words the knowledge base can rank (not a photo, a location, a menu click). */
export function rankable(m: ChatMessage): boolean {
  return m.direction === "in" && (m.type === "text" || m.type === "voice") && Boolean(m.id);
}

/** The message the candidates are for: the one picked, else the latest the customer wrote. */
export function targetMessage(chat: Chat): ChatMessage | null {
  const said = chat.messages.filter(rankable);
  const picked = pickedMessage.value[chat.id];
  return said.find((m) => m.id === picked) ?? said[said.length - 1] ?? null;
}

/** Sends an answer as it is; true once the server has taken it. */
async function sendCandidate(chat: Chat, message: string, entry: string): Promise<boolean> {
  chatError.value = "";
  try {
    await api(`/chats/${encodeURIComponent(chat.id)}/assist`, {
      method: "POST",
      body: { message, entry },
    });
  } catch (err) {
    if (selected.value !== chat.id) return false;
    const status = err instanceof ApiError ? err.status : 0;
    chatError.value =
      status === 404 ? "未发送：会话已结束或消息已不在列表中。" : `未发送：${errorText(err)}`;
    return false;
  }
  void loadChats();
  return true;
}

export function AssistPanel(props: {
  chat: Chat;
  disabled: boolean;
  onEdit: (text: string) => void;
}) {
  const { chat, disabled, onEdit } = props;
  const target = targetMessage(chat);
  const messageId = target?.id ?? "";
  const [found, setFound] = useState<Candidates | null>(null);
  const [failed, setFailed] = useState("");
  const [busy, setBusy] = useState("");

  useEffect(() => {
    setFound(null);
    setFailed("");
    if (!messageId) return undefined;
    let live = true;
    const path = `/chats/${encodeURIComponent(chat.id)}/candidates?message=${encodeURIComponent(messageId)}`;
    api<Candidates>(path, { quiet: true }).then(
      (data) => {
        if (live) setFound(data);
      },
      (err: unknown) => {
        if (live) setFailed(`推荐加载失败：${errorText(err)}`);
      },
    );
    return () => {
      live = false;
    };
  }, [chat.id, messageId]);

  if (!target) return null;
  const list = found?.candidates ?? [];
  const send = async (entry: string) => {
    if (disabled || busy) return;
    setBusy(entry);
    await sendCandidate(chat, messageId, entry);
    setBusy("");
  };
  return (
    <section class="assist" data-testid="assist-panel" data-message-id={messageId}>
      <header class="assist-head">
        <strong>智能推荐</strong>
        <span class="faint assist-for" data-testid="assist-message" title={target.content ?? ""}>
          {`针对：${target.content ?? ""}`}
        </span>
        <span class="spacer" />
        <span class="faint">点客户消息可换一条</span>
      </header>
      {failed && <p class="form-error">{failed}</p>}
      {!found && !failed && <p class="faint assist-none">正在查找知识库…</p>}
      {found && list.length === 0 && (
        <p class="faint assist-none" data-testid="assist-empty">
          知识库里没有合适的答案，请直接回复。
        </p>
      )}
      {list.length > 0 && (
        <ol class="assist-list">
          {list.map((c, i) => (
            <li key={c.id} class="assist-item" data-testid="assist-candidate" data-entry={c.id}>
              <div class="assist-q">
                <span class="num">{i + 1}</span>
                <span class="q">{c.question}</span>
                <span class="faint">{c.category}</span>
                <span class="spacer" />
                <button
                  type="button"
                  data-testid="assist-edit"
                  disabled={disabled}
                  onClick={() => {
                    assistDraft.value = { chatId: chat.id, message: messageId, entry: c.id };
                    onEdit(c.answer);
                  }}
                >
                  编辑
                </button>
                <button
                  type="button"
                  class="primary"
                  data-testid="assist-send"
                  disabled={disabled || Boolean(busy)}
                  onClick={() => void send(c.id)}
                >
                  {busy === c.id ? "发送中…" : "发送"}
                </button>
              </div>
              <div class="assist-a pre-wrap">{c.answer}</div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
