// Where and when the accident happened, and the policy it is claimed on.
import { formatTime } from "../../format";
import type { AccidentPlace, ClaimDetail, Coverage } from "./types";

function MapLink({ lat, lon, label }: { lat: number; lon: number; label?: string | null }) {
  const href = `https://uri.amap.com/marker?position=${encodeURIComponent(`${lon},${lat}`)}`;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer" data-testid="map-link">
      {label || `${lat}, ${lon}`}
      {" ↗"}
    </a>
  );
}

function Place({ place }: { place: AccidentPlace }) {
  if (place.lat != null && place.lon != null) {
    return (
      <span>
        <MapLink lat={place.lat} lon={place.lon} label={place.label || place.text} />
      </span>
    );
  }
  return <>{place.text || place.label || "—"}</>;
}

export function AccidentPanel({ detail }: { detail: ClaimDetail }) {
  const a = detail.accident;
  return (
    <section class="panel" data-testid="accident">
      <h2>出险信息</h2>
      <div class="panel-body">
        <dl class="facts">
          <dt>出险时间</dt>
          <dd>{a?.at ? formatTime(a.at) : detail.claim.accident_date || "—"}</dd>
          <dt>出险地点</dt>
          <dd data-testid="accident-place">
            <Place place={a?.place ?? {}} />
          </dd>
          <dt>事故经过</dt>
          <dd class="pre-wrap">{a?.description || "—"}</dd>
        </dl>
      </div>
    </section>
  );
}

/** The limit alone: "死亡伤残赔偿 18万元" → "18万元" next to the name. */
function limitText(cov: Coverage): string {
  const text = String(cov.limit_text || "");
  return cov.name && text.startsWith(cov.name) ? text.slice(cov.name.length).trim() : text;
}

export function PolicyPanel({ detail }: { detail: ClaimDetail }) {
  const p = detail.policy;
  const period = p?.start || p?.end ? `${p.start || "?"} 至 ${p.end || "?"}` : "—";
  const coverages = p?.coverages ?? [];
  return (
    <section class="panel" data-testid="policy">
      <h2>保单</h2>
      <div class="panel-body">
        <dl class="facts">
          <dt>保单号</dt>
          <dd class="mono">{p?.policy_no || "—"}</dd>
          <dt>产品</dt>
          <dd>{p?.product || "—"}</dd>
          <dt>被保险人</dt>
          <dd>{p?.holder || "—"}</dd>
          <dt>车牌</dt>
          <dd>{p?.plate_masked || "—"}</dd>
          <dt>车架号</dt>
          <dd class="mono">{p?.vin_masked || "—"}</dd>
          <dt>保险期间</dt>
          <dd>{period}</dd>
          <dt>保障</dt>
          <dd>
            {coverages.length ? (
              <ul class="coverages" data-testid="coverages">
                {coverages.map((cov, i) => (
                  <li key={i}>
                    <span>{cov.name}</span>
                    <span class="limit">{limitText(cov)}</span>
                  </li>
                ))}
              </ul>
            ) : (
              "—"
            )}
          </dd>
        </dl>
      </div>
    </section>
  );
}
