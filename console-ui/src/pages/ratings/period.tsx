// The period the figures are about (China dates), kept in the hash: #/ratings?from=…&to=….
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
      class="ratings-period panel"
      data-testid="ratings-period"
      onSubmit={(e) => {
        e.preventDefault();
        go(hashFor(["ratings"], periodParams(period)));
      }}
    >
      <label>
        <span>从</span>
        <input type="date" value={period.from} onInput={set("from")} data-testid="ratings-from" />
      </label>
      <label>
        <span>到</span>
        <input type="date" value={period.to} onInput={set("to")} data-testid="ratings-to" />
      </label>
      <button type="submit" data-testid="ratings-apply">
        查看
      </button>
    </form>
  );
}
