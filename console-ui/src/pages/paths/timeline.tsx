// The timeline: one column per day, each contact with its channel's badge and colour, the
// places the customer got stuck highlighted, and links to the claim or that day's transcript.
import { labels } from "../../labels";
import { queryHash } from "../records/query";
import { type PathEvent, type PathQuery, byDay } from "./types";

/** One character in the channel's colour (the label is its first character). */
function Badge({ channel }: { channel: string }) {
  const name = channelName(channel);
  return (
    <span class={`path-badge ch-${channel}`} title={name} aria-label={name}>
      {name.slice(0, 1)}
    </span>
  );
}

export function channelName(channel: string): string {
  return labels().path_channels.find(([code]) => code === channel)?.[1] ?? channel;
}

function Session({ event }: { event: PathEvent }) {
  if (event.messages.length === 0) return null;
  return (
    <details class="path-messages">
      <summary>{`${event.messages.length} 条消息`}</summary>
      <ul>
        {event.messages.map((m) => (
          <li key={`${m.at}-${m.direction}`} class={m.direction === "in" ? "in" : "out"}>
            <span class="muted">{`${m.time} ${m.who}`}</span> {m.text}
          </li>
        ))}
      </ul>
    </details>
  );
}

function PathItem({ event, query }: { event: PathEvent; query: PathQuery }) {
  const stuck = event.markers.length > 0;
  const transcript = queryHash({ ...query, keyword: "", from: event.day, to: event.day });
  return (
    <li
      class={`path-event ch-${event.channel} ${stuck ? "stuck" : ""}`.trim()}
      data-testid="path-event"
      data-channel={event.channel}
      data-kind={event.kind}
      data-stuck={stuck ? "1" : "0"}
    >
      <Badge channel={event.channel} />
      <div class="path-event-body">
        <div class="path-event-head">
          <span class="path-time">{event.time.slice(11, 16)}</span>
          <span class="path-text">{event.text}</span>
        </div>
        {stuck && (
          <div class="path-markers">
            {event.markers.map((m) => (
              <span key={m.code} class="chip bad" data-testid="path-marker" data-code={m.code}>
                {`卡点：${m.label}`}
              </span>
            ))}
          </div>
        )}
        <div class="path-links">
          {event.claim_no && <a href={`#/claim/${event.claim_no}`}>{`赔案 ${event.claim_no}`}</a>}
          {(event.channel === "chat" || event.channel === "notice") && (
            <a href={transcript} data-testid="path-transcript">
              当日聊天记录
            </a>
          )}
        </div>
        {event.channel === "chat" && <Session event={event} />}
      </div>
    </li>
  );
}

export function Timeline({ events, query }: { events: PathEvent[]; query: PathQuery }) {
  return (
    <div class="path-timeline" data-testid="path-timeline">
      {byDay(events).map(([day, list]) => (
        <section key={day} class="path-day" data-testid="path-day" data-day={day}>
          <h3>{day}</h3>
          <ol>
            {list.map((event, index) => (
              <PathItem key={`${event.at}-${event.channel}-${event.kind}-${index}`} event={event} query={query} />
            ))}
          </ol>
        </section>
      ))}
    </div>
  );
}
