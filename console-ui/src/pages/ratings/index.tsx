// 满意度: how customers rated the chats with people and the claims paid, for supervisors and
// auditors: over a chosen period (in the hash), the overall average, per flow and per staff
// member (average, counts, the spread of scores), the questions not sent and why, and the
// latest comments (masked).
import { useTitle } from "../../hooks";
import { labels } from "../../labels";
import type { Route } from "../../router";
import { can } from "../../session";
import { PeriodForm, periodOf, usePeriodReport } from "../../ui/period";
import { Comments } from "./comments";
import { Distribution, FiguresTable, averageText } from "./figures";
import "./ratings.css";
import type { RatingsReport } from "./types";

export const mayViewRatings = (): boolean => can("view_ratings");

export function RatingsPage({ route }: { route: Route }) {
  useTitle(`满意度 · ${labels().app_title}`);
  const period = periodOf(route);
  const load = usePeriodReport<RatingsReport>("/ratings", route);

  return (
    <section class="ratings-page" data-testid="ratings-view">
      <div class="queue-head">
        <h1>客户满意度</h1>
        {load.phase === "ready" && (
          <span class="count" data-testid="ratings-span">
            {`${load.report.from} 至 ${load.report.to}`}
          </span>
        )}
      </div>
      <p class="muted">
        人工服务结束后、赔案赔付办结后，系统在微信 48 小时客服消息时限内请客户回复 1–5
        分评价（5 分最满意），可附留言；超出时限或客户正在办理其他业务时不发送。
      </p>
      {load.phase === "ready" ? (
        <PeriodForm
          key={`${load.report.from}-${load.report.to}`}
          initial={{ from: load.report.from, to: load.report.to }}
          page="ratings"
          prefix="ratings"
        />
      ) : (
        <PeriodForm
          key={`${period.from}-${period.to}`}
          initial={period}
          page="ratings"
          prefix="ratings"
        />
      )}
      {load.phase === "loading" && <p class="muted pad">加载中…</p>}
      {load.phase === "failed" && (
        <p class="result bad" data-testid="ratings-error">
          {`加载失败：${load.error}`}
        </p>
      )}
      {load.phase === "ready" && <Report report={load.report} />}
    </section>
  );
}

function Report({ report }: { report: RatingsReport }) {
  const flows = Object.fromEntries(labels().rating_flows);
  const reasons = labels().rating_skip_reasons;
  const skipped = Object.entries(report.skip_reasons);
  return (
    <>
      {report.truncated && (
        <p class="result warn" data-testid="ratings-truncated">
          这段时间的评价太多，只统计了最近的一部分；请缩短时间范围。
        </p>
      )}
      <div class="ratings-overall panel" data-testid="ratings-overall">
        <div class="ratings-big">
          <span class="ratings-big-number" data-testid="ratings-overall-average">
            {averageText(report.overall)}
          </span>
          <span class="muted">平均分</span>
        </div>
        <div class="ratings-big">
          <span class="ratings-big-number" data-testid="ratings-overall-rated">
            {report.overall.rated}
          </span>
          <span class="muted">{`条评价（已询问 ${report.overall.asked}）`}</span>
        </div>
        <Distribution figures={report.overall} />
      </div>
      <h2>按业务</h2>
      <FiguresTable
        testid="ratings-flows"
        first="业务"
        rows={report.flows.map((f) => ({ key: f.flow, name: flows[f.flow] ?? f.flow, figures: f }))}
      />
      <h2>按员工</h2>
      {report.staff.length === 0 ? (
        <p class="muted pad" data-testid="ratings-staff-empty">
          这段时间没有员工的评价
        </p>
      ) : (
        <FiguresTable
          testid="ratings-staff"
          first="员工"
          rows={report.staff.map((s) => ({ key: s.staff_id, name: s.name, figures: s }))}
        />
      )}
      {skipped.length > 0 && (
        <p class="muted" data-testid="ratings-skipped">
          {`未发送的评价邀请：${skipped
            .map(([reason, count]) => `${reasons[reason] ?? reason} ${count}`)
            .join("；")}`}
        </p>
      )}
      <h2>最新留言</h2>
      <Comments comments={report.comments} />
    </>
  );
}
