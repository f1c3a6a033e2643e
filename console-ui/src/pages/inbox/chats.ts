// What the inbox shows of a chat (GET /console/api/chats), worked out from the API's fields.
import { labels } from "../../labels";
import { sessionKey } from "../../session";

export interface ChatMessage {
  /** the conversation record's id (Assist asks for a message's candidates by it) */
  id?: string;
  at: string;
  direction: "in" | "out";
  type: string;
  content: string | null;
  /** the staff member who wrote it (an agent's reply), else null */
  staff: string | null;
}

export interface Chat {
  id: string;
  /** the customer's short code ("#K7Q") */
  code: string;
  state: "waiting" | "active";
  reason: string;
  started_at: string;
  waiting_minutes: number;
  /** the handoff's context lines: a title, the customer's (masked) facts, recent messages */
  context: string[];
  messages: ChatMessage[];
  // Whose it is and its clock (pages/inbox/assignment.tsx); absent: the server deals no chats.
  assignee?: string | null;
  assignee_name?: string | null;
  mine?: boolean;
  taken_from?: string | null;
  escalations?: number;
  wecom_relay?: boolean;
  timer?: ChatTimer;
  first_response_s?: number | null;
  resolution_s?: number | null;
}

/** The clock that runs for a chat, in business-hours seconds (domain/chat_timers.py). */
export interface ChatTimer {
  /** "" (the customer has not said what they need yet), first_response, resolution */
  clock: string;
  elapsed_s: number;
  target_s: number;
  due_at: string | null;
  overdue: boolean;
}

/** A waiting customer turns amber, then red (without the server's clock: these minutes). */
const SOON_MINUTES = 2;
const LATE_MINUTES = 5;

/** Characters as the API counts them (code points: an emoji is one). */
export const charCount = (text: string): number => [...text].length;

/** "【人工转接】#K7Q 欧阳女士" → "欧阳女士" (the masked salutation; "客户" when not bound). */
export function customerName(chat: Chat): string {
  const first = String(chat.context[0] ?? "");
  const name = first
    .replace(/^【[^】]*】\s*/, "")
    .replace(chat.code || "", "")
    .trim();
  return name || "客户";
}

/** The customer facts: the context lines after the title and before the recent messages
 * (those are in the conversation below). */
export function contextFacts(chat: Chat): string[] {
  const lines = chat.context.slice(1);
  const end = lines.indexOf("最近消息：");
  return (end < 0 ? lines : lines.slice(0, end)).filter((line) => line.trim());
}

/** The outbox records what it delivered too: "【人工客服 赵客服】text" right after the agent's
 * own record of "text". The agent's record is shown once. */
export function visibleMessages(messages: readonly ChatMessage[]): ChatMessage[] {
  const said = new Map<string, number>();
  const shown: ChatMessage[] = [];
  for (const m of messages) {
    const content = String(m.content ?? "");
    if (m.direction === "out" && m.staff) said.set(content, (said.get(content) ?? 0) + 1);
    if (m.direction === "out" && !m.staff) {
      const relayed = /^【人工客服 [^】]*】([\s\S]*)$/.exec(content)?.[1];
      const times = relayed === undefined ? 0 : (said.get(relayed) ?? 0);
      if (relayed !== undefined && times > 0) {
        said.set(relayed, times - 1);
        continue;
      }
    }
    shown.push(m);
  }
  return shown;
}

/** The message type's label ("图片"), "" for text. */
export function messageKind(m: ChatMessage): string {
  return labels().message_types[m.type] ?? m.type;
}

/** What a message said, for people: media ids, template ids and bare type names are left out
 * (the type chip says enough); anything with words in it is shown. */
export function messageText(m: ChatMessage): string {
  const content = String(m.content ?? "");
  if (m.type === "text" || !m.type) return content;
  if (content === m.type || /^[\x21-\x7e]*$/.test(content)) return "";
  return content;
}

/** One line for the list: "[图片] text". */
export function messageLabel(m: ChatMessage): string {
  const kind = messageKind(m);
  const text = messageText(m).replace(/\s+/g, " ").trim();
  if (kind && text) return `[${kind}] ${text}`;
  return kind ? `[${kind}]` : text;
}

export type Urgency = "" | "soon" | "late";

export function chatUrgency(chat: Chat): Urgency {
  if (chat.state !== "waiting") return "";
  const timer = chat.timer;
  if (timer) {
    // the first-response target from the server: amber past half of it, red once passed
    if (timer.clock !== "first_response") return "";
    if (timer.overdue) return "late";
    return timer.elapsed_s * 2 >= timer.target_s ? "soon" : "";
  }
  const minutes = Number(chat.waiting_minutes) || 0;
  if (minutes >= LATE_MINUTES) return "late";
  if (minutes >= SOON_MINUTES) return "soon";
  return "";
}

/** The member's own chats first, then nobody's, then colleagues'; in each, waiting customers
 * first, then by when they asked (longest waiting first). */
export function sortChats(chats: readonly Chat[]): Chat[] {
  const at = (c: Chat) => {
    const t = Date.parse(c.started_at);
    return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
  };
  const owner = (c: Chat) => (c.mine ? 0 : c.assignee ? 2 : 1);
  const rank = (c: Chat) => (c.state === "waiting" ? 0 : 1);
  return chats
    .map((c, i) => [c, i] as const)
    .sort(
      ([a, i], [b, j]) => owner(a) - owner(b) || rank(a) - rank(b) || at(a) - at(b) || i - j,
    )
    .map(([c]) => c);
}

// Unsent replies, per chat, kept for the tab (sign-out removes them).
const DRAFTS_KEY = sessionKey("claimbot.console.drafts");

function loadDrafts(): Map<string, string> {
  try {
    const saved = JSON.parse(sessionStorage.getItem(DRAFTS_KEY) ?? "{}") as Record<string, unknown>;
    const kept = Object.entries(saved).filter(
      (e): e is [string, string] => typeof e[1] === "string" && e[1] !== "",
    );
    return new Map(kept);
  } catch {
    return new Map();
  }
}

const drafts = loadDrafts();

export function draftOf(chatId: string): string {
  return drafts.get(chatId) ?? "";
}

export function setDraft(chatId: string, text: string): void {
  if (text) drafts.set(chatId, text);
  else drafts.delete(chatId);
  try {
    if (drafts.size) sessionStorage.setItem(DRAFTS_KEY, JSON.stringify(Object.fromEntries(drafts)));
    else sessionStorage.removeItem(DRAFTS_KEY);
  } catch {
    // storage full or blocked: the draft still lives in the page
  }
}

export function forgetDrafts(): void {
  drafts.clear();
}
