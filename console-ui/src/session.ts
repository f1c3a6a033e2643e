// Who is signed in and what the page may offer them (the server checks every request again).
import { signal } from "@preact/signals";
import { TOKEN_KEY, api, whenUnauthorized } from "./api";
import { banner } from "./ui/banner";

export interface Me {
  id: string;
  name: string;
  roles: string[];
  /** chalicelib/console/auth.py Permission values */
  permissions: string[];
  /** "handled" | "team" | "all" | null: whose conversation records they may search */
  records_scope: string | null;
  records_unmask: boolean;
  [more: string]: unknown;
}

export const me = signal<Me | null>(null);
/** Why the sign-in page is shown (expired, refused), if it is not the first visit. */
export const signInMessage = signal<string>("");

/** Keys this tab keeps in sessionStorage, removed on sign-out. */
const sessionKeys = new Set<string>([TOKEN_KEY]);
const onSignOut: (() => void)[] = [];

/** A page's own sessionStorage key (drafts…), cleared on sign-out with the rest. */
export function sessionKey(key: string): string {
  sessionKeys.add(key);
  return key;
}

/** Something a page forgets on sign-out (state held outside components). */
export function whenSignedOut(forget: () => void): void {
  onSignOut.push(forget);
}

export function can(permission: string): boolean {
  return me.value?.permissions.includes(permission) ?? false;
}

export function hasRole(...roles: string[]): boolean {
  const mine = me.value?.roles ?? [];
  return roles.some((r) => mine.includes(r));
}

export const mayViewClaims = (): boolean => can("view_claims");
export const mayHandleChats = (): boolean => can("handle_chats");
export const mayViewAudit = (): boolean => can("view_audit");
export const maySearchRecords = (): boolean => Boolean(me.value?.records_scope);

/** Where a member starts: the claims queue, or the inbox for those who only answer customers. */
export function homeHash(): string {
  if (!mayViewClaims() && mayHandleChats()) return "#/inbox";
  if (!mayViewClaims() && maySearchRecords()) return "#/records";
  if (!mayViewClaims() && can("approve_campaigns")) return "#/campaigns"; // 群发审批 only
  return "#/queue";
}

export async function loadMe(): Promise<Me> {
  const who = await api<Me>("/me");
  me.value = who;
  return who;
}

export function signOut(message = ""): void {
  for (const key of sessionKeys) sessionStorage.removeItem(key);
  for (const forget of onSignOut) forget();
  for (const dialog of document.querySelectorAll("dialog[open]")) {
    (dialog as HTMLDialogElement).close("cancel");
  }
  banner.value = null;
  signInMessage.value = message;
  me.value = null;
}

whenUnauthorized((message) => signOut(message));
