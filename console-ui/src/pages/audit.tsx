// PLACEHOLDER (a helper builds it)
import type { Route } from "../router";
export function AuditPage(_: { route: Route }) {
  return <section data-testid="audit-view">audit</section>;
}
