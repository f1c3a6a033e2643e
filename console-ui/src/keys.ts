// Keyboard shortcuts: the page on screen handles keys unless the member is typing or a dialog
// is open; "?" shows the list of shortcuts everywhere.
import { useEffect, useRef } from "preact/hooks";

export type KeyHandler = (e: KeyboardEvent) => void;

const handlers: KeyHandler[] = [];

/** While the calling component is shown, its handler gets the page's keys. Handlers are asked
 * in turn (the last mounted first: a page, then the panels it contains) until one calls
 * `e.preventDefault()`, which is how a handler says it took the key. */
export function useKeys(handler: KeyHandler): void {
  const latestRef = useRef(handler);
  useEffect(() => {
    latestRef.current = handler;
  });
  useEffect(() => {
    const forward: KeyHandler = (e) => latestRef.current(e);
    handlers.unshift(forward);
    return () => {
      const at = handlers.indexOf(forward);
      if (at >= 0) handlers.splice(at, 1);
    };
  }, []);
}

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target.tagName === "TEXTAREA" || target.tagName === "SELECT") return true;
  if (!(target instanceof HTMLInputElement)) return false;
  return !["checkbox", "radio", "button", "submit", "reset"].includes(target.type);
}

/** The document's keydown: `overlay` (the photo viewer) takes keys first while it is open. */
export function dispatchKey(e: KeyboardEvent, showHelp: () => void): void {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  if (overlay) {
    overlay(e);
    return;
  }
  if (document.querySelector("dialog[open]")) return; // the dialog handles its keys (Esc)
  if (isTyping(e.target)) {
    if (e.key === "Escape") (e.target as HTMLElement).blur();
    return;
  }
  if (e.key === "?") {
    e.preventDefault();
    showHelp();
    return;
  }
  for (const handler of [...handlers]) {
    handler(e);
    if (e.defaultPrevented) return;
  }
}

let overlay: KeyHandler | null = null;

/** A full-screen layer (the photo viewer) takes every key while it is open. */
export function setOverlayKeys(handler: KeyHandler | null): void {
  overlay = handler;
}
