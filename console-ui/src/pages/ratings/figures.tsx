// The figures: a row per flow or per staff member with its average, counts and how the
// scores are spread (a bar per score, 5 to 1).
import { formatNumber } from "../../format";
import type { Figures } from "./types";

const SCORES = ["5", "4", "3", "2", "1"];

export function averageText(figures: Figures): string {
  return figures.average === null ? "—" : formatNumber(figures.average, 2);
}

function rateText(figures: Figures): string {
  return figures.response_rate === null ? "—" : `${Math.round(figures.response_rate * 100)}%`;
}

export function Distribution({ figures }: { figures: Figures }) {
  const most = Math.max(1, ...SCORES.map((s) => figures.distribution[s] ?? 0));
  return (
    <div class="rating-bars" data-testid="rating-distribution">
      {SCORES.map((score) => {
        const count = figures.distribution[score] ?? 0;
        return (
          <div class="rating-bar" key={score} data-score={score} title={`${score}分：${count}`}>
            <span class="rating-bar-score">{score}</span>
            <span class="rating-bar-track">
              <span
                class={`rating-bar-fill s${score}`}
                style={{ width: `${(count / most) * 100}%` }}
              />
            </span>
            <span class="rating-bar-count" data-testid="rating-count">
              {count}
            </span>
          </div>
        );
      })}
    </div>
  );
}

export interface FiguresRow {
  key: string;
  name: string;
  figures: Figures;
}

export function FiguresTable(props: { rows: FiguresRow[]; first: string; testid: string }) {
  return (
    <table class="ratings-table" data-testid={props.testid}>
      <thead>
        <tr>
          <th>{props.first}</th>
          <th>平均分</th>
          <th>评价数</th>
          <th>已询问</th>
          <th>回复率</th>
          <th>低分（1–2）</th>
          <th>未发送</th>
          <th>分布</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map(({ key, name, figures }) => (
          <tr key={key} data-testid="ratings-row" data-key={key}>
            <td class="ratings-name">{name}</td>
            <td class="ratings-average" data-testid="ratings-average">
              {averageText(figures)}
            </td>
            <td data-testid="ratings-rated">{figures.rated}</td>
            <td>{figures.asked}</td>
            <td>{rateText(figures)}</td>
            <td class={figures.low > 0 ? "late" : undefined}>{figures.low}</td>
            <td>{figures.skipped}</td>
            <td>
              <Distribution figures={figures} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
