// The dashboard's period (China dates), kept in the hash: #/dashboard?from=…&to=….
import { useState } from "preact/hooks";
import { go, hashFor } from "../../router";

export interface Period {
  from: string;
  to: string;
}

export function periodParams(period: Period): Record<string, string> {
  const params: Record<string, string> = {};
  if (period.from) params.from = period.from;
  if (period.to) params.to = period.to;
  return params;
}

export function PeriodForm({ initial }: { initial: Period }) {
  const [period, setPeriod] = useState(initial);
  const set = (name: keyof Period) => (e: Event) => {
    const value = (e.currentTarget as HTMLInputElement).value;
    setPeriod((p) => ({ ...p, [name]: value }));
  };
  return (
    <form
      class="dash-period panel"
      data-testid="dash-period"
      onSubmit={(e) => {
        e.preventDefault();
        go(hashFor(["dashboard"], periodParams(period)));
      }}
    >
      <label>
        <span>从</span>
        <input type="date" value={period.from} onInput={set("from")} data-testid="dash-from" />
      </label>
      <label>
        <span>到</span>
        <input type="date" value={period.to} onInput={set("to")} data-testid="dash-to" />
      </label>
      <button type="submit" data-testid="dash-apply">
        查看
      </button>
    </form>
  );
}
