// What GET /console/api/paths answers (chalicelib/service/service_paths.py ServicePaths).
import { hashFor } from "../../router";

export interface PathMessage {
  at: number;
  time: string;
  direction: string;
  who: string;
  type: string;
  text: string;
  staff: boolean;
}

export interface PathMarker {
  code: string;
  label: string;
}

export interface PathEvent {
  at: number;
  time: string;
  day: string;
  channel: string;
  kind: string;
  text: string;
  claim_no: string;
  ref: string;
  messages: PathMessage[];
  markers: PathMarker[];
}

export interface PathAnswer {
  events: PathEvent[];
  stuck: Record<string, number>;
  customers: number;
  from: string;
  to: string;
}

/** A look-up as the hash keeps it: #/paths?by=claim&value=…&from=…&to=… */
export interface PathQuery {
  by: string;
  value: string;
  from: string;
  to: string;
}

export function pathHash(query: PathQuery): string {
  const params: Record<string, string> = { by: query.by, value: query.value };
  if (query.from) params.from = query.from;
  if (query.to) params.to = query.to;
  return hashFor(["paths"], params);
}

/** The events grouped by China day, in the timeline's order. */
export function byDay(events: PathEvent[]): [string, PathEvent[]][] {
  const days = new Map<string, PathEvent[]>();
  for (const event of events) {
    const list = days.get(event.day);
    if (list) list.push(event);
    else days.set(event.day, [event]);
  }
  return [...days.entries()];
}
