// The last decision's outcome: done, refused (with the server's words), or a conflict to reload.
import { useEffect, useRef } from "preact/hooks";
import { formatTime } from "../../../format";
import type { Outcome } from "./types";

const TESTIDS = { ok: "action-ok", bad: "action-error", conflict: "action-conflict" } as const;

export function ResultBox({ result: r, onReload }: { result: Outcome | null; onReload: () => void }) {
  const reloadRef = useRef<HTMLButtonElement>(null);
  // A conflict: the way out is the reload button.
  useEffect(() => {
    if (r?.reload) reloadRef.current?.focus();
  }, [r]);
  if (!r) return null;
  return (
    <div class={`result ${r.tone}`} role="status" data-testid={TESTIDS[r.tone]}>
      <div class="title">
        {r.title}
        {r.at && (
          <span class="faint">{` ${formatTime(r.at.toISOString(), { seconds: true }).slice(11)}`}</span>
        )}
      </div>
      {r.server && (
        <div class="server" data-testid="server-message">
          {r.server}
        </div>
      )}
      {r.reload && (
        <button
          type="button"
          class="primary"
          data-testid="conflict-reload"
          ref={reloadRef}
          onClick={onReload}
        >
          重新加载赔案
        </button>
      )}
    </div>
  );
}
