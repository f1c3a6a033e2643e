// Hash routes (#/queue?status=…, #/claim/<no>, #/inbox/<chat>, #/records, …): the current one
// as a signal that every hash change updates.
import { signal } from "@preact/signals";

export interface Route {
  /** "#/claim/C1" -> ["claim", "C1"] (decoded) */
  parts: string[];
  params: URLSearchParams;
  /** Counts every hash change, so that going to the same hash again still reloads. */
  seq: number;
}

function parse(seq: number): Route {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path = "", query = ""] = raw.split("?");
  const parts = path
    .split("/")
    .filter(Boolean)
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    });
  return { parts, params: new URLSearchParams(query), seq };
}

export const route = signal<Route>(parse(0));

window.addEventListener("hashchange", () => {
  route.value = parse(route.value.seq + 1);
});

/** Go to a hash; going to the one already shown reloads it. */
export function go(hash: string): void {
  if (location.hash === hash) route.value = parse(route.value.seq + 1);
  else location.hash = hash;
}

/** Replace the hash without a history entry (and without reloading the page shown). */
export function replaceHash(hash: string): void {
  history.replaceState(null, "", `${location.pathname}${location.search}${hash}`);
}

/** Replace the hash and show it. */
export function redirect(hash: string): void {
  replaceHash(hash);
  route.value = parse(route.value.seq + 1);
}

export function hashFor(parts: string[], params?: Record<string, string>): string {
  const path = parts.map(encodeURIComponent).join("/");
  const query = params ? new URLSearchParams(params).toString() : "";
  return `#/${path}${query ? `?${query}` : ""}`;
}
