// PLACEHOLDER (being ported from the old console.js by a helper)
import type { Route } from "../router";
export function QueuePage(_: { route: Route }) {
  return <section data-testid="queue-view">queue</section>;
}
