// The last messages between the customer and the bot about this claim, latest at the bottom.
import { useEffect, useRef } from "preact/hooks";
import { formatTime } from "../../format";
import { labels } from "../../labels";
import { Chip } from "../../ui/chips";
import type { ClaimDetail, ConversationMessage } from "./types";

/** What a message said, for people: media ids, template ids and bare type names are left out
 * (the type chip says enough); anything with words in it is shown. */
function messageText(m: ConversationMessage): string {
  const content = String(m.content || "");
  if (m.type === "text" || !m.type) return content;
  if (content === m.type || /^[\x21-\x7e]*$/.test(content)) return "";
  return content;
}

export function ConversationPanel({ detail }: { detail: ClaimDetail }) {
  const conversation = detail.conversation;
  const msgs = conversation ?? [];
  const listRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight; // the latest message is the most relevant
  }, [conversation]);
  return (
    <details class="panel" data-testid="conversation-panel" open>
      <summary>{`对话摘录（最近 ${msgs.length} 条）`}</summary>
      <div class="panel-body">
        <div class="conversation" data-testid="conversation" ref={listRef}>
          {msgs.length ? (
            msgs.map((m, i) => {
              const kind = labels().message_types[m.type] ?? m.type;
              return (
                <div key={i} class={`msg ${m.direction === "out" ? "out" : "in"}`}>
                  <span class="when">
                    {m.direction === "out" ? "公众号" : "客户"}
                    {" · "}
                    {formatTime(m.at)}
                  </span>
                  <div class="bubble">
                    {kind ? <Chip>{kind}</Chip> : null}
                    {messageText(m)}
                  </div>
                </div>
              );
            })
          ) : (
            <p class="muted">没有对话记录</p>
          )}
        </div>
      </div>
    </details>
  );
}
