// Each chart as CSV, built in the browser from the figures on screen (UTF-8 with a BOM, so
// Excel reads the Chinese headers).
import type { Chart, DashboardReport } from "./types";

function cell(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function rows(chart: Chart, report: DashboardReport): (string | number)[][] {
  const labels = chart.series.map((s) => s.label);
  if (chart.kind === "hours") {
    return [
      ["小时", ...labels],
      ...Array.from({ length: 24 }, (_, h) => [
        `${String(h).padStart(2, "0")}:00`,
        ...chart.series.map((s) => s.hours?.[h] ?? 0),
      ]),
    ];
  }
  if (chart.kind === "funnel") {
    return [["步骤", "数量"], ...chart.series.map((s) => [s.label, s.total])];
  }
  return [
    ["日期", ...labels],
    ...report.days.map((day, i) => [day, ...chart.series.map((s) => s.daily[i] ?? 0)]),
  ];
}

export function chartCsv(chart: Chart, report: DashboardReport): string {
  return "\uFEFF" + rows(chart, report).map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}

export function downloadCsv(chart: Chart, report: DashboardReport): void {
  const blob = new Blob([chartCsv(chart, report)], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = `看板-${chart.key}-${report.from}-${report.to}.csv`;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
