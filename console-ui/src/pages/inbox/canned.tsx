// 快捷回复 in the reply box: "/" then words, or the search box, lists the library's replies with
// this customer's values already in (filled by the server); a placeholder it could not fill
// stays as written ({车牌}) and is flagged until the agent replaces it.
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../../api";

export interface FilledReply {
  id: string;
  title: string;
  text: string;
  shortcut: string;
  category: string;
  unfilled: string[];
}

const SHOWN = 8;
const FRESH_MS = 60_000;
const PLACEHOLDER = /\{([^{}\s]{1,12})\}/g;

const cache = new Map<string, { at: number; replies: FilledReply[] }>();

/** The library filled for this chat, loaded when first wanted and again after a minute. */
export function useCannedReplies(chatId: string | null, wanted: boolean) {
  const [replies, setReplies] = useState<FilledReply[] | null>(
    () => (chatId && cache.get(chatId)?.replies) || null,
  );
  const [failed, setFailed] = useState("");
  useEffect(() => {
    if (!wanted || !chatId) return undefined;
    const kept = cache.get(chatId);
    if (kept && Date.now() - kept.at < FRESH_MS) {
      setReplies(kept.replies);
      return undefined;
    }
    let live = true;
    api<{ replies: FilledReply[] }>(`/chats/${encodeURIComponent(chatId)}/canned`, {
      quiet: true,
    }).then(
      (data) => {
        cache.set(chatId, { at: Date.now(), replies: data.replies });
        if (live) {
          setReplies(data.replies);
          setFailed("");
        }
      },
      (err: unknown) => {
        if (live) setFailed(`快捷回复加载失败：${errorText(err)}`);
      },
    );
    return () => {
      live = false;
    };
  }, [chatId, wanted]);
  return { replies, failed };
}

function plain(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}

/** Every word of the query in the title, shortcut, text or category; shortcut hits first. */
export function matching(replies: readonly FilledReply[], query: string): FilledReply[] {
  const words = plain(query).split(/\s+/).filter(Boolean);
  const hits = replies.filter((r) => {
    const hay = plain(`${r.title} ${r.shortcut} ${r.text} ${r.category}`);
    return words.every((w) => hay.includes(w));
  });
  const first = plain(query.trim());
  return hits
    .map((r, i) => [r, i] as const)
    .sort(([a, i], [b, j]) => Number(b.shortcut === first) - Number(a.shortcut === first) || i - j)
    .map(([r]) => r)
    .slice(0, SHOWN);
}

/** The placeholders still in a reply ({车牌}): it is not sent until they are replaced. */
export function unfilledIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ""))];
}

export function CannedMenu(props: {
  replies: FilledReply[] | null;
  failed: string;
  query: string;
  highlight: number;
  onPick: (reply: FilledReply) => void;
}) {
  const { replies, failed, query, highlight, onPick } = props;
  const found = replies ? matching(replies, query) : [];
  return (
    <div class="canned-menu" data-testid="canned-menu" role="listbox" aria-label="快捷回复">
      {failed && <p class="form-error">{failed}</p>}
      {!replies && !failed && <p class="faint">正在加载快捷回复…</p>}
      {replies && found.length === 0 && (
        <p class="faint" data-testid="canned-none">
          {replies.length ? "没有匹配的快捷回复" : "还没有快捷回复（主管可在“快捷回复”页添加）"}
        </p>
      )}
      {found.map((r, i) => (
        <button
          type="button"
          key={r.id}
          role="option"
          aria-selected={i === highlight}
          class={i === highlight ? "canned-option active" : "canned-option"}
          data-testid="canned-option"
          data-reply-id={r.id}
          onMouseDown={(e) => e.preventDefault() /* keep the caret in the reply box */}
          onClick={() => onPick(r)}
        >
          <span class="canned-title">
            {r.title}
            {r.shortcut && <span class="faint mono">{` /${r.shortcut}`}</span>}
          </span>
          <span class="canned-text">{r.text}</span>
          {r.unfilled.length > 0 && (
            <span class="canned-flag">{`需手动填写：${r.unfilled.map((n) => `{${n}}`).join("、")}`}</span>
          )}
        </button>
      ))}
    </div>
  );
}
