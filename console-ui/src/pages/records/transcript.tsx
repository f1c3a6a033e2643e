// A search's records as the conversation the customer had: their words on the left, the bot's
// and staff's on the right (staff named), template notices in the middle, where a person joined
// and where the bot took over again, photos as thumbnails from their short-lived links. What a
// customer typed is shown as text, never as markup.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { labels } from "../../labels";
import { Chip } from "../../ui/chips";
import type { RecordRow } from "./query";

type Item =
  | { kind: "customer"; customer: string; count: number }
  | { kind: "day"; day: string }
  | { kind: "mark"; text: string; joined: boolean }
  | { kind: "row"; row: RecordRow };

/** The rows with what lies between them: a header per customer, a line per day, and the
 * boundaries of a person's part (as the printable transcript marks them). */
export function transcriptItems(rows: RecordRow[]): Item[] {
  const items: Item[] = [];
  const saved = new Set(rows.filter((r) => r.photo && r.message).map((r) => r.message));
  let customer: string | null = null;
  let header: { kind: "customer"; customer: string; count: number } | null = null;
  let day = "";
  let withPerson = false;
  for (const row of rows) {
    // A photo's webhook record (WeChat's media id) when its saved copy is shown.
    if (!row.photo && row.type === "image" && row.message && saved.has(row.message)) continue;
    if (row.customer !== customer) {
      customer = row.customer;
      header = { kind: "customer", customer, count: 0 };
      items.push(header);
      day = "";
      withPerson = false;
    }
    if (header) header.count += 1;
    const rowDay = row.time.slice(0, 10);
    if (rowDay !== day) {
      day = rowDay;
      items.push({ kind: "day", day });
    }
    if (row.staff && !withPerson) {
      items.push({ kind: "mark", text: "人工客服加入", joined: true });
      withPerson = true;
    } else if (withPerson && row.direction === "out" && !row.staff) {
      items.push({ kind: "mark", text: "回到自助服务", joined: false });
      withPerson = false;
    }
    items.push({ kind: "row", row });
  }
  return items;
}

/** What a record said, for people: bare type names and media ids are left out (the type chip
 * says enough); anything with words in it is shown. */
function shownText(row: RecordRow): string {
  const content = row.content || "";
  if (row.type === "text" || !row.type) return content;
  if (content === row.type || /^[\x21-\x7e]*$/.test(content)) return "";
  return content;
}

/** The text with the keyword marked (as text nodes and <mark>s: nothing becomes markup). */
function Highlighted({ text, keyword }: { text: string; keyword: string }) {
  if (!keyword || !text.includes(keyword)) return <>{text}</>;
  const parts = text.split(keyword);
  const out: ComponentChildren[] = [];
  parts.forEach((part, n) => {
    if (n > 0) out.push(<mark key={`m${n}`}>{keyword}</mark>);
    if (part) out.push(part);
  });
  return <>{out}</>;
}

function Photo({ url }: { url: string }) {
  const [failed, setFailed] = useState(false);
  if (failed) {
    return (
      <span class="record-photo-gone" data-testid="record-photo-gone">
        照片链接已过期，请重新查询
      </span>
    );
  }
  return (
    <a
      class="record-photo"
      href={url}
      target="_blank"
      rel="noopener noreferrer"
      title="查看原图（链接 5 分钟内有效）"
      data-testid="record-photo"
    >
      <img src={url} alt="客户发送的照片" loading="lazy" onError={() => setFailed(true)} />
    </a>
  );
}

function Message({
  row,
  keyword,
  onContext,
}: {
  row: RecordRow;
  keyword: string;
  onContext: ((day: string) => void) | null;
}) {
  const kind = labels().message_types[row.type] ?? row.type;
  const text = shownText(row);
  const time = row.time.slice(11);
  const context = onContext && (
    <button
      type="button"
      class="link record-context"
      data-testid="record-context"
      title="查看当天的完整对话"
      onClick={() => onContext(row.time.slice(0, 10))}
    >
      上下文
    </button>
  );
  if (row.channel === "template") {
    return (
      <div class="record-notice" data-testid="record-message" data-channel="template">
        <span class="when">{`通知 · ${time}`}</span>
        <div>
          <Chip tone="info">{kind || "模板消息"}</Chip>
          <Highlighted text={text || row.content} keyword={keyword} />
        </div>
        {context}
      </div>
    );
  }
  const out = row.direction === "out";
  const cls = ["msg", out ? "out" : "in", out ? (row.staff ? "staff" : "bot") : ""];
  return (
    <div
      class={cls.filter(Boolean).join(" ")}
      data-testid="record-message"
      data-direction={out ? "out" : "in"}
      data-staff={row.staff ? "1" : undefined}
      data-type={row.type}
      data-id={row.id}
    >
      <span class="when" title={row.time}>
        {`${row.who} · ${time}`}
        {context}
      </span>
      <div class="bubble">
        {kind && <Chip>{kind}</Chip>}
        {row.photo && <Photo url={row.photo} />}
        <Highlighted text={text} keyword={keyword} />
      </div>
    </div>
  );
}

export function Transcript({
  rows,
  keyword,
  unmasked,
  onContext,
}: {
  rows: RecordRow[];
  keyword: string;
  unmasked: boolean;
  onContext: ((day: string) => void) | null;
}) {
  const items = transcriptItems(rows);
  return (
    <div class="records-transcript chat-messages" data-testid="records-transcript">
      {items.map((item, n) => {
        switch (item.kind) {
          case "customer":
            return (
              <div class="records-customer" key={`c${n}`} data-testid="records-customer">
                <span>{unmasked ? "客户 openid" : "客户（编号）"}</span>
                <span class="mono">{item.customer}</span>
                <span class="muted">{`${item.count} 条消息`}</span>
              </div>
            );
          case "day":
            return (
              <div class="records-day" key={`d${n}`}>
                {item.day}
              </div>
            );
          case "mark":
            return (
              <div
                class={`records-boundary ${item.joined ? "joined" : "left"}`}
                key={`b${n}`}
                data-testid="records-boundary"
              >
                {`—— ${item.text} ——`}
              </div>
            );
          default:
            return (
              <Message key={item.row.id} row={item.row} keyword={keyword} onContext={onContext} />
            );
        }
      })}
    </div>
  );
}
