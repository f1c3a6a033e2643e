// What GET /console/api/dashboard returns (chalicelib/service/metrics.py).

export interface Series {
  metric: string;
  label: string;
  daily: number[];
  hours: number[] | null; // only for charts by hour
  total: number;
  median_s: number | null; // only for durations
}

export type ChartKind = "daily" | "share" | "hours" | "funnel";

export interface Chart {
  key: string;
  title: string;
  kind: ChartKind;
  wired: boolean; // false: some counters not kept yet
  series: Series[]; // the counters kept
  missing: string[]; // the labels of those not kept yet
}

export interface Miss {
  question: string;
  count: number;
}

export interface DashboardReport {
  from: string;
  to: string;
  days: string[];
  charts: Chart[];
  top_misses: Miss[];
}
