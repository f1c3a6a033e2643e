// Sign-in: demo users (local), WeCom (企业微信) web sign-in, or the company's hosted sign-in
// page (Cognito/OIDC implicit flow). Tokens that come back in the link are taken only with the
// `state` this tab started the sign-in with: a planted link signs nobody in.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, ROOT, api, errorText, setToken } from "../api";
import { labels, rolesText } from "../labels";
import { replaceHash } from "../router";
import { homeHash, loadMe, signInMessage } from "../session";
import { showBanner } from "../ui/banner";

const SIGNIN_STATE_KEY = "claimbot.console.signin_state";
const SIGNIN_RETURN_KEY = "claimbot.console.signin_return";

interface WeComConfig {
  login_url: string;
  login_type: string;
  appid: string;
  agentid: string;
}

interface Config {
  stage?: string;
  login_url?: string;
  sign_in?: string;
  wecom?: WeComConfig;
}

interface DevUser {
  id: string;
  name: string;
  roles: string[];
}

function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function hostedSignInUrl(loginUrl: string): string {
  const nonce = randomNonce();
  sessionStorage.setItem(SIGNIN_STATE_KEY, nonce);
  return `${loginUrl}${loginUrl.includes("?") ? "&" : "?"}state=${nonce}`;
}

/** A token the hosted sign-in page sent back in the fragment; why it was refused, if it was. */
export function captureHostedUiToken(): string | undefined {
  if (!/(^#|&)(id_token|access_token)=/.test(location.hash)) return undefined;
  const frag = new URLSearchParams(location.hash.replace(/^#/, ""));
  const got = frag.get("id_token") || frag.get("access_token");
  const expected = sessionStorage.getItem(SIGNIN_STATE_KEY);
  sessionStorage.removeItem(SIGNIN_STATE_KEY);
  replaceHash("#/queue");
  if (!got) return undefined;
  if (!expected || frag.get("state") !== expected) {
    return "登录链接无效：请从本页“前往公司统一登录”重新登录。";
  }
  setToken(got);
  return undefined;
}

/** WeCom's login page sent the browser back with ?code=…&state=…; why it was refused, if so. */
export async function finishWeComSignIn(): Promise<string | undefined> {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("state")) return undefined;
  const code = params.get("code");
  const got = params.get("state");
  const expected = sessionStorage.getItem(SIGNIN_STATE_KEY);
  const back = sessionStorage.getItem(SIGNIN_RETURN_KEY) || "";
  sessionStorage.removeItem(SIGNIN_STATE_KEY);
  sessionStorage.removeItem(SIGNIN_RETURN_KEY);
  for (const name of ["code", "state", "appid"]) params.delete(name);
  const rest = params.toString() ? `?${params}` : "";
  history.replaceState(null, "", `${location.pathname}${rest}${location.hash}`);
  if (!code) return undefined;
  if (!expected || got !== expected) return "登录链接无效：请从本页“企业微信登录”重新登录。";
  try {
    const res = await api<{ token: string }>("/sign-in/wecom", {
      method: "POST",
      body: { code, state: got },
      auth: false,
    });
    setToken(res.token);
    await loadMe();
    const hash = back && !back.startsWith("#/signin") ? back : homeHash();
    history.replaceState(null, "", `${location.pathname}${rest}${hash}`);
    return undefined;
  } catch (err) {
    const reason = err instanceof ApiError ? err.reason : undefined;
    return (reason && labels().sign_in_refusals[reason]) || `登录失败：${errorText(err)}`;
  }
}

async function startWeComSignIn(wecom: WeComConfig): Promise<void> {
  const { state: nonce } = await api<{ state: string }>("/sign-in/wecom/state", {
    method: "POST",
    auth: false,
  });
  sessionStorage.setItem(SIGNIN_STATE_KEY, nonce);
  sessionStorage.setItem(SIGNIN_RETURN_KEY, location.hash);
  const query = new URLSearchParams({
    login_type: wecom.login_type,
    appid: wecom.appid,
    agentid: wecom.agentid,
    redirect_uri: `${location.origin}${ROOT}`,
    state: nonce,
  });
  location.assign(`${wecom.login_url}?${query}`);
}

async function devLogin(userId: string): Promise<void> {
  const res = await api<{ token: string }>("/dev-login", {
    method: "POST",
    body: { user: userId },
    auth: false,
  });
  setToken(res.token);
  await loadMe();
  const first = location.hash.replace(/^#\/?/, "").split(/[/?]/)[0];
  if (!first || first === "signin") replaceHash(homeHash());
}

type Offer =
  | { kind: "loading" }
  | { kind: "offline"; text: string }
  | { kind: "dev"; stage: string; users: DevUser[] }
  | { kind: "sso"; loginUrl: string };

export function SignInPage() {
  const [config, setConfig] = useState<Config>({});
  const [offer, setOffer] = useState<Offer>({ kind: "loading" });
  const [pending, setPending] = useState<string | null>(null);
  const firstUserRef = useRef<HTMLButtonElement>(null);
  const message = signInMessage.value;

  useEffect(() => {
    let live = true;
    void (async () => {
      const cfg = await api<Config>("/config", { auth: false }).catch((): Config => ({}));
      if (!live) return;
      setConfig(cfg ?? {});
      try {
        const { users } = await api<{ users: DevUser[] }>("/dev-users", { auth: false });
        if (live) setOffer({ kind: "dev", stage: cfg?.stage || "local", users: users ?? [] });
      } catch (err) {
        if (!live) return;
        if (err instanceof ApiError && err.status === 0) {
          setOffer({ kind: "offline", text: err.message });
        } else setOffer({ kind: "sso", loginUrl: cfg?.login_url ?? "" });
      }
    })();
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (offer.kind === "dev") firstUserRef.current?.focus();
  }, [offer.kind]);

  const wecom = config.sign_in === "wecom" ? config.wecom : undefined;

  const act = (key: string, work: () => Promise<void>) => {
    setPending(key);
    work().catch((err: unknown) => {
      showBanner(`登录失败：${errorText(err)}`);
      setPending(null);
    });
  };

  return (
    <section class="panel signin" data-testid="signin-view">
      <h2>登录</h2>
      <div class="panel-body">
        {message && (
          <p class="muted" data-testid="signin-message">
            {message}
          </p>
        )}
        {offer.kind === "loading" && <p class="muted">加载中…</p>}
        {offer.kind === "offline" && <p class="muted">{offer.text}</p>}
        {offer.kind === "dev" && (
          <p class="muted">本地环境（{offer.stage}）：选择一个演示用户登录。</p>
        )}
        {offer.kind === "sso" && (
          <p class="muted" data-testid="sso-required">
            {wecom ? "请使用企业微信登录。" : "请通过公司统一登录进入。"}
          </p>
        )}
        {wecom && (
          <button
            type="button"
            class="primary"
            data-testid="wecom-sign-in"
            disabled={pending === "wecom"}
            onClick={() => act("wecom", () => startWeComSignIn(wecom))}
          >
            企业微信登录
          </button>
        )}
        {offer.kind === "sso" && offer.loginUrl && (
          <a
            href={offer.loginUrl}
            class="button primary"
            data-testid="sso-link"
            onClick={(e) => {
              e.preventDefault();
              location.assign(hostedSignInUrl(offer.loginUrl));
            }}
          >
            前往公司统一登录
          </a>
        )}
        {offer.kind === "dev" && (
          <ul class="user-list" data-testid="dev-users">
            {offer.users.map((u, i) => (
              <li key={u.id}>
                <button
                  type="button"
                  data-testid="dev-user"
                  data-user-id={u.id}
                  ref={i === 0 ? firstUserRef : undefined}
                  disabled={pending === u.id}
                  onClick={() => act(u.id, () => devLogin(u.id))}
                >
                  <span class="name">{u.name}</span>
                  <span class="chip">{rolesText(u.roles)}</span>
                  <span class="spacer" />
                  <span class="uid mono">{u.id}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
