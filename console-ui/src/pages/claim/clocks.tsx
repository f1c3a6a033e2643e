// The claim clocks the Insurance Law sets (chalicelib/domain/claim_clocks.py): a badge with the
// nearest one for the queue, and a panel with all of them for the claim page. Warning and
// overdue clocks are coloured; the due time is shown as the law counts it (24:00 of the last
// day, China time).
import { formatAge, formatTime } from "../../format";
import { labels } from "../../labels";
import "./clocks.css";
import type { ClaimClock, ClaimInfo } from "./types";

/** "2026-03-31 24:00": a due time at midnight is the end of the day before. */
export function dueText(iso: string): string {
  const shown = formatTime(iso);
  if (!shown.endsWith(" 00:00")) return shown;
  const before = new Date(Date.parse(iso) - 60_000).toISOString();
  return `${formatTime(before).slice(0, 10)} 24:00`;
}

/** "剩 2 天 3 小时" | "超时 5 小时" | "" once met. */
export function leftText(clock: ClaimClock): string {
  const seconds = clock.seconds_left;
  if (seconds == null) return "";
  if (seconds < 0) return `超时 ${formatAge(Math.ceil(-seconds / 60))}`;
  return `剩 ${formatAge(Math.floor(seconds / 60))}`;
}

function kindText(kind: string): string {
  return labels().clock_kinds[kind] ?? kind;
}

function stateText(state: string): string {
  return labels().clock_states[state] ?? state;
}

/** The queue's cell: the open clock due first. */
export function ClockBadge({ clock }: { clock: ClaimClock | null | undefined }) {
  if (!clock) return <span class="faint">—</span>;
  const paused = clock.state === "paused";
  return (
    <span
      class={`clock-badge clock-${clock.state}`}
      data-testid="queue-clock"
      data-kind={clock.kind}
      data-state={clock.state}
      data-due={clock.due_at}
      title={`${kindText(clock.kind)}期限 ${dueText(clock.due_at)}（《保险法》第${clock.article}条）· ${stateText(clock.state)}`}
    >
      {`${kindText(clock.kind)} ${paused ? "暂停 · " : ""}${leftText(clock)}`}
    </span>
  );
}

function ClockItem({ clock }: { clock: ClaimClock }) {
  const met = clock.state === "met";
  return (
    <li
      class={`clock-item clock-${clock.state}`}
      data-testid="claim-clock"
      data-kind={clock.kind}
      data-state={clock.state}
    >
      <div class="clock-line">
        <span class="what">{kindText(clock.kind)}</span>
        <span class={`chip clock-state clock-${clock.state}`} data-testid="claim-clock-state">
          {met && clock.late ? "逾期完成" : stateText(clock.state)}
        </span>
        <span class="spacer" />
        {!met && (
          <span class="clock-left" data-testid="claim-clock-left">
            {leftText(clock)}
          </span>
        )}
      </div>
      <div class="clock-when">
        {`期限 ${dueText(clock.due_at)} · 《保险法》第${clock.article}条`}
      </div>
      <div class="clock-when faint">
        {`起算 ${formatTime(clock.started_at)}`}
        {met && clock.met_at ? ` · 完成 ${formatTime(clock.met_at)}` : ""}
        {clock.paused_s > 0 ? ` · 客户补充资料 ${formatAge(Math.round(clock.paused_s / 60))} 不计入` : ""}
      </div>
    </li>
  );
}

/** The claim page's panel: every clock that has started. */
export function ClocksPanel({ claim }: { claim: ClaimInfo }) {
  const clocks = claim.clocks ?? [];
  return (
    <section class="panel" data-testid="claim-clocks">
      <h2>时效</h2>
      <div class="panel-body">
        {clocks.length ? (
          <ul class="clocks">
            {clocks.map((c) => (
              <ClockItem key={c.kind} clock={c} />
            ))}
          </ul>
        ) : (
          <p class="muted">尚未起算：收到查勘照片或派出查勘员后开始计算核定时效。</p>
        )}
      </div>
    </section>
  );
}
