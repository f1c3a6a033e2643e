// The reply box: Enter sends, Shift+Enter is a new line; the counter counts what the API counts.
// "/" at the start (or 快捷回复) lists canned replies to put in the box (pages/inbox/canned.tsx).
import type { RefObject } from "preact";
import { useState } from "preact/hooks";
import { labels } from "../../labels";
import { me } from "../../session";
import { assistDraft } from "./assist-state";
import { CannedMenu, type FilledReply, matching, unfilledIn, useCannedReplies } from "./canned";
import { charCount } from "./chats";
import { chatError, selected, sending } from "./state";

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
  const [search, setSearch] = useState<string | null>(null); // the search box, when open
  const [highlight, setHighlight] = useState(0);
  const slash = !ended && text.startsWith("/") && !text.includes("\n");
  const query = search ?? (slash ? text.slice(1) : "");
  const open = !ended && (search !== null || slash);
  const { replies, failed } = useCannedReplies(selected.value, open);
  const found = open && replies ? matching(replies, query) : [];
  const unfilled = unfilledIn(text);

  const type = (value: string) => {
    if (!value.trim() && assistDraft.value?.chatId === selected.value) assistDraft.value = null;
    setHighlight(0);
    onText(value);
  };
  const pick = (reply: FilledReply) => {
    const keep = slash || !text.trim() ? "" : `${text.replace(/\s+$/, "")}\n`;
    setSearch(null);
    setHighlight(0);
    onText(keep + reply.text);
    inputRef.current?.focus();
  };
  /** Arrows, Enter and Esc in the list; true when the key was the list's. */
  const listKey = (e: KeyboardEvent): boolean => {
    if (!open) return false;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      const step = e.key === "ArrowDown" ? 1 : -1;
      setHighlight((h) => Math.max(0, Math.min(found.length - 1, h + step)));
    } else if (e.key === "Enter" && !e.shiftKey && found.length) {
      const chosen = found[Math.min(highlight, found.length - 1)];
      if (chosen) pick(chosen);
    } else if (e.key === "Escape") {
      if (search !== null) setSearch(null);
      else onText("");
      inputRef.current?.focus();
    } else return false;
    e.preventDefault();
    e.stopPropagation();
    return true;
  };

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
      {open && (
        <CannedMenu
          replies={replies}
          failed={failed}
          query={query}
          highlight={highlight}
          onPick={pick}
        />
      )}
      {search !== null && (
        <input
          type="search"
          class="canned-search"
          data-testid="canned-search"
          placeholder="搜索快捷回复（标题、快捷词或内容），↑↓ 选择，Enter 填入"
          aria-label="搜索快捷回复"
          value={search}
          ref={(el) => el?.focus()}
          onInput={(e) => {
            setSearch(e.currentTarget.value);
            setHighlight(0);
          }}
          onKeyDown={(e) => void listKey(e)}
        />
      )}
      <textarea
        id="chat-input"
        ref={inputRef}
        data-testid="chat-input"
        rows={3}
        placeholder="输入回复…（Enter 发送，Shift+Enter 换行，/ 快捷回复）"
        aria-label={`回复客户 ${code}`}
        value={text}
        disabled={ended}
        readOnly={busy}
        onInput={(e) => type(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (slash && listKey(e)) return;
          // Enter sends; Shift+Enter is a new line; an input method's Enter picks its candidate.
          if (e.key !== "Enter" || e.shiftKey || e.altKey || e.isComposing || e.keyCode === 229) {
            return;
          }
          e.preventDefault();
          if (!slash && !unfilled.length) onSend(); // never "/…" or "{车牌}" to a customer
        }}
      />
      {unfilled.length > 0 && (
        <div class="canned-unfilled" data-testid="canned-unfilled" role="status">
          {`请先把 ${unfilled.map((p) => `{${p}}`).join("、")} 换成实际内容再发送`}
        </div>
      )}
      <div class="composer-bar">
        <button
          type="button"
          class="link"
          data-testid="canned-open"
          disabled={ended}
          onClick={() => setSearch(search === null ? "" : null)}
        >
          快捷回复
        </button>
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
          disabled={ended || busy || !text.trim() || n > max || unfilled.length > 0 || slash}
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
