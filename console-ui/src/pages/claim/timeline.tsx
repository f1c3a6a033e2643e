// The claim's progress: each status it went through, with who decided and why.
import { formatTime, formatYuan } from "../../format";
import type { ClaimInfo } from "./types";

export function TimelinePanel({ claim }: { claim: ClaimInfo }) {
  const entries = claim.timeline ?? [];
  return (
    <section class="panel" data-testid="timeline">
      <h2>进度</h2>
      <div class="panel-body">
        {entries.length ? (
          <ol class="timeline">
            {entries.map((t, i) => (
              <li key={i} data-status={t.status}>
                <div>
                  <span class="what">{t.status_text || t.status}</span>
                  {t.amount != null && <span class="num">{` ${formatYuan(t.amount)}`}</span>}
                </div>
                <div class="when">
                  {formatTime(t.at)}
                  {t.by && <span class="by">{` · ${t.by}`}</span>}
                </div>
                {t.reason && <div class="why">{t.reason}</div>}
              </li>
            ))}
          </ol>
        ) : (
          <p class="muted">—</p>
        )}
      </div>
    </section>
  );
}
