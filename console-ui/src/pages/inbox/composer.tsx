// The reply box: Enter sends, Shift+Enter is a new line; the counter counts what the API counts.
import type { RefObject } from "preact";
import { labels } from "../../labels";
import { me } from "../../session";
import { charCount } from "./chats";
import { chatError, sending } from "./state";

export function Composer(props: {
  code: string;
  text: string;
  inputRef: RefObject<HTMLTextAreaElement | null>;
  ended: boolean;
  onText: (text: string) => void;
  onSend: () => void;
}) {
  const { code, text, inputRef, ended, onText, onSend } = props;
  const max = labels().limits.max_chat_chars;
  const busy = sending.value;
  const error = chatError.value;
  const n = charCount(text);
  return (
    <form
      class="composer"
      data-testid="chat-composer"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        onSend();
      }}
    >
      <textarea
        id="chat-input"
        ref={inputRef}
        data-testid="chat-input"
        rows={3}
        placeholder="输入回复…（Enter 发送，Shift+Enter 换行）"
        aria-label={`回复客户 ${code}`}
        value={text}
        disabled={ended}
        readOnly={busy}
        onInput={(e) => onText(e.currentTarget.value)}
        onKeyDown={(e) => {
          // Enter sends; Shift+Enter is a new line; an input method's Enter picks its candidate.
          if (e.key !== "Enter" || e.shiftKey || e.altKey || e.isComposing || e.keyCode === 229) {
            return;
          }
          e.preventDefault();
          onSend();
        }}
      />
      <div class="composer-bar">
        <span class="faint">
          {`Enter 发送 · Shift+Enter 换行 · 客户在微信中看到“【人工客服 ${me.value?.name ?? ""}】…”`}
        </span>
        <span class="spacer" />
        <span
          class={n > max ? "counter num over" : "counter num"}
          id="chat-counter"
          data-testid="chat-counter"
        >
          {`${n}/${max}`}
        </span>
        <button
          type="submit"
          class="primary"
          id="chat-send"
          data-testid="chat-send"
          disabled={ended || busy || !text.trim() || n > max}
        >
          {busy ? "发送中…" : "发送"}
        </button>
      </div>
      <div class="form-error" id="chat-error" data-testid="chat-error" role="alert" hidden={!error}>
        {error}
      </div>
    </form>
  );
}
