// PLACEHOLDER (a helper builds it)
import type { Route } from "../router";
export function RecordsPage(_: { route: Route }) {
  return <section data-testid="records-view">records</section>;
}
