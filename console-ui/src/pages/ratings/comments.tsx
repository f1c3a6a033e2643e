// The latest comments customers left with a rating, newest first. What they wrote is shown as
// text (never markup), masked when it was stored.
import { formatTime } from "../../format";
import { labels } from "../../labels";
import type { RatingComment } from "./types";

export function Comments({ comments }: { comments: RatingComment[] }) {
  if (comments.length === 0) {
    return <p class="muted pad">这段时间没有客户留言</p>;
  }
  const flows = Object.fromEntries(labels().rating_flows);
  return (
    <ul class="rating-comments" data-testid="rating-comments">
      {comments.map((c, i) => (
        <li key={`${c.at ?? ""}-${i}`} data-testid="rating-comment" data-score={c.score}>
          <div class="rating-comment-head">
            <span class={`rating-score s${c.score}`}>{`${c.score}分`}</span>
            <span>{flows[c.flow] ?? c.flow}</span>
            {c.staff_name && <span data-testid="rating-comment-staff">{c.staff_name}</span>}
            <span class="muted">{formatTime(c.at)}</span>
          </div>
          <p class="rating-comment-text" data-testid="rating-comment-text">
            {c.comment}
          </p>
        </li>
      ))}
    </ul>
  );
}
