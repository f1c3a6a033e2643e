// PLACEHOLDER (a helper builds it)
import type { Route } from "../router";
import { me } from "../session";
export const mayHandleRequests = (): boolean => Boolean(me.value?.data_requests);
export function RequestsPage(_: { route: Route }) {
  return <section data-testid="requests-view">requests</section>;
}
