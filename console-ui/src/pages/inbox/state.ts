// The inbox's state, kept while the member is signed in (the selection and the notice survive
// leaving the page and coming back): the open chats as last loaded, the chat on the right, and
// the requests that change them.
import { signal } from "@preact/signals";
import { ApiError, api, errorText } from "../../api";
import { loadMe, whenSignedOut } from "../../session";
import { hashFor, replaceHash } from "../../router";
import { showBanner } from "../../ui/banner";
import { assistDraft } from "./assist-state";
import { type Team, team } from "./assignment";
import { type Chat, draftOf, forgetDrafts, setDraft, sortChats } from "./chats";

export const REFRESH_MS = 3_000;

/** Open chats as last loaded: waiting first, longest waiting first. Replaced only when
 * something in them changed, so that an unchanged poll redraws nothing. */
export const chats = signal<Chat[]>([]);
/** When the list was last loaded (null: not yet, since the page was opened). */
export const loadedAt = signal<Date | null>(null);
/** The chat id on the right. */
export const selected = signal<string | null>(null);
/** The selected chat as last shown (kept when it ends meanwhile). */
export const current = signal<Chat | null>(null);
/** Why the selected chat is shown read-only: it has ended. */
export const gone = signal<string | null>(null);
/** Shown on the right once nothing is selected ("已结束与 … 的服务"). */
export const notice = signal<string | null>(null);
/** A reply is on its way. */
export const sending = signal(false);
/** Under the composer: why a reply was not sent or the chat not ended. */
export const chatError = signal("");

let listSig = "";
let seq = 0;
let loading = false;
let failed = false;
/** The page is on screen (answers arriving after it left are dropped). */
let onScreen = false;

whenSignedOut(() => {
  forgetDrafts();
  chats.value = [];
  loadedAt.value = null;
  selected.value = null;
  current.value = null;
  gone.value = null;
  notice.value = null;
  listSig = "";
});

/** The page opens: the list is loaded afresh; the chat selected before stays selected. */
export function openInbox(): void {
  onScreen = true;
  failed = false;
  chats.value = [];
  listSig = "";
  loadedAt.value = null;
  current.value = null;
  gone.value = null;
  chatError.value = "";
}

export function closeInbox(): void {
  onScreen = false;
  seq += 1; // an answer still on its way is dropped
  loading = false;
}

export async function loadChats({ quiet = false } = {}): Promise<void> {
  if (quiet && loading) return; // a poll never piles up behind a slow one
  const mine = ++seq;
  loading = true;
  let data: ({ chats?: Chat[] } & Partial<Team>) | null;
  try {
    data = await api<({ chats?: Chat[] } & Partial<Team>) | null>("/chats", { quiet });
  } catch (err) {
    if (mine !== seq) return;
    loading = false;
    if (!onScreen || (err instanceof ApiError && err.status === 401)) return;
    if (err instanceof ApiError && err.status === 403) {
      void loadMe().catch(() => undefined); // permissions changed: the frame shows why
    }
    failed = true;
    showBanner(`会话列表刷新失败：${errorText(err)}（每 3 秒自动重试）`);
    return;
  }
  if (mine !== seq) return; // a newer request is on its way
  loading = false;
  if (!onScreen) return;
  if (failed) {
    failed = false;
    showBanner("");
  }
  loadedAt.value = new Date();
  followTeam(data);
  const list = sortChats(data?.chats ?? []);
  const sig = JSON.stringify(list);
  if (sig !== listSig) {
    listSig = sig;
    chats.value = list;
  }
  followSelection();
}

/** The team and targets of the poll (the server deals chats), replaced only when changed. */
function followTeam(data: Partial<Team> | null): void {
  const next = data?.me && data.agents && data.targets
    ? { me: data.me, agents: data.agents, targets: data.targets }
    : null;
  if (JSON.stringify(next) !== JSON.stringify(team.value)) team.value = next;
}

/** After a load: the selected chat as listed, or shown ended, or (an old link) dropped. */
function followSelection(): void {
  const id = selected.value;
  if (!id) return;
  const live = chats.value.find((c) => c.id === id);
  if (live) {
    current.value = live;
    gone.value = null;
  } else if (current.value?.id === id) {
    gone.value ??= "该会话已结束（客户已退出人工服务，或已由同事结束）。";
    setDraft(id, "");
  } else {
    selected.value = null;
    notice.value = "该会话已结束或不存在。";
    replaceHash(hashFor(["inbox"]));
  }
}

export function selectChat(chatId: string, { focusInput = false } = {}): void {
  if (selected.value !== chatId || gone.value) {
    selected.value = chatId;
    notice.value = null;
    chatError.value = "";
    gone.value = null;
    current.value = chats.value.find((c) => c.id === chatId) ?? null;
    replaceHash(hashFor(["inbox", chatId]));
  }
  if (focusInput) focusComposer();
}

/** The reply box, once the chat selected is on screen (false: there is none to type in). */
export function focusComposer(): boolean {
  const ready = (): HTMLTextAreaElement | null => {
    const input = document.getElementById("chat-input");
    return input instanceof HTMLTextAreaElement && !input.disabled ? input : null;
  };
  if (!selected.value || gone.value) return false;
  const now = ready();
  if (now && now.closest("[data-chat-id]")?.getAttribute("data-chat-id") === selected.value) {
    now.focus();
  } else {
    setTimeout(() => ready()?.focus()); // drawn after this turn
  }
  return true;
}

export function clearSelection(text: string | null = null): void {
  selected.value = null;
  current.value = null;
  gone.value = null;
  chatError.value = "";
  notice.value = text;
  replaceHash(hashFor(["inbox"]));
}

/** The chat on the right has ended (found gone on a refresh, or a 404 from send/end): it
 * stays readable, with what was typed, but nothing more can be sent. */
function markGone(text: string): void {
  gone.value = text;
  if (current.value) setDraft(current.value.id, "");
}

/** Sends a reply; true once the API has taken it. */
export async function sendReply(chat: Chat, text: string): Promise<boolean> {
  sending.value = true;
  chatError.value = "";
  // An answer taken from 智能推荐 goes as that answer (recorded, edited or not).
  const chosen = assistDraft.value?.chatId === chat.id ? assistDraft.value : null;
  try {
    await api(`/chats/${encodeURIComponent(chat.id)}/${chosen ? "assist" : "messages"}`, {
      method: "POST",
      body: chosen ? { message: chosen.message, entry: chosen.entry, text } : { text },
    });
  } catch (err) {
    sending.value = false;
    const status = err instanceof ApiError ? err.status : 0;
    if (!onScreen || selected.value !== chat.id || status === 401) return false;
    const message = errorText(err);
    if (status === 404) {
      markGone("该会话已结束，消息未发送。");
      void loadChats();
    } else if (status === 403) chatError.value = "未发送：您没有回复客户的权限。";
    else if (status === 400) chatError.value = `未发送：${message}`;
    else if (status === 0) {
      chatError.value = `${message}。消息可能未发出：请确认对话里没有这条后再重试。`;
    } else chatError.value = `发送失败，请重试：${message}`;
    return false;
  }
  sending.value = false;
  if (chosen && assistDraft.value === chosen) assistDraft.value = null;
  // Sent: the draft goes (even if the agent has meanwhile opened another chat).
  if (draftOf(chat.id).trim() === text) setDraft(chat.id, "");
  if (onScreen) void loadChats();
  return true;
}

/** Ends the chat (the member has confirmed). */
export async function endChat(chat: Chat, name: string): Promise<void> {
  if (!onScreen || current.value?.id !== chat.id || gone.value) return;
  chatError.value = "";
  try {
    await api(`/chats/${encodeURIComponent(chat.id)}/end`, { method: "POST" });
  } catch (err) {
    const status = err instanceof ApiError ? err.status : 0;
    if (!onScreen || selected.value !== chat.id || status === 401) return;
    if (status === 404) {
      markGone("该会话已结束。");
      void loadChats();
    } else if (status === 403) chatError.value = "未结束：您没有结束人工服务的权限。";
    else chatError.value = `结束失败，请重试：${errorText(err)}`;
    return;
  }
  setDraft(chat.id, "");
  if (!onScreen) return;
  clearSelection(`已结束与 ${chat.code} ${name} 的服务，客户已收到通知。`);
  void loadChats();
}
