// 看板: how the service is doing over a chosen period (in the hash), for supervisors and
// auditors: messages, the bot's share of the answers, notices and failures, with charts drawn
// from the daily counters (chalicelib/service/metrics.py); each chart downloads as CSV. Charts
// whose counters are not kept yet say so instead of showing zeros.
import { useTitle } from "../../hooks";
import { labels } from "../../labels";
import type { Route } from "../../router";
import { can } from "../../session";
import { PeriodForm, periodOf, usePeriodReport } from "../../ui/period";
import { ChartBody } from "./charts";
import { downloadCsv } from "./csv";
import "./dashboard.css";
import type { Chart, DashboardReport } from "./types";

export const mayViewDashboard = (): boolean => can("view_ratings");

export function DashboardPage({ route }: { route: Route }) {
  useTitle(`看板 · ${labels().app_title}`);
  const period = periodOf(route);
  const load = usePeriodReport<DashboardReport>("/dashboard", route);

  return (
    <section class="dash-page" data-testid="dashboard-view">
      <div class="queue-head">
        <h1>服务看板</h1>
        {load.phase === "ready" && (
          <span class="count" data-testid="dash-span">
            {`${load.report.from} 至 ${load.report.to}`}
          </span>
        )}
      </div>
      {load.phase === "ready" ? (
        <PeriodForm
          key={`${load.report.from}-${load.report.to}`}
          initial={{ from: load.report.from, to: load.report.to }}
          page="dashboard"
          prefix="dash"
        />
      ) : (
        <PeriodForm
          key={`${period.from}-${period.to}`}
          initial={period}
          page="dashboard"
          prefix="dash"
        />
      )}
      {load.phase === "loading" && <p class="muted pad">加载中…</p>}
      {load.phase === "failed" && (
        <p class="result bad" data-testid="dash-error">
          {`加载失败：${load.error}`}
        </p>
      )}
      {load.phase === "ready" && <Report report={load.report} />}
    </section>
  );
}

function Report({ report }: { report: DashboardReport }) {
  const wired = report.charts.filter((c) => c.series.length > 0);
  const waiting = report.charts.filter((c) => c.series.length === 0);
  return (
    <>
      <div class="dash-grid">
        {wired.map((chart) => (
          <ChartCard key={chart.key} chart={chart} report={report} />
        ))}
        <Misses report={report} />
      </div>
      {waiting.length > 0 && (
        <p class="muted" data-testid="dash-unwired">
          {`尚未统计（计数尚未接入）：${waiting.map((c) => c.title).join("、")}`}
        </p>
      )}
    </>
  );
}

function ChartCard({ chart, report }: { chart: Chart; report: DashboardReport }) {
  return (
    <article class="dash-card panel" data-testid={`dash-chart-${chart.key}`}>
      <header class="dash-card-head">
        <h2>{chart.title}</h2>
        <button
          type="button"
          class="secondary"
          data-testid={`dash-csv-${chart.key}`}
          onClick={() => {
            downloadCsv(chart, report);
          }}
        >
          导出 CSV
        </button>
      </header>
      <ChartBody chart={chart} days={report.days} />
      {chart.missing.length > 0 && (
        <p class="muted" data-testid={`dash-missing-${chart.key}`}>
          {`尚未统计：${chart.missing.join("、")}`}
        </p>
      )}
    </article>
  );
}

function Misses({ report }: { report: DashboardReport }) {
  return (
    <article class="dash-card panel" data-testid="dash-misses">
      <header class="dash-card-head">
        <h2>未答上的问题（期末 7 天）</h2>
      </header>
      {report.top_misses.length === 0 ? (
        <p class="muted">没有未答上的问题</p>
      ) : (
        <ol class="dash-misses">
          {report.top_misses.map((m) => (
            <li key={m.question}>
              <span>{m.question}</span>
              <strong>{m.count}</strong>
            </li>
          ))}
        </ol>
      )}
      <p class="muted">
        完整列表与处理：在服务器上运行 <code>claimbot kb misses</code>
      </p>
    </article>
  );
}
