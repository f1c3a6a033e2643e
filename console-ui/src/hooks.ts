// Timers and page events that stop when the component leaves the screen.
import { useEffect, useRef } from "preact/hooks";

/** Calls `fn` every `ms` while mounted (the newest `fn`, without restarting the timer). */
export function useInterval(ms: number | null, fn: () => void): void {
  const latestRef = useRef(fn);
  useEffect(() => {
    latestRef.current = fn;
  });
  useEffect(() => {
    if (ms == null) return undefined;
    const id = setInterval(() => latestRef.current(), ms);
    return () => clearInterval(id);
  }, [ms]);
}

/** Calls `fn` when the tab becomes visible again (reload what may have changed meanwhile). */
export function useOnVisible(fn: () => void): void {
  const latestRef = useRef(fn);
  useEffect(() => {
    latestRef.current = fn;
  });
  useEffect(() => {
    const listener = () => {
      if (!document.hidden) latestRef.current();
    };
    document.addEventListener("visibilitychange", listener);
    return () => document.removeEventListener("visibilitychange", listener);
  }, []);
}

/** The document title while mounted. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title;
  }, [title]);
}
