// A period of China dates kept in the hash (#/<page>?from=…&to=…), the form that changes it,
// and the report of that period as the page loads it (dashboard, ratings).
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, errorText } from "../api";
import { type Route, go, hashFor } from "../router";

export interface Period {
  from: string;
  to: string;
}

export type PeriodLoad<T> =
  | { phase: "loading" }
  | { phase: "failed"; error: string }
  | { phase: "ready"; report: T };

export function periodParams(period: Period): Record<string, string> {
  const params: Record<string, string> = {};
  if (period.from) params.from = period.from;
  if (period.to) params.to = period.to;
  return params;
}

export function periodOf(route: Route): Period {
  return { from: route.params.get("from") ?? "", to: route.params.get("to") ?? "" };
}

/** GET `path` for the route's period, again on every visit of the hash. */
export function usePeriodReport<T>(path: string, route: Route): PeriodLoad<T> {
  const query = new URLSearchParams(periodParams(periodOf(route))).toString();
  const [load, setLoad] = useState<PeriodLoad<T>>({ phase: "loading" });
  useEffect(() => {
    let live = true;
    setLoad({ phase: "loading" });
    api<T>(`${path}${query ? `?${query}` : ""}`).then(
      (report) => {
        if (live) setLoad({ phase: "ready", report });
      },
      (err: unknown) => {
        if (live && !(err instanceof ApiError && err.status === 401)) {
          setLoad({ phase: "failed", error: errorText(err) });
        }
      },
    );
    return () => {
      live = false;
    };
  }, [path, query, route.seq]);
  return load;
}

/** `page`: the hash's first part; `prefix`: of the class (…-period) and the testids. */
export function PeriodForm(props: { initial: Period; page: string; prefix: string }) {
  const { page, prefix } = props;
  const [period, setPeriod] = useState(props.initial);
  const set = (name: keyof Period) => (e: Event) => {
    const value = (e.currentTarget as HTMLInputElement).value;
    setPeriod((p) => ({ ...p, [name]: value }));
  };
  return (
    <form
      class={`${prefix}-period panel`}
      data-testid={`${prefix}-period`}
      onSubmit={(e) => {
        e.preventDefault();
        go(hashFor([page], periodParams(period)));
      }}
    >
      <label>
        <span>从</span>
        <input
          type="date"
          value={period.from}
          onInput={set("from")}
          data-testid={`${prefix}-from`}
        />
      </label>
      <label>
        <span>到</span>
        <input type="date" value={period.to} onInput={set("to")} data-testid={`${prefix}-to`} />
      </label>
      <button type="submit" data-testid={`${prefix}-apply`}>
        查看
      </button>
    </form>
  );
}
