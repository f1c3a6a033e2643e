// Claims console: sign-in, the review queue, a claim's photo packet and the decision panel;
// the agents' inbox (人工客服): customers handed over to a person, answered from here.
// Vanilla JS for modern browsers, no build step. The page lives at <root>/console and talks to
// <root>/console/api (JSON, Bearer token kept in sessionStorage). Every DOM node is built with
// h() below, never from HTML strings, so nothing a customer typed can become markup.
"use strict";

(() => {
  // ---------------------------------------------------------------------------------------
  // Constants and labels

  const ROOT = location.pathname.replace(/\/+$/, ""); // "/console", or "/<stage>/console"
  const API = `${ROOT}/api`;
  const TOKEN_KEY = "claimbot.console.token";
  const USER_KEY = "claimbot.console.user";
  const DRAFTS_KEY = "claimbot.console.drafts"; // unsent inbox replies, per chat
  const QUEUE_REFRESH_MS = 30_000;
  const CHATS_REFRESH_MS = 3_000;
  const URL_REFRESH_MS = 4 * 60_000; // photo URLs are pre-signed for at most 5 minutes
  const TZ = "Asia/Shanghai";
  const SLOTS = [1, 2, 3, 4, 5];
  const LATE_MINUTES = 120; // the customer is told "usually within 2 hours"
  const SOON_MINUTES = 60;

  const SLOT_LABELS = {
    1: "车头45°",
    2: "车尾45°",
    3: "受损部位全景",
    4: "受损部位近景",
    5: "车架号（VIN）",
  };
  const STATUS_FILTERS = [
    ["waiting", "待审核"],
    ["survey_received", "已收到照片"],
    ["under_review", "审核中"],
    ["photos_requested", "待客户补拍"],
    ["reported", "已报案（未传照片）"],
    ["decided", "已处理"],
  ];
  const STATUS_TONE = {
    reported: "",
    survey_received: "accent",
    under_review: "info",
    photos_requested: "warn",
    approved: "ok",
    surveyor_sent: "warn",
    rejected: "bad",
    repairing: "ok",
    paid: "ok",
    withdrawn: "",
  };
  const FLAGS = {
    vin_mismatch: ["车架号不符", "bad"],
    reshoots: ["补拍过", "warn"],
    taken_before_accident: ["拍摄时间早于出险", "bad"],
    taken_far_from_place: ["拍摄地点距出险地点超过5公里", "bad"],
    qc_warning: ["质检提示", "warn"],
    photos_missing: ["照片不全", "bad"],
    signoff_pending: ["待主管签批", "warn"],
  };
  const QC_REASONS = {
    too_small: "尺寸过小",
    blurred: "模糊",
    too_dark: "过暗",
    too_bright: "过曝",
    not_a_photo: "疑似截图/翻拍",
    unreadable: "无法打开",
    duplicate: "重复照片",
    vin_unreadable: "车架号不清",
    surplus: "多余照片",
    wrong_subject: "拍摄对象不对",
  };
  const RESHOOT_REASONS = [
    ["blurred", "照片模糊"],
    ["too_dark", "太暗"],
    ["too_bright", "曝光过度"],
    ["not_a_photo", "截图或翻拍，非现场拍摄"],
    ["wrong_subject", "拍摄对象不对"],
    ["plate_unreadable", "车牌看不清"],
    ["vin_unreadable", "车架号看不清"],
    ["incomplete", "未拍全"],
    ["other", "其他（需填写说明）"],
  ];
  const ACTIONS = [
    { code: "approve", label: "通过", key: "a" },
    { code: "reshoot", label: "补拍", key: "b" },
    { code: "surveyor", label: "派查勘员", key: "p" },
    { code: "reject", label: "拒赔", key: "j" },
  ];
  const ROLE_LABELS = { adjuster: "理赔员", supervisor: "主管", auditor: "稽核", agent: "坐席" };
  const CLAIM_ROLES = ["adjuster", "supervisor", "auditor"];
  const CHAT_ROLES = ["agent", "supervisor"];
  const AUDIT_ROLES = ["supervisor", "auditor"];
  const MESSAGE_TYPES = {
    text: "",
    image: "图片",
    voice: "语音",
    video: "视频",
    location: "位置",
    event: "事件",
    news: "图文",
    template: "模板消息",
    link: "链接",
  };
  const AUDIT_ACTIONS = {
    view_claim: "查看赔案",
    "decide:approve": "通过",
    "decide:reshoot": "补拍",
    "decide:surveyor": "派查勘员",
    "decide:reject": "拒赔",
    "decide:approve_requested": "提交签批",
    "sign_off:approve": "签批通过",
    "sign_off:decline": "签批退回",
  };
  const MAX_AMOUNT = 1_000_000;
  const MAX_TEXT = 200;
  const MAX_CHAT_TEXT = 1000; // a reply to a customer, in characters (as the API counts them)
  const CHAT_SOON_MINUTES = 2; // a waiting customer turns amber, then red
  const CHAT_LATE_MINUTES = 5;
  const VIEW_TITLES = { inbox: "人工客服 · 理赔审核台" };

  // ---------------------------------------------------------------------------------------
  // State

  const state = {
    user: null,
    view: null, // "signin" | "queue" | "claim" | "inbox" | "forbidden"
    timers: [], // cleared when the view changes
    queue: { status: "waiting", flag: "", claims: [], loadedAt: null, seq: 0 },
    lastClaimNo: null, // focused again when coming back to the queue
    claim: null, // the claim detail as loaded (its version is what a decision sends)
    claimNo: null,
    claimLoadedAt: 0,
    claimSeq: 0, // only the newest load of a claim renders it
    auditOpen: false, // the audit panel stays open when the claim is rendered again
    action: null, // the selected action tab
    result: null, // the last decision's outcome, shown in the action panel
    sending: false,
    inbox: {
      chats: [], // open chats as last loaded: waiting first, longest waiting first
      selected: null, // the chat id on the right
      current: null, // the selected chat as last shown (kept when it ends meanwhile)
      gone: false, // the selected chat has ended: shown read-only
      notice: null, // shown on the right once nothing is selected ("已结束与 … 的服务")
      loadedAt: null,
      seq: 0,
      loading: false,
      failed: false, // the last poll failed (its banner is cleared by the next success)
      sending: false,
      listSig: "",
    },
  };

  // ---------------------------------------------------------------------------------------
  // DOM helpers

  function h(tag, props, ...kids) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value == null || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "testid") el.dataset.testid = value;
      else if (key.startsWith("on") && typeof value === "function") {
        el.addEventListener(key.slice(2), value);
      } else if (key === "value" || key === "checked") el[key] = value;
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    append(el, kids);
    return el;
  }

  function append(el, kids) {
    for (const kid of kids.flat(Infinity)) {
      if (kid == null || kid === false) continue;
      el.append(kid instanceof Node ? kid : String(kid));
    }
    return el;
  }

  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
  const app = () => $("#app");

  function setMain(...kids) {
    const main = app();
    main.replaceChildren();
    append(main, kids);
  }

  function chip(text, tone, testid) {
    return h("span", { class: `chip ${tone || ""}`.trim(), testid }, text);
  }

  function flagChip(code, count) {
    const [label, tone] = FLAGS[code] || [code, ""];
    const text = code === "reshoots" && count > 0 ? `${label} ×${count}` : label;
    const el = chip(text, tone, "flag");
    el.dataset.flag = code;
    return el;
  }

  function statusChip(status, text) {
    return h(
      "span",
      { class: `chip ${STATUS_TONE[status] || ""}`, testid: "status", "data-status": status },
      text || status,
    );
  }

  let busyCount = 0;
  function busy(delta) {
    busyCount = Math.max(0, busyCount + delta);
    $("#busy").hidden = busyCount === 0;
  }

  function showBanner(text, tone) {
    const el = $("#banner");
    el.className = `banner ${tone || ""}`.trim();
    el.textContent = text;
    el.hidden = !text;
  }

  function isTyping(target) {
    if (!(target instanceof Element)) return false;
    if (target.isContentEditable) return true;
    if (target.tagName === "TEXTAREA" || target.tagName === "SELECT") return true;
    if (target.tagName !== "INPUT") return false;
    return !["checkbox", "radio", "button", "submit", "reset"].includes(target.type);
  }

  // ---------------------------------------------------------------------------------------
  // Formatting

  const timeParts = new Intl.DateTimeFormat("en-CA", {
    timeZone: TZ,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });

  function formatTime(iso, { seconds = false } = {}) {
    if (!iso) return "—";
    const s = String(iso);
    if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
    // A timestamp without an offset (EXIF) is shown as it was written, not converted.
    if (!/([zZ]|[+-]\d{2}:?\d{2})$/.test(s)) return s.replace("T", " ").slice(0, seconds ? 19 : 16);
    const date = new Date(s);
    if (Number.isNaN(date.getTime())) return s;
    const p = Object.fromEntries(timeParts.formatToParts(date).map((x) => [x.type, x.value]));
    const hm = `${p.hour}:${p.minute}${seconds ? `:${p.second}` : ""}`;
    return `${p.year}-${p.month}-${p.day} ${hm}`;
  }

  function formatAge(minutes) {
    if (minutes == null || Number.isNaN(Number(minutes))) return "—";
    const total = Math.max(0, Math.floor(Number(minutes)));
    if (total < 60) return `${total} 分钟`;
    const hours = Math.floor(total / 60);
    if (hours < 24) {
      const rest = total % 60;
      return rest ? `${hours} 小时 ${rest} 分` : `${hours} 小时`;
    }
    const days = Math.floor(hours / 24);
    const restHours = hours % 24;
    return restHours ? `${days} 天 ${restHours} 小时` : `${days} 天`;
  }

  function formatYuan(amount) {
    if (amount == null || amount === "") return "";
    const n = Number(amount);
    if (!Number.isFinite(n)) return String(amount);
    return `¥${n.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  }

  function formatNumber(value, digits) {
    const n = Number(value);
    return Number.isFinite(n) ? n.toFixed(digits) : "—";
  }

  function formatBytes(bytes) {
    const n = Number(bytes);
    if (!Number.isFinite(n)) return "";
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
  }

  function rolesText(roles) {
    return (roles || []).map((r) => ROLE_LABELS[r] || r).join("、");
  }

  function hasRole(...roles) {
    const mine = (state.user && state.user.roles) || [];
    return roles.some((r) => mine.includes(r));
  }

  function slotLabel(slot, photo) {
    return (photo && photo.label) || SLOT_LABELS[slot] || `第${slot}张`;
  }

  function mapLink(lat, lon, label) {
    const href = `https://uri.amap.com/marker?position=${encodeURIComponent(`${lon},${lat}`)}`;
    return h(
      "a",
      { href, target: "_blank", rel: "noopener noreferrer", testid: "map-link" },
      label || `${lat}, ${lon}`,
      " ↗",
    );
  }

  // ---------------------------------------------------------------------------------------
  // API

  class ApiError extends Error {
    constructor(status, message, body) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  // `quiet`: no progress bar (background polls every few seconds would make it flicker).
  async function api(path, { method = "GET", body, auth = true, quiet = false } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (auth && token()) headers.Authorization = `Bearer ${token()}`;
    let res;
    const shown = quiet ? 0 : 1;
    busy(+shown);
    try {
      res = await fetch(API + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
      });
    } catch (err) {
      throw new ApiError(0, "无法连接服务器，请检查网络后重试", null);
    } finally {
      busy(-shown);
    }
    let data = null;
    try {
      data = await res.json();
    } catch (err) {
      data = null;
    }
    if (res.status === 401 && auth) {
      signOut("登录已过期或无效，请重新登录");
      throw new ApiError(401, "sign in", data);
    }
    if (!res.ok) {
      const message = (data && data.error) || `HTTP ${res.status}`;
      throw new ApiError(res.status, message, data);
    }
    return data;
  }

  // ---------------------------------------------------------------------------------------
  // Views and routing

  function setView(name) {
    for (const stop of state.timers) stop();
    state.timers = [];
    state.view = name;
    document.body.dataset.view = name;
    document.title = VIEW_TITLES[name] || "理赔审核台";
    showBanner("");
    state.inbox.failed = false;
    const claims = Boolean(state.user) && hasRole(...CLAIM_ROLES);
    const chats = Boolean(state.user) && hasRole(...CHAT_ROLES);
    $("#topnav").hidden = !(claims || chats);
    $("#nav-queue").hidden = !claims;
    $("#nav-inbox").hidden = !chats;
    $("#nav-queue").classList.toggle("active", name === "queue" || name === "claim");
    $("#nav-inbox").classList.toggle("active", name === "inbox");
  }

  // Where a user starts: the claims queue, or the inbox for those who only answer customers.
  function homeHash() {
    if (state.user && !hasRole(...CLAIM_ROLES) && hasRole(...CHAT_ROLES)) return "#/inbox";
    return "#/queue";
  }

  function every(ms, fn) {
    const id = setInterval(fn, ms);
    state.timers.push(() => clearInterval(id));
  }

  function parseHash() {
    const raw = location.hash.replace(/^#/, "") || "/queue";
    const [path, query] = raw.split("?");
    return { parts: path.split("/").filter(Boolean), params: new URLSearchParams(query || "") };
  }

  // Hash changes can arrive while an earlier route still waits for /me: only the newest one
  // goes on to draw its view, so a page is never drawn twice over a user's first click.
  let routeSeq = 0;
  async function route() {
    const mine = ++routeSeq;
    closeViewer();
    const refused = captureHostedUiToken() || (await finishWeComSignIn());
    if (!token()) return showSignIn(refused);
    if (!state.user) {
      try {
        const user = await api("/me");
        if (mine !== routeSeq) return;
        setUser(user);
      } catch (err) {
        if (mine !== routeSeq) return;
        if (err.status !== 401) showFatal(err);
        return;
      }
    }
    const { parts, params } = parseHash();
    if (parts[0] === "inbox") {
      if (!hasRole(...CHAT_ROLES)) return showForbidden("inbox");
      return showInbox(parts[1] ? decodeURIComponent(parts[1]) : null);
    }
    if (!hasRole(...CLAIM_ROLES)) {
      // Agents answer customers and do not see claims: their start page is the inbox.
      if (hasRole(...CHAT_ROLES) && parts[0] !== "claim") {
        history.replaceState(null, "", `${location.pathname}${location.search}#/inbox`);
        return showInbox(null);
      }
      return showForbidden("claims");
    }
    if (parts[0] === "claim" && parts[1]) return showClaim(decodeURIComponent(parts[1]));
    return showQueue(params);
  }

  function go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  function setUser(user) {
    state.user = user;
    if (user) sessionStorage.setItem(USER_KEY, JSON.stringify(user));
    const who = $("#who");
    who.hidden = !user;
    who.textContent = user ? `${user.name} · ${rolesText(user.roles)}` : "";
    $("#signout").hidden = !user;
    $("#brand").setAttribute("href", homeHash());
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
    sessionStorage.removeItem(DRAFTS_KEY);
    drafts.clear();
    Object.assign(state.inbox, { chats: [], selected: null, current: null, gone: false });
    Object.assign(state.inbox, { notice: null, listSig: "" });
    setUser(null);
    closeViewer();
    for (const d of $$("dialog[open]")) d.close("cancel");
    showSignIn(message);
  }

  function showFatal(err) {
    setView("error");
    setMain(
      h(
        "section",
        { class: "panel signin", testid: "error-view" },
        h("h2", null, "出错了"),
        h(
          "div",
          { class: "panel-body" },
          h("p", null, err.message || String(err)),
          h("button", { type: "button", onclick: () => route() }, "重试"),
        ),
      ),
    );
  }

  // ----- sign-in -----

  async function showSignIn(message) {
    setView("signin");
    const body = h("div", { class: "panel-body" });
    if (message) body.append(h("p", { class: "muted", testid: "signin-message" }, message));
    const status = h("p", { class: "muted" }, "加载中…");
    body.append(status);
    setMain(
      h("section", { class: "panel signin", testid: "signin-view" }, h("h2", null, "登录"), body),
    );

    let config = {};
    try {
      config = (await api("/config", { auth: false })) || {};
    } catch (err) {
      config = {};
    }
    const wecom = config.sign_in === "wecom" && config.wecom;
    if (wecom) body.append(weComButton(wecom));
    try {
      const { users } = await api("/dev-users", { auth: false });
      status.textContent = `本地环境（${config.stage || "local"}）：选择一个演示用户登录。`;
      body.append(
        h(
          "ul",
          { class: "user-list", testid: "dev-users" },
          (users || []).map((u) =>
            h(
              "li",
              null,
              h(
                "button",
                {
                  type: "button",
                  testid: "dev-user",
                  "data-user-id": u.id,
                  onclick: (e) => devLogin(u.id, e.currentTarget),
                },
                h("span", { class: "name" }, u.name),
                h("span", { class: "chip" }, rolesText(u.roles)),
                h("span", { class: "spacer" }),
                h("span", { class: "uid mono" }, u.id),
              ),
            ),
          ),
        ),
      );
      const first = $("[data-testid=dev-user]", body);
      if (first) first.focus();
    } catch (err) {
      if (err.status === 0) {
        status.textContent = err.message;
        return;
      }
      status.textContent = wecom ? "请使用企业微信登录。" : "请通过公司统一登录进入。";
      status.dataset.testid = "sso-required";
      if (config.login_url) {
        const link = h(
          "a",
          {
            href: config.login_url,
            class: "button primary",
            testid: "sso-link",
            onclick: (e) => {
              e.preventDefault();
              location.assign(signInUrl(config.login_url));
            },
          },
          "前往公司统一登录",
        );
        body.append(link);
      }
    }
  }

  async function devLogin(userId, button) {
    if (button) button.disabled = true;
    try {
      const res = await api("/dev-login", { method: "POST", body: { user: userId }, auth: false });
      sessionStorage.setItem(TOKEN_KEY, res.token);
      setUser(res.user);
      const { parts } = parseHash();
      if (!parts.length || parts[0] === "signin") {
        history.replaceState(null, "", `${location.pathname}${location.search}${homeHash()}`);
      }
      await route();
    } catch (err) {
      showBanner(`登录失败：${err.message}`);
      if (button) button.disabled = false;
    }
  }

  // The hosted-UI (Cognito) sign-in starts here with a random `state`, kept in this tab; the
  // token that comes back in the fragment is taken only with that same state. A link that
  // carries "#access_token=…" (someone else's session, planted) is dropped, not used.
  const SIGNIN_STATE_KEY = "claimbot.console.signin_state";

  function signInUrl(loginUrl) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const nonce = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    sessionStorage.setItem(SIGNIN_STATE_KEY, nonce);
    return `${loginUrl}${loginUrl.includes("?") ? "&" : "?"}state=${nonce}`;
  }

  // Returns why a token in the link was refused (shown on the sign-in page), else undefined.
  function captureHostedUiToken() {
    if (!/(^#|&)(id_token|access_token)=/.test(location.hash)) return undefined;
    const frag = new URLSearchParams(location.hash.replace(/^#/, ""));
    const got = frag.get("id_token") || frag.get("access_token");
    const expected = sessionStorage.getItem(SIGNIN_STATE_KEY);
    sessionStorage.removeItem(SIGNIN_STATE_KEY);
    history.replaceState(null, "", `${location.pathname}${location.search}#/queue`);
    if (!got) return undefined;
    if (!expected || frag.get("state") !== expected) {
      return "登录链接无效：请从本页“前往公司统一登录”重新登录。";
    }
    sessionStorage.setItem(TOKEN_KEY, got);
    state.user = null; // whoever this token names, /me says
    return undefined;
  }

  // WeCom (企业微信) sign-in: the server gives a signed `state`, kept in this tab; WeCom's login
  // page sends the browser back to this page with `?code=…&state=…`. The code is taken only
  // with this tab's state (a planted link signs nobody in) and exchanged once by the server.
  const SIGNIN_RETURN_KEY = "claimbot.console.signin_return";
  const SIGN_IN_REFUSALS = {
    not_staff: "您的企业微信账号还没有开通理赔审核台，请联系理赔主管开通。",
    disabled: "您的理赔审核台账号已停用，如有疑问请联系理赔主管。",
    no_roles: "您的账号还没有分配角色，请联系理赔主管。",
    not_member: "只有本公司的企业微信成员可以登录。",
    invalid_code: "登录码已使用或已过期，请重新登录。",
    bad_state: "登录不是从本页发起的，请重新登录。",
    expired_state: "登录超时，请重新登录。",
    unavailable: "企业微信暂时无法访问，请稍后重试。",
  };

  function weComButton(wecom) {
    return h(
      "button",
      {
        type: "button",
        class: "primary",
        testid: "wecom-sign-in",
        onclick: (e) => startWeComSignIn(wecom, e.currentTarget),
      },
      "企业微信登录",
    );
  }

  async function startWeComSignIn(wecom, button) {
    button.disabled = true;
    try {
      const { state: nonce } = await api("/sign-in/wecom/state", { method: "POST", auth: false });
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
    } catch (err) {
      showBanner(`登录失败：${err.message}`);
      button.disabled = false;
    }
  }

  // Returns why the sign-in was refused (shown on the sign-in page), else undefined.
  async function finishWeComSignIn() {
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
    if (!expected || got !== expected) {
      return "登录链接无效：请从本页“企业微信登录”重新登录。";
    }
    try {
      const res = await api("/sign-in/wecom", {
        method: "POST",
        body: { code, state: got },
        auth: false,
      });
      sessionStorage.setItem(TOKEN_KEY, res.token);
      setUser(res.user);
      const hash = back && !back.startsWith("#/signin") ? back : homeHash();
      history.replaceState(null, "", `${location.pathname}${rest}${hash}`);
      return undefined;
    } catch (err) {
      return SIGN_IN_REFUSALS[err.body && err.body.reason] || `登录失败：${err.message}`;
    }
  }

  // ----- no access -----

  // `what`: "claims" (the queue and claim pages) or "inbox" (the agents' inbox).
  function showForbidden(what = "claims") {
    setView("forbidden");
    const denied = what === "inbox" ? "没有使用人工客服工作台的权限" : "没有查看赔案的权限";
    const elsewhere = [];
    const link = (href, testid, text) => h("a", { href, class: "button primary", testid }, text);
    if (what !== "inbox" && hasRole(...CHAT_ROLES)) {
      elsewhere.push(link("#/inbox", "forbidden-to-inbox", "前往人工客服"));
    }
    if (what !== "claims" && hasRole(...CLAIM_ROLES)) {
      elsewhere.push(link("#/queue", "forbidden-to-queue", "前往审核队列"));
    }
    setMain(
      h(
        "section",
        { class: "panel signin", testid: "forbidden-view", "data-denied": what },
        h("h2", null, "没有权限"),
        h(
          "div",
          { class: "panel-body" },
          h(
            "p",
            null,
            `${state.user ? state.user.name : "您"}（${rolesText(state.user && state.user.roles)}）`,
            `${denied}。如需开通，请联系理赔主管。`,
          ),
          h(
            "div",
            { class: "button-row" },
            elsewhere,
            h("button", { type: "button", onclick: () => signOut() }, "换一个账号登录"),
          ),
        ),
      ),
    );
  }

  // ----- queue -----

  function showQueue(params) {
    setView("queue");
    const q = state.queue;
    q.status = STATUS_FILTERS.some(([v]) => v === params.get("status"))
      ? params.get("status")
      : "waiting";
    q.flag = params.get("flag") || "";

    const statusSelect = h(
      "select",
      { id: "filter-status", testid: "filter-status", onchange: onFilter },
      STATUS_FILTERS.map(([v, label]) => h("option", { value: v }, label)),
    );
    statusSelect.value = q.status;
    const flagSelect = h(
      "select",
      { id: "filter-flag", testid: "filter-flag", onchange: onFilter },
      h("option", { value: "" }, "全部"),
      Object.entries(FLAGS).map(([v, [label]]) => h("option", { value: v }, label)),
    );
    flagSelect.value = q.flag;

    setMain(
      h(
        "section",
        { testid: "queue-view" },
        h(
          "div",
          { class: "queue-head" },
          h("h1", null, "赔案队列"),
          h(
            "div",
            { class: "filters" },
            h("label", { for: "filter-status" }, "状态"),
            statusSelect,
            h("label", { for: "filter-flag" }, "标记"),
            flagSelect,
          ),
          h("span", { class: "count", id: "queue-count", testid: "queue-count" }),
          h("span", { class: "spacer" }),
          h("span", { class: "faint", id: "queue-updated", testid: "queue-updated" }),
          h(
            "button",
            {
              type: "button",
              testid: "queue-refresh",
              onclick: () => loadQueue(),
              title: "刷新 (r)",
            },
            "刷新",
          ),
        ),
        h(
          "table",
          { class: "queue", testid: "queue-table" },
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              h("th", null, "报案号"),
              h("th", null, "已等待"),
              h("th", null, "车牌"),
              h("th", null, "标记"),
              h("th", null, "照片"),
              h("th", null, "状态"),
            ),
          ),
          h("tbody", { id: "queue-body" }, emptyRow("加载中…")),
        ),
      ),
    );
    loadQueue();
    every(QUEUE_REFRESH_MS, () => {
      if (!document.hidden) loadQueue({ quiet: true });
    });
  }

  function onFilter() {
    const q = state.queue;
    q.status = $("#filter-status").value;
    q.flag = $("#filter-flag").value;
    const query = new URLSearchParams({ status: q.status });
    if (q.flag) query.set("flag", q.flag);
    history.replaceState(null, "", `#/queue?${query}`);
    loadQueue();
  }

  function emptyRow(text) {
    return h("tr", { class: "empty" }, h("td", { colspan: 6 }, text));
  }

  async function loadQueue({ quiet = false } = {}) {
    const q = state.queue;
    const seq = ++q.seq;
    const query = new URLSearchParams({ status: q.status });
    if (q.flag) query.set("flag", q.flag);
    let data;
    try {
      data = await api(`/claims?${query}`);
    } catch (err) {
      if (seq !== q.seq || state.view !== "queue") return;
      if (err.status === 403) return showForbidden();
      if (err.status !== 401) showBanner(`队列加载失败：${err.message}`);
      if (!quiet && err.status !== 401) $("#queue-body").replaceChildren(emptyRow("加载失败"));
      return;
    }
    if (seq !== q.seq || state.view !== "queue") return; // a newer request or another view
    showBanner("");
    q.claims = oldestFirst(data.claims || []);
    q.loadedAt = new Date();
    renderQueueRows();
  }

  // The API sends the queue oldest first; timestamps may carry different UTC offsets, so order
  // by the instant (stable: equal instants keep the API's order).
  function oldestFirst(claims) {
    const at = (c) => {
      const t = Date.parse(c.waiting_since);
      return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
    };
    return claims
      .map((c, i) => [at(c), i, c])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .map((x) => x[2]);
  }

  function renderQueueRows() {
    const q = state.queue;
    const body = $("#queue-body");
    const focused =
      document.activeElement && document.activeElement.dataset
        ? document.activeElement.dataset.claimNo
        : null;
    const rows = q.claims.map((c) => {
      const waiting = ["survey_received", "under_review"].includes(c.status);
      const age = Number(c.age_minutes);
      let ageClass = "age num";
      if (waiting && age >= LATE_MINUTES) ageClass += " late";
      else if (waiting && age >= SOON_MINUTES) ageClass += " soon";
      return h(
        "tr",
        {
          tabindex: 0,
          testid: "queue-row",
          "data-claim-no": c.claim_no,
          onclick: () => openClaim(c.claim_no),
          onkeydown: (e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              openClaim(c.claim_no);
            }
          },
        },
        h("td", { class: "claim-no mono" }, c.claim_no),
        h("td", { class: ageClass, title: `自 ${formatTime(c.waiting_since)}` }, formatAge(age)),
        h("td", { class: "nowrap" }, c.plate_masked || "—"),
        h(
          "td",
          null,
          (c.flags || []).map((f) => flagChip(f, c.reshoots)),
        ),
        h("td", { class: "num" }, `${c.photos ?? 0}/5`),
        h("td", null, statusChip(c.status, c.status_text)),
      );
    });
    body.replaceChildren(...(rows.length ? rows : [emptyRow(emptyText())]));
    $("#queue-count").textContent = `共 ${q.claims.length} 件`;
    $("#queue-updated").textContent = `更新于 ${formatTime(q.loadedAt.toISOString(), {
      seconds: true,
    }).slice(11)} · 每 30 秒自动刷新`;
    const again = focused || (document.activeElement === document.body ? state.lastClaimNo : null);
    if (again) {
      const row = $(`tr[data-claim-no="${CSS.escape(again)}"]`, body);
      if (row) row.focus({ preventScroll: !focused });
    }
  }

  function emptyText() {
    return state.queue.status === "waiting" && !state.queue.flag
      ? "没有待审核的赔案"
      : "没有符合条件的赔案";
  }

  function openClaim(claimNo) {
    state.lastClaimNo = claimNo;
    go(`#/claim/${encodeURIComponent(claimNo)}`);
  }

  function queueKey(e) {
    const rows = $$("#queue-body tr[data-claim-no]");
    const at = rows.indexOf(document.activeElement);
    if (e.key === "ArrowDown" || e.key === "j") {
      e.preventDefault();
      const row = rows[Math.min(rows.length - 1, at + 1)];
      if (row) row.focus();
    } else if (e.key === "ArrowUp" || e.key === "k") {
      e.preventDefault();
      const row = rows[Math.max(0, at - 1)];
      if (row) row.focus();
    } else if (e.key === "r") {
      e.preventDefault();
      loadQueue();
    }
  }

  // ----- claim -----

  async function showClaim(claimNo) {
    setView("claim");
    if (state.claimNo !== claimNo) {
      state.result = null;
      state.action = null;
      state.auditOpen = false;
    }
    state.claimNo = claimNo;
    state.claim = null;
    setMain(
      h(
        "section",
        { testid: "claim-view" },
        h("div", { class: "claim-head" }, backLink(), h("h1", null, claimNo)),
        h("p", { class: "muted" }, "加载中…"),
      ),
    );
    every(URL_REFRESH_MS, () => {
      if (!document.hidden && state.claim) refreshUrls();
    });
    await loadClaim();
  }

  function backLink() {
    const q = state.queue;
    const query = new URLSearchParams({ status: q.status });
    if (q.flag) query.set("flag", q.flag);
    return h(
      "a",
      { href: `#/queue?${query}`, testid: "back-to-queue", title: "返回 (Esc)" },
      "← 队列",
    );
  }

  async function loadClaim() {
    const claimNo = state.claimNo;
    const seq = ++state.claimSeq;
    const stale = () => state.view !== "claim" || state.claimNo !== claimNo || seq !== state.claimSeq;
    let data;
    try {
      data = await api(`/claims/${encodeURIComponent(claimNo)}`);
    } catch (err) {
      if (stale()) return;
      if (err.status === 401) return;
      if (err.status === 403) return showForbidden();
      const text = err.status === 404 ? "找不到这个赔案" : `赔案加载失败：${err.message}`;
      setMain(
        h(
          "section",
          { testid: "claim-view" },
          h("div", { class: "claim-head" }, backLink(), h("h1", null, claimNo)),
          h(
            "p",
            { class: "banner", testid: "claim-error" },
            text,
            " ",
            h("button", { type: "button", onclick: () => loadClaim() }, "重试"),
          ),
        ),
      );
      return;
    }
    if (stale()) return;
    state.claim = data;
    state.claimLoadedAt = Date.now();
    const allowed = data.actions || [];
    if (state.action && !allowed.includes(state.action)) state.action = null;
    renderClaim();
  }

  // Pre-signed photo URLs expire after a few minutes: fetch the claim again and swap the URLs
  // in place (the loaded version stays, so a decision still refers to what the user saw).
  let refreshing = null;
  function refreshUrls() {
    if (refreshing) return refreshing;
    const claimNo = state.claimNo;
    refreshing = (async () => {
      try {
        const data = await api(`/claims/${encodeURIComponent(claimNo)}`);
        if (state.view !== "claim" || state.claimNo !== claimNo || !state.claim) return false;
        const fresh = new Map();
        for (const p of data.photos || []) fresh.set(`slot-${p.slot}`, p);
        for (const o of data.others || []) fresh.set(`other-${o.seq}`, o);
        for (const item of photoItems()) {
          const f = fresh.get(item.key);
          if (!f) continue;
          item.ref.thumb_url = f.thumb_url;
          item.ref.full_url = f.full_url;
        }
        for (const img of $$("img[data-photo-key]")) {
          const f = fresh.get(img.dataset.photoKey);
          if (f && f.thumb_url) {
            img.dataset.retried = "";
            img.src = f.thumb_url;
          }
        }
        state.claimLoadedAt = Date.now();
        if (data.claim.version !== state.claim.claim.version) showChanged(data.claim);
        return true;
      } catch (err) {
        return false;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  function showChanged(claim) {
    const box = $("#claim-changed");
    if (!box) return;
    box.replaceChildren(
      `此赔案已在别处更新（当前状态：${claim.status_text || claim.status}），`,
      "您看到的可能不是最新内容。 ",
      h("button", { type: "button", onclick: () => loadClaim() }, "重新加载"),
    );
    box.hidden = false;
  }

  // The photos the viewer steps through: the five slots in order, then the others.
  function photoItems() {
    const d = state.claim;
    if (!d) return [];
    const items = [];
    for (const slot of SLOTS) {
      const p = (d.photos || []).find((x) => x.slot === slot);
      if (p) items.push({ key: `slot-${slot}`, ref: p, title: `${slot} ${slotLabel(slot, p)}` });
    }
    (d.others || []).forEach((o, i) => {
      const why = (o.reasons || []).map((r) => QC_REASONS[r] || r).join("、");
      const was = o.slot ? `（第${o.slot}张）` : "";
      items.push({
        key: `other-${o.seq}`,
        ref: o,
        title: `其他照片 ${i + 1}${was}${why ? ` · ${why}` : ""}`,
      });
    });
    return items;
  }

  function renderClaim() {
    const d = state.claim;
    const c = d.claim;
    const head = h(
      "div",
      { class: "claim-head" },
      backLink(),
      h("h1", { class: "mono", testid: "claim-no" }, c.claim_no),
      statusChip(c.status, c.status_text),
      (d.flags || []).map((f) => flagChip(f)),
      h("span", { class: "spacer" }),
      d.contact_sheet_url
        ? h(
            "a",
            {
              href: d.contact_sheet_url,
              target: "_blank",
              rel: "noopener noreferrer",
              testid: "contact-sheet",
            },
            "照片总览图 ↗",
          )
        : null,
      h(
        "button",
        {
          type: "button",
          testid: "claim-reload",
          onclick: () => loadClaim(),
          title: "重新加载 (r)",
        },
        "重新加载",
      ),
    );
    const changed = h("div", {
      class: "banner info",
      id: "claim-changed",
      testid: "claim-changed",
    });
    changed.hidden = true;

    setMain(
      h(
        "section",
        { testid: "claim-view", "data-claim-no": c.claim_no, "data-version": c.version },
        head,
        changed,
        h(
          "div",
          { class: "claim-layout" },
          h(
            "div",
            { class: "claim-main" },
            photosPanel(d),
            othersPanel(d),
            h("div", { class: "two-col" }, accidentPanel(d), policyPanel(d)),
            conversationPanel(d),
          ),
          h(
            "aside",
            { class: "claim-side" },
            actionPanel(d),
            timelinePanel(c),
            hasRole(...AUDIT_ROLES) ? auditPanel(c.claim_no) : null,
          ),
        ),
      ),
    );
  }

  function photoImg(item, cls) {
    const img = h("img", {
      src: item.ref.thumb_url || "",
      alt: item.title,
      loading: "eager",
      decoding: "async",
      class: cls,
      "data-photo-key": item.key,
    });
    img.addEventListener("error", async () => {
      // Most likely an expired URL: refresh once, then give up quietly.
      if (img.dataset.retried) return;
      img.dataset.retried = "1";
      if (Date.now() - state.claimLoadedAt > 30_000) await refreshUrls();
    });
    return img;
  }

  function photosPanel(d) {
    const items = photoItems();
    const cards = SLOTS.map((slot) => {
      const p = (d.photos || []).find((x) => x.slot === slot);
      const title = h(
        "div",
        { class: "photo-title" },
        h("span", { class: "slot" }, slot),
        h("span", null, slotLabel(slot, p)),
      );
      if (!p) {
        return h(
          "figure",
          {
            class: "photo missing flush",
            testid: `photo-slot-${slot}`,
            "data-slot": slot,
          },
          title,
          h("div", { class: "photo-frame", testid: `photo-missing-${slot}` }, "未收到"),
        );
      }
      const item = items.find((x) => x.key === `slot-${slot}`);
      const reasons = (p.qc && p.qc.reasons) || [];
      const vinBad = p.vin && p.vin.matches_policy === false;
      const flagged = (p.flags || []).length > 0;
      let cls = "photo";
      if (vinBad || (p.flags || []).includes("taken_before_accident")) cls += " has-bad";
      else if (reasons.length || flagged) cls += " has-issue";
      return h(
        "figure",
        { class: `${cls} flush`, testid: `photo-slot-${slot}`, "data-slot": slot },
        title,
        h(
          "button",
          {
            type: "button",
            class: "photo-frame",
            testid: `photo-open-${slot}`,
            title: `查看大图 (${slot})`,
            onclick: () => openViewer(items.indexOf(item)),
          },
          photoImg(item),
          h("span", { class: "zoom-hint" }, "点击放大"),
        ),
        photoQc(p),
      );
    });
    return h(
      "section",
      { class: "panel", testid: "photos" },
      h("h2", null, `查勘照片（${(d.photos || []).length}/5）`),
      h("div", { class: "panel-body photos-wrap" }, h("div", { class: "photos" }, cards)),
    );
  }

  function photoQc(p) {
    const m = (p.qc && p.qc.metrics) || {};
    const reasons = (p.qc && p.qc.reasons) || [];
    const exif = p.exif || {};
    const rows = [];
    const row = (label, value, bad) =>
      rows.push(h("dt", null, label), h("dd", { class: bad ? "bad" : "" }, value));
    row("清晰度", formatNumber(m.sharpness, 2), reasons.includes("blurred"));
    row(
      "亮度",
      formatNumber(m.brightness, 0),
      reasons.includes("too_dark") || reasons.includes("too_bright"),
    );
    const w = m.width || exif.width;
    const hgt = m.height || exif.height;
    row("尺寸", w && hgt ? `${w}×${hgt}` : "—", reasons.includes("too_small"));
    if (exif.captured_at) {
      row("拍摄", formatTime(exif.captured_at), (p.flags || []).includes("taken_before_accident"));
    }
    if (typeof exif.km_from_place === "number") {
      row("距出险地点", `${formatNumber(exif.km_from_place, 1)} 公里`, exif.km_from_place > 5);
    }
    if (exif.device) row("设备", exif.device);
    if (p.received_at) row("收到", formatTime(p.received_at));
    let vin = null;
    if (p.vin) {
      const v = p.vin;
      let verdict = chip("保单无车架号可比", "", "vin-verdict");
      if (v.matches_policy === true) verdict = chip("与保单一致", "ok", "vin-verdict");
      if (v.matches_policy === false) verdict = chip("与保单不符", "bad", "vin-verdict");
      vin = h(
        "div",
        { class: "vin", testid: "vin" },
        h(
          "div",
          null,
          h("span", { class: "faint" }, "车架号识别"),
          v.score != null
            ? h("span", { class: "faint" }, ` · 置信度 ${formatNumber(v.score, 2)}`)
            : null,
        ),
        v.read ? h("span", { class: "vin-line" }, v.read) : h("span", { class: "bad" }, "未识别"),
        h("div", null, verdict),
      );
    }
    const chips = [
      ...reasons.map((r) => chip(QC_REASONS[r] || r, "warn", "qc-reason")),
      // A VIN mismatch is already said by the VIN verdict above.
      ...(p.flags || []).filter((f) => !(vin && f === "vin_mismatch")).map((f) => flagChip(f)),
    ];
    return h(
      "div",
      { class: "photo-qc", testid: `photo-qc-${p.slot}` },
      h("dl", null, rows),
      vin,
      chips.length ? h("div", null, chips) : null,
      reasons.length || (p.flags || []).length
        ? null
        : h("div", null, chip("质检通过", "ok", "qc-ok")),
    );
  }

  function othersPanel(d) {
    const others = d.others || [];
    if (!others.length) return null;
    const items = photoItems();
    return h(
      "details",
      { class: "panel", testid: "others" },
      h("summary", null, `其他照片（${others.length}）：未采用、重复或多余`),
      h(
        "div",
        { class: "panel-body others" },
        others.map((o) => {
          const item = items.find((x) => x.key === `other-${o.seq}`);
          return h(
            "figure",
            { class: "other flush", testid: "other-photo" },
            h(
              "button",
              {
                type: "button",
                class: "photo-frame",
                onclick: () => openViewer(items.indexOf(item)),
                title: "查看大图",
              },
              photoImg(item),
            ),
            h(
              "figcaption",
              null,
              (o.reasons || []).length
                ? o.reasons.map((r) => chip(QC_REASONS[r] || r, "warn"))
                : chip("未采用"),
            ),
          );
        }),
      ),
    );
  }

  function accidentPanel(d) {
    const a = d.accident || {};
    const place = a.place || {};
    let placeNode = "—";
    if (place.lat != null && place.lon != null) {
      placeNode = h("span", null, mapLink(place.lat, place.lon, place.label || place.text));
    } else if (place.text || place.label) {
      placeNode = place.text || place.label;
    }
    return h(
      "section",
      { class: "panel", testid: "accident" },
      h("h2", null, "出险信息"),
      h(
        "div",
        { class: "panel-body" },
        h(
          "dl",
          { class: "facts" },
          h("dt", null, "出险时间"),
          h("dd", null, a.at ? formatTime(a.at) : d.claim.accident_date || "—"),
          h("dt", null, "出险地点"),
          h("dd", { testid: "accident-place" }, placeNode),
          h("dt", null, "事故经过"),
          h("dd", { class: "pre-wrap" }, a.description || "—"),
        ),
      ),
    );
  }

  function policyPanel(d) {
    const p = d.policy || {};
    const period = p.start || p.end ? `${p.start || "?"} 至 ${p.end || "?"}` : "—";
    return h(
      "section",
      { class: "panel", testid: "policy" },
      h("h2", null, "保单"),
      h(
        "div",
        { class: "panel-body" },
        h(
          "dl",
          { class: "facts" },
          h("dt", null, "保单号"),
          h("dd", { class: "mono" }, p.policy_no || "—"),
          h("dt", null, "产品"),
          h("dd", null, p.product || "—"),
          h("dt", null, "被保险人"),
          h("dd", null, p.holder || "—"),
          h("dt", null, "车牌"),
          h("dd", null, p.plate_masked || "—"),
          h("dt", null, "车架号"),
          h("dd", { class: "mono" }, p.vin_masked || "—"),
          h("dt", null, "保险期间"),
          h("dd", null, period),
          h("dt", null, "保障"),
          h(
            "dd",
            null,
            (p.coverages || []).length
              ? h(
                  "ul",
                  { class: "coverages", testid: "coverages" },
                  p.coverages.map((cov) =>
                    h(
                      "li",
                      null,
                      h("span", null, cov.name),
                      h("span", { class: "limit" }, limitText(cov)),
                    ),
                  ),
                )
              : "—",
          ),
        ),
      ),
    );
  }

  // The limit alone: "死亡伤残赔偿 18万元" → "18万元" next to the name.
  function limitText(cov) {
    const text = String(cov.limit_text || "");
    return cov.name && text.startsWith(cov.name) ? text.slice(cov.name.length).trim() : text;
  }

  // What a message said, for people: media ids, template ids and bare type names are left out
  // (the type chip says enough); anything with words in it is shown.
  function messageText(m) {
    const content = String(m.content || "");
    if (m.type === "text" || !m.type) return content;
    if (content === m.type || /^[\x21-\x7e]*$/.test(content)) return "";
    return content;
  }

  function conversationPanel(d) {
    const msgs = d.conversation || [];
    const list = h(
      "div",
      { class: "conversation", testid: "conversation" },
      msgs.length
        ? msgs.map((m) => {
            const kind = MESSAGE_TYPES[m.type] ?? m.type;
            return h(
              "div",
              { class: `msg ${m.direction === "out" ? "out" : "in"}` },
              h(
                "span",
                { class: "when" },
                m.direction === "out" ? "公众号" : "客户",
                " · ",
                formatTime(m.at),
              ),
              h("div", { class: "bubble" }, kind ? chip(kind) : null, messageText(m)),
            );
          })
        : h("p", { class: "muted" }, "没有对话记录"),
    );
    const details = h(
      "details",
      { class: "panel", testid: "conversation-panel", open: true },
      h("summary", null, `对话摘录（最近 ${msgs.length} 条）`),
      h("div", { class: "panel-body" }, list),
    );
    requestAnimationFrame(() => {
      list.scrollTop = list.scrollHeight; // the latest message is the most relevant
    });
    return details;
  }

  function timelinePanel(c) {
    const entries = c.timeline || [];
    return h(
      "section",
      { class: "panel", testid: "timeline" },
      h("h2", null, "进度"),
      h(
        "div",
        { class: "panel-body" },
        entries.length
          ? h(
              "ol",
              { class: "timeline" },
              entries.map((t) =>
                h(
                  "li",
                  { "data-status": t.status },
                  h(
                    "div",
                    null,
                    h("span", { class: "what" }, t.status_text || t.status),
                    t.amount != null
                      ? h("span", { class: "num" }, ` ${formatYuan(t.amount)}`)
                      : null,
                  ),
                  h(
                    "div",
                    { class: "when" },
                    formatTime(t.at),
                    t.by ? h("span", { class: "by" }, ` · ${t.by}`) : null,
                  ),
                  t.reason ? h("div", { class: "why" }, t.reason) : null,
                ),
              ),
            )
          : h("p", { class: "muted" }, "—"),
      ),
    );
  }

  function auditDetail(detail) {
    if (detail == null || detail === "") return "";
    if (typeof detail !== "object") return String(detail);
    const parts = [];
    for (const [key, value] of Object.entries(detail)) {
      if (value == null || value === "" || (Array.isArray(value) && !value.length)) continue;
      if (key === "reshoots" && Array.isArray(value)) {
        const slots = value.map((r) => {
          const why = (RESHOOT_REASONS.find(([v]) => v === r.reason) || [r.reason, r.reason])[1];
          return `第${r.slot}张 ${why}${r.note ? `（${r.note}）` : ""}`;
        });
        parts.push(`补拍：${slots.join("、")}`);
      } else if (key === "amount") parts.push(`金额：${formatYuan(value)}`);
      else if (key === "reason") parts.push(`原因：${value}`);
      else if (key === "version") parts.push(`版本：${value}`);
      else if (key !== "action") {
        parts.push(`${key}: ${typeof value === "object" ? JSON.stringify(value) : value}`);
      }
    }
    return parts.join("；");
  }

  function auditPanel(claimNo) {
    const body = h("div", { class: "panel-body" }, h("p", { class: "muted" }, "展开后加载"));
    const details = h(
      "details",
      { class: "panel", testid: "audit" },
      h("summary", null, "操作记录（审计）"),
      body,
    );
    details.addEventListener("toggle", async () => {
      state.auditOpen = details.open;
      if (!details.open) return;
      body.replaceChildren(h("p", { class: "muted" }, "加载中…"));
      try {
        const { entries } = await api(`/audit?claim_no=${encodeURIComponent(claimNo)}`);
        body.replaceChildren(
          entries && entries.length
            ? h(
                "table",
                { class: "audit", testid: "audit-table" },
                h(
                  "tr",
                  null,
                  h("th", null, "时间"),
                  h("th", null, "人员"),
                  h("th", null, "操作"),
                  h("th", null, "详情"),
                ),
                entries.map((e) =>
                  h(
                    "tr",
                    null,
                    h("td", { class: "nowrap" }, formatTime(e.at, { seconds: true })),
                    h(
                      "td",
                      null,
                      e.who,
                      e.role ? h("div", { class: "faint" }, ROLE_LABELS[e.role] || e.role) : null,
                    ),
                    h("td", null, AUDIT_ACTIONS[e.action] || e.action),
                    h(
                      "td",
                      null,
                      auditDetail(e.detail),
                      e.ip ? h("div", { class: "faint" }, e.ip) : null,
                    ),
                  ),
                ),
              )
            : h("p", { class: "muted" }, "没有记录"),
        );
      } catch (err) {
        if (err.status !== 401)
          body.replaceChildren(h("p", { class: "muted" }, `加载失败：${err.message}`));
      }
    });
    if (state.auditOpen) details.open = true; // fires "toggle", which loads the log again
    return details;
  }

  // ----- decisions -----

  function actionPanel(d) {
    const allowed = d.actions || [];
    const c = d.claim;
    const tabs = h(
      "div",
      { class: "tabs", role: "group", "aria-label": "处理方式" },
      ACTIONS.map((a) =>
        h(
          "button",
          {
            type: "button",
            testid: `action-tab-${a.code}`,
            "data-action": a.code,
            disabled: !allowed.includes(a.code),
            "aria-pressed": state.action === a.code ? "true" : "false",
            title: `${a.label} (${a.key})`,
            onclick: () => selectAction(a.code),
          },
          a.label,
          h("kbd", null, a.key),
        ),
      ),
    );
    let note = null;
    if (!allowed.length) {
      const decided = ["approved", "surveyor_sent", "rejected", "repairing", "paid", "withdrawn"];
      let text = "您的角色只能查看，不能处理赔案。";
      if (decided.includes(c.status))
        text = `此赔案已处理（${c.status_text || c.status}），无需操作。`;
      else if (c.pending_signoff) text = "此赔案的核定金额超出提交人的权限，待主管签批。";
      else if (c.status === "reported") text = "客户还没有提交查勘照片，暂不能处理。";
      else if (hasRole("adjuster", "supervisor")) text = "此赔案当前不能处理。";
      note = h("p", { class: "readonly-note", testid: "readonly-note" }, text);
    }
    forms.clear();
    const form = h("div", { id: "action-form", testid: "action-form" }, formFor(d));
    const result = h("div", { id: "action-result" }, resultBox());
    return h(
      "section",
      { class: "panel actions", testid: "actions" },
      h("h2", null, "审核处理"),
      h("div", { class: "panel-body" }, signOffPanel(d), note, tabs, form, result),
    );
  }

  // One form per action for the claim on screen: switching tabs keeps what was typed.
  const forms = new Map();
  function formFor(d) {
    const key = state.action || "";
    if (!forms.has(key)) forms.set(key, actionForm(d));
    return forms.get(key);
  }

  function selectAction(code) {
    const allowed = (state.claim && state.claim.actions) || [];
    if (!allowed.includes(code) || state.sending || state.action === code) return;
    state.action = code;
    for (const b of $$(".actions .tabs button")) {
      b.setAttribute("aria-pressed", b.dataset.action === code ? "true" : "false");
    }
    $("#action-form").replaceChildren(formFor(state.claim) || "");
    const first = $(
      "#action-form input:not([type=checkbox]), #action-form textarea, #action-form input",
    );
    if (first) first.focus();
  }

  function field(label, control, { required = false, hint } = {}) {
    return h(
      "label",
      { class: "field" },
      h("span", null, label, required ? h("span", { class: "req" }, " *") : null),
      control,
      hint ? h("span", { class: "faint" }, hint) : null,
    );
  }

  function reasonArea(testid, placeholder, required) {
    return h("textarea", {
      testid,
      name: "reason",
      maxlength: MAX_TEXT,
      required,
      placeholder,
    });
  }

  function actionForm(d) {
    const code = state.action;
    if (!code) {
      return (d.actions || []).length
        ? h(
            "p",
            { class: "muted", testid: "action-hint" },
            "选择处理方式：通过、补拍、派查勘员或拒赔。",
          )
        : null;
    }
    const parts = [];
    if (code === "approve") {
      parts.push(
        field(
          "核定金额（元）",
          h(
            "div",
            { class: "amount-row" },
            h("span", null, "¥"),
            h("input", {
              type: "text",
              inputmode: "decimal",
              name: "amount",
              testid: "approve-amount",
              autocomplete: "off",
              required: true,
              placeholder: "例如 2350.00",
            }),
          ),
          { required: true },
        ),
        field("备注", reasonArea("approve-note", approveNotePlaceholder(d), false)),
        authorityHint(d),
      );
    } else if (code === "reshoot") {
      parts.push(reshootList(d));
    } else if (code === "surveyor") {
      parts.push(
        field("原因", reasonArea("surveyor-reason", "例如：损失较大，需现场查勘核损", true), {
          required: true,
        }),
      );
    } else if (code === "reject") {
      parts.push(
        field("拒赔原因", reasonArea("reject-reason", "例如：出险时间不在保险期间内", true), {
          required: true,
          hint: "原因会记入理赔记录。",
        }),
      );
    }
    const action = ACTIONS.find((a) => a.code === code);
    parts.push(
      h("div", { class: "form-error", id: "form-error", testid: "form-error", hidden: true }),
      h(
        "div",
        { class: "submit-row" },
        h(
          "button",
          {
            type: "submit",
            class: code === "reject" ? "danger" : "primary",
            testid: "action-submit",
            id: "action-submit",
          },
          `${action.label}…`,
        ),
        h("span", { class: "faint" }, "提交前会再次确认"),
      ),
    );
    return h(
      "form",
      {
        novalidate: true,
        testid: `action-form-${code}`,
        onsubmit: (e) => {
          e.preventDefault();
          submitDecision(e.currentTarget);
        },
      },
      parts,
    );
  }

  // Claim authority (核赔权限): what the policy covers for this loss and what the signed-in
  // person may approve alone; above it the approval waits for a supervisor's sign-off.
  function authorityHint(d) {
    const a = d.authority;
    if (!a) return null;
    const cover = !a.covered
      ? "本保单没有车损险，不能核定金额"
      : a.cover != null
        ? `本案最高可核 ${formatYuan(a.cover)}（车损险保额扣除免赔）`
        : "车损险保额未载明";
    return h(
      "p",
      { class: "faint", testid: "authority-hint" },
      `${cover}；您可单独核赔至 ${formatYuan(a.own_limit)}，超出需主管签批。`,
    );
  }

  function approveNotePlaceholder(d) {
    const flagged = (d.flags || []).filter((f) =>
      ["vin_mismatch", "taken_before_accident", "taken_far_from_place", "photos_missing"].includes(f),
    );
    return flagged.length
      ? "必填：此赔案有异常标记，请写明仍予通过的理由（记入审计）"
      : "可选：给理赔记录的说明";
  }

  // An approval above its maker's authority: a supervisor signs it off or sends it back.
  function signOffPanel(d) {
    const p = d.claim.pending_signoff;
    if (!p) return null;
    const mine = state.user && state.user.id === p.by;
    const mayAct = d.authority && d.authority.may_sign_off;
    const reason = h("textarea", {
      testid: "signoff-reason",
      maxlength: MAX_TEXT,
      placeholder: "退回时必填：退回原因",
    });
    const error = h("div", { class: "form-error", testid: "signoff-error", hidden: true });
    const send = async (decision) => {
      const why = reason.value.trim();
      if (decision === "decline" && !why) {
        error.textContent = "退回时请填写原因";
        error.hidden = false;
        reason.focus();
        return;
      }
      if (state.sending) return;
      state.sending = true;
      try {
        const body = { decision, version: d.claim.version };
        if (why) body.reason = why;
        await api(`/claims/${encodeURIComponent(d.claim.claim_no)}/signoff`, {
          method: "POST",
          body,
        });
        state.result = {
          tone: "ok",
          title: decision === "approve" ? "已签批通过" : "已退回，赔案回到待审核",
          at: new Date(),
        };
        state.sending = false;
        await loadClaim();
      } catch (err) {
        state.sending = false;
        if (err.status === 401) return;
        error.textContent = err.message;
        error.hidden = false;
      }
    };
    const buttons = mayAct
      ? h(
          "div",
          { class: "submit-row" },
          mine
            ? null
            : h(
                "button",
                { type: "button", class: "primary", testid: "signoff-approve",
                  onclick: () => send("approve") },
                "签批通过",
              ),
          h(
            "button",
            { type: "button", class: "danger", testid: "signoff-decline",
              onclick: () => send("decline") },
            mine ? "撤回" : "退回",
          ),
        )
      : h("p", { class: "muted" }, "等待主管签批后生效。");
    return h(
      "div",
      { class: "signoff", testid: "signoff" },
      h("div", { class: "big" }, `待主管签批：核定金额 ${formatYuan(p.amount)}`),
      h("div", null, `提交人：${p.by_name || p.by}${p.reason ? `；理由：${p.reason}` : ""}`),
      mayAct ? reason : null,
      error,
      buttons,
    );
  }

  function reshootList(d) {
    const items = SLOTS.map((slot) => {
      const p = (d.photos || []).find((x) => x.slot === slot);
      const qcReasons = (p && p.qc && p.qc.reasons) || [];
      const suggested = qcReasons.find((r) => RESHOOT_REASONS.some(([v]) => v === r)) || "";
      const select = h(
        "select",
        {
          testid: `reshoot-reason-${slot}`,
          name: `reason-${slot}`,
          "aria-label": `第${slot}张的补拍原因`,
        },
        h("option", { value: "" }, "选择原因…"),
        RESHOOT_REASONS.map(([v, label]) => h("option", { value: v }, label)),
      );
      select.value = suggested;
      const note = h("input", {
        type: "text",
        testid: `reshoot-note-${slot}`,
        name: `note-${slot}`,
        maxlength: MAX_TEXT,
        placeholder: "给客户的说明（可选；选“其他”时必填）",
        "aria-label": `第${slot}张的说明`,
      });
      const box = h("input", {
        type: "checkbox",
        testid: `reshoot-check-${slot}`,
        name: `slot-${slot}`,
        value: String(slot),
      });
      const item = h(
        "div",
        { class: "reshoot-item", testid: `reshoot-item-${slot}`, "data-slot": slot },
        h(
          "label",
          { class: "head" },
          box,
          h("span", null, `第${slot}张 ${slotLabel(slot, p)}`),
          h(
            "span",
            { class: "hint" },
            p ? qcReasons.map((r) => chip(QC_REASONS[r] || r, "warn")) : chip("未收到"),
          ),
        ),
        h("div", { class: "detail" }, select, note),
      );
      const sync = () => {
        item.classList.toggle("checked", box.checked);
        note.placeholder =
          select.value === "other" ? "说明（必填）：需要客户怎么重拍" : "给客户的说明（可选）";
      };
      box.addEventListener("change", () => {
        sync();
        if (box.checked && !select.value) select.focus();
      });
      select.addEventListener("change", () => {
        if (select.value && !box.checked) box.checked = true;
        sync();
      });
      sync();
      return item;
    });
    return h(
      "div",
      { class: "field" },
      h("span", null, "需要重拍的照片", h("span", { class: "req" }, " *")),
      h("div", { class: "reshoot-list", testid: "reshoot-list" }, items),
    );
  }

  // Validate the form into a request body and a human summary; an error message otherwise.
  function readDecision(form) {
    const code = state.action;
    const body = { action: code, version: state.claim.claim.version };
    const summary = [];
    const get = (name) => (form.elements[name] ? String(form.elements[name].value).trim() : "");
    if (code === "approve") {
      const raw = get("amount").replace(/[,，\s¥￥]/g, "");
      if (!/^\d+(\.\d{1,2})?$/.test(raw)) {
        return { error: "请填写核定金额，例如 2350 或 2350.00", focus: form.elements.amount };
      }
      const amount = Number(raw);
      if (!(amount > 0)) return { error: "核定金额必须大于 0", focus: form.elements.amount };
      if (amount > MAX_AMOUNT) {
        return { error: "核定金额超过自助理赔上限（100 万元）", focus: form.elements.amount };
      }
      body.amount = amount.toFixed(2);
      const note = get("reason");
      if (note) body.reason = note;
      summary.push(h("div", { class: "big" }, `核定金额 ${formatYuan(body.amount)}`));
      if (note) summary.push(h("div", null, `备注：${note}`));
    } else if (code === "reshoot") {
      const reshoots = [];
      const lines = [];
      for (const slot of SLOTS) {
        if (!form.elements[`slot-${slot}`].checked) continue;
        const select = form.elements[`reason-${slot}`];
        const reason = select.value;
        const noteInput = form.elements[`note-${slot}`];
        const note = noteInput.value.trim();
        if (!reason) return { error: `请选择第${slot}张的补拍原因`, focus: select };
        if (reason === "other" && !note) {
          return { error: `第${slot}张选了“其他”，请填写给客户的说明`, focus: noteInput };
        }
        const entry = { slot, reason };
        if (note) entry.note = note;
        reshoots.push(entry);
        const label = RESHOOT_REASONS.find(([v]) => v === reason)[1];
        const p = (state.claim.photos || []).find((x) => x.slot === slot);
        lines.push(
          h("li", null, `第${slot}张 ${slotLabel(slot, p)}：${label}${note ? `（${note}）` : ""}`),
        );
      }
      if (!reshoots.length) {
        return { error: "请至少勾选一张需要重拍的照片", focus: form.elements["slot-1"] };
      }
      body.reshoots = reshoots;
      summary.push(h("div", null, "请客户重拍："), h("ul", null, lines));
      summary.push(h("div", { class: "faint" }, "客户会在微信里收到重拍通知。"));
    } else {
      const reason = get("reason");
      if (!reason) return { error: "请填写原因", focus: form.elements.reason };
      body.reason = reason;
      summary.push(h("div", null, `原因：${reason}`));
    }
    return { body, summary };
  }

  async function submitDecision(form) {
    if (state.sending) return;
    const errorBox = $("#form-error", form);
    const read = readDecision(form);
    if (read.error) {
      errorBox.textContent = read.error;
      errorBox.hidden = false;
      if (read.focus) read.focus.focus();
      return;
    }
    errorBox.hidden = true;
    const action = ACTIONS.find((a) => a.code === state.action);
    const claimNo = state.claimNo;
    const ok = await confirmDialog(
      `${action.label}：${claimNo}`,
      h("div", { class: "confirm-summary" }, read.summary),
      `确认${action.label}`,
      state.action === "reject",
    );
    if (!ok || state.claimNo !== claimNo || state.view !== "claim") return;

    state.sending = true;
    const button = $("#action-submit");
    if (button) {
      button.disabled = true;
      button.textContent = "提交中…";
    }
    try {
      const res = await api(`/claims/${encodeURIComponent(claimNo)}/decisions`, {
        method: "POST",
        body: read.body,
      });
      const status = res && res.claim ? res.claim.status_text || res.claim.status : "";
      state.result = {
        tone: "ok",
        title: `已提交：${action.label}${status ? `，赔案状态：${status}` : ""}`,
        at: new Date(),
      };
      state.action = null;
      state.sending = false;
      await loadClaim();
    } catch (err) {
      state.sending = false;
      if (err.status === 401) return;
      if (err.status === 409) {
        state.result = {
          tone: "conflict",
          title: "未提交：此赔案在您打开后已被他人处理或已变化。",
          server: err.message,
          reload: true,
        };
      } else if (err.status === 403) {
        state.result = {
          tone: "bad",
          title: "未提交：您没有权限执行此操作。",
          server: err.message,
        };
      } else if (err.status === 400) {
        state.result = { tone: "bad", title: "未提交：请求未通过校验。", server: err.message };
      } else {
        state.result = { tone: "bad", title: "提交失败，请稍后重试。", server: err.message };
      }
      if (button && state.view === "claim") {
        button.disabled = false;
        button.textContent = `${action.label}…`;
      }
      const box = $("#action-result");
      if (box) box.replaceChildren(resultBox());
      const reload = $("[data-testid=conflict-reload]");
      if (reload) reload.focus();
    }
  }

  function resultBox() {
    const r = state.result;
    if (!r) return null;
    return h(
      "div",
      {
        class: `result ${r.tone}`,
        role: "status",
        testid:
          r.tone === "conflict"
            ? "action-conflict"
            : r.tone === "ok"
              ? "action-ok"
              : "action-error",
      },
      h(
        "div",
        { class: "title" },
        r.title,
        r.at
          ? h(
              "span",
              { class: "faint" },
              ` ${formatTime(r.at.toISOString(), { seconds: true }).slice(11)}`,
            )
          : null,
      ),
      r.server ? h("div", { class: "server", testid: "server-message" }, r.server) : null,
      r.reload
        ? h(
            "button",
            {
              type: "button",
              class: "primary",
              testid: "conflict-reload",
              onclick: () => {
                state.result = null;
                state.action = null;
                loadClaim();
              },
            },
            "重新加载赔案",
          )
        : null,
    );
  }

  function confirmDialog(title, body, okLabel, danger) {
    const dialog = $("#confirm");
    $("#confirm-title").textContent = title;
    $("#confirm-body").replaceChildren(body);
    const ok = $("#confirm-ok");
    ok.textContent = okLabel;
    ok.className = danger ? "danger" : "primary";
    dialog.returnValue = "";
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
      dialog.showModal();
      ok.focus();
    });
  }

  function claimKey(e) {
    if (/^[1-5]$/.test(e.key)) {
      const items = photoItems();
      const at = items.findIndex((x) => x.key === `slot-${e.key}`);
      if (at >= 0) {
        e.preventDefault();
        openViewer(at);
      }
      return;
    }
    const action = ACTIONS.find((a) => a.key === e.key);
    if (action) {
      e.preventDefault();
      selectAction(action.code);
    } else if (e.key === "r") {
      e.preventDefault();
      loadClaim();
    } else if (e.key === "Escape") {
      e.preventDefault();
      const active = document.activeElement;
      if (active && active !== document.body && active.closest(".actions")) {
        active.blur(); // first Esc leaves the form; the next one goes back to the queue
        return;
      }
      $("[data-testid=back-to-queue]").click();
    }
  }

  // ---------------------------------------------------------------------------------------
  // The agents' inbox (人工客服): customers who asked for a person, answered from here. Polled
  // every few seconds while on screen; the selection and what was typed survive every refresh.

  const drafts = loadDrafts();

  function loadDrafts() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(DRAFTS_KEY) || "{}");
      return new Map(Object.entries(saved).filter(([, v]) => typeof v === "string" && v));
    } catch (err) {
      return new Map();
    }
  }

  function setDraft(chatId, text) {
    if (text) drafts.set(chatId, text);
    else drafts.delete(chatId);
    try {
      const saved = JSON.stringify(Object.fromEntries(drafts));
      if (drafts.size) sessionStorage.setItem(DRAFTS_KEY, saved);
      else sessionStorage.removeItem(DRAFTS_KEY);
    } catch (err) {
      // storage full or blocked: the draft still lives in the page
    }
  }

  // Characters as the API counts them (code points: an emoji is one).
  const charCount = (text) => [...text].length;

  function shortTime(iso) {
    const full = formatTime(iso);
    const today = formatTime(new Date().toISOString());
    return full.slice(0, 10) === today.slice(0, 10) ? full.slice(11) : full.slice(5);
  }

  // "【人工转接】#K7Q 欧阳女士" → "欧阳女士" (the masked salutation; "客户" when not bound).
  function customerName(chat) {
    const first = String((chat.context || [])[0] || "");
    const name = first
      .replace(/^【[^】]*】\s*/, "")
      .replace(chat.code || "", "")
      .trim();
    return name || "客户";
  }

  // The customer facts: the context lines after the title and before the recent messages
  // (those are in the conversation below).
  function contextFacts(chat) {
    const lines = (chat.context || []).slice(1);
    const end = lines.indexOf("最近消息：");
    return (end < 0 ? lines : lines.slice(0, end)).filter((line) => line.trim());
  }

  // The outbox records what it delivered too: "【人工客服 赵客服】text" right after the agent's
  // own record of "text". Show the agent's record once.
  function visibleMessages(chat) {
    const said = new Map();
    const shown = [];
    for (const m of chat.messages || []) {
      const content = String(m.content || "");
      if (m.direction === "out" && m.staff) said.set(content, (said.get(content) || 0) + 1);
      if (m.direction === "out" && !m.staff) {
        const relayed = /^【人工客服 [^】]*】([\s\S]*)$/.exec(content);
        if (relayed && said.get(relayed[1])) {
          said.set(relayed[1], said.get(relayed[1]) - 1);
          continue;
        }
      }
      shown.push(m);
    }
    return shown;
  }

  function messageLabel(m) {
    const kind = MESSAGE_TYPES[m.type] ?? m.type;
    const text = messageText(m).replace(/\s+/g, " ").trim();
    if (kind && text) return `[${kind}] ${text}`;
    return kind ? `[${kind}]` : text;
  }

  function chatUrgency(chat) {
    if (chat.state !== "waiting") return "";
    const minutes = Number(chat.waiting_minutes) || 0;
    if (minutes >= CHAT_LATE_MINUTES) return "late";
    if (minutes >= CHAT_SOON_MINUTES) return "soon";
    return "";
  }

  function chatStateChip(chat, ended) {
    let el;
    if (ended) el = chip("已结束", "", "chat-state");
    else if (chat.state === "waiting") {
      el = chip("等待中", chatUrgency(chat) === "late" ? "bad" : "warn", "chat-state");
    } else el = chip("服务中", "ok", "chat-state");
    el.dataset.state = ended ? "ended" : chat.state;
    return el;
  }

  function sortChats(chats) {
    const at = (c) => {
      const t = Date.parse(c.started_at);
      return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
    };
    const rank = (c) => (c.state === "waiting" ? 0 : 1);
    return chats
      .map((c, i) => [c, i])
      .sort(([a, i], [b, j]) => rank(a) - rank(b) || at(a) - at(b) || i - j)
      .map(([c]) => c);
  }

  function showInbox(chatId) {
    setView("inbox");
    const ib = state.inbox;
    if (chatId) ib.selected = chatId;
    ib.chats = [];
    ib.loadedAt = null;
    ib.current = null;
    ib.gone = false;
    ib.listSig = "";
    if (chatId) ib.notice = null;
    setMain(
      h(
        "section",
        { class: "inbox", testid: "inbox-view" },
        h(
          "aside",
          { class: "panel inbox-list", testid: "chat-list-pane" },
          h(
            "div",
            { class: "inbox-list-head" },
            h("h1", null, "人工客服"),
            h("span", { class: "count", id: "chat-count", testid: "chat-count" }),
            h("span", { class: "spacer" }),
            h(
              "button",
              {
                type: "button",
                class: "link",
                testid: "chats-refresh",
                onclick: () => loadChats(),
                title: "刷新 (r)",
              },
              "刷新",
            ),
          ),
          h(
            "ul",
            { class: "chat-list", id: "chat-list", testid: "chat-list", "aria-label": "客户会话" },
            h("li", { class: "chat-empty muted" }, "加载中…"),
          ),
          h("div", { class: "inbox-list-foot faint", id: "chat-updated", testid: "chat-updated" }),
        ),
        h("section", { class: "panel inbox-chat", id: "chat-pane", testid: "chat-pane" }),
      ),
    );
    renderChatPane();
    loadChats();
    every(CHATS_REFRESH_MS, () => {
      if (!document.hidden) loadChats({ quiet: true });
    });
  }

  async function loadChats({ quiet = false } = {}) {
    const ib = state.inbox;
    if (quiet && ib.loading) return; // a poll never piles up behind a slow one
    const seq = ++ib.seq;
    ib.loading = true;
    let data;
    try {
      data = await api("/chats", { quiet });
    } catch (err) {
      if (seq !== ib.seq) return;
      ib.loading = false;
      if (state.view !== "inbox" || err.status === 401) return;
      if (err.status === 403) return showForbidden("inbox");
      ib.failed = true;
      showBanner(`会话列表刷新失败：${err.message}（每 3 秒自动重试）`);
      return;
    }
    if (seq !== ib.seq) return; // a newer request is on its way
    ib.loading = false;
    if (state.view !== "inbox") return;
    if (ib.failed) {
      ib.failed = false;
      showBanner("");
    }
    ib.chats = sortChats((data && data.chats) || []);
    ib.loadedAt = new Date();
    renderChatList();
    renderChatPane();
  }

  function renderChatList() {
    const ib = state.inbox;
    const list = $("#chat-list");
    if (!list) return;
    const waiting = ib.chats.filter((c) => c.state === "waiting").length;
    const count = $("#chat-count");
    const active = ib.chats.length - waiting;
    count.textContent = ib.chats.length ? `等待 ${waiting} · 服务中 ${active}` : "";
    count.classList.toggle("has-waiting", waiting > 0);
    $("#chat-updated").textContent = `更新于 ${formatTime(ib.loadedAt.toISOString(), {
      seconds: true,
    }).slice(11)} · 每 3 秒自动刷新`;

    // Rebuilt only when something shown changed (the minutes tick, a message arrives, …).
    const sig = JSON.stringify([
      ib.selected,
      ib.chats.map((c) => [c.id, c.state, c.waiting_minutes, (c.context || [])[0], c.messages]),
    ]);
    if (sig === ib.listSig) return;
    ib.listSig = sig;
    const focused = document.activeElement && document.activeElement.closest("#chat-list");
    const focusedId = focused ? document.activeElement.dataset.chatId : null;
    list.replaceChildren(
      ...(ib.chats.length
        ? ib.chats.map(chatItem)
        : [
            h(
              "li",
              { class: "chat-empty", testid: "inbox-empty" },
              h("div", { class: "big" }, "暂无等待的客户"),
              h("div", { class: "faint" }, "客户转人工后会自动出现在这里。"),
            ),
          ]),
    );
    if (focusedId) {
      const again = $(`[data-chat-id="${CSS.escape(focusedId)}"]`, list);
      if (again) again.focus({ preventScroll: true });
    }
  }

  function chatItem(chat) {
    const ib = state.inbox;
    const selected = chat.id === ib.selected;
    const urgency = chatUrgency(chat);
    const shown = visibleMessages(chat);
    const last = shown[shown.length - 1];
    const needsReply = chat.state === "active" && last && last.direction === "in";
    const minutes = Number(chat.waiting_minutes) || 0;
    const since = `自 ${formatTime(chat.started_at)}`;
    let preview = "—";
    if (last) {
      let who = "";
      if (last.direction === "out") {
        if (!last.staff) who = "公众号：";
        else who = state.user && last.staff === state.user.id ? "我：" : `${last.staff}：`;
      }
      preview = `${who}${messageLabel(last)}`;
    }
    const cls = ["chat-item", chat.state, urgency, selected ? "selected" : ""];
    return h(
      "li",
      null,
      h(
        "button",
        {
          type: "button",
          class: cls.filter(Boolean).join(" "),
          testid: "chat-item",
          "data-chat-id": chat.id,
          "data-code": chat.code,
          "data-state": chat.state,
          "data-urgency": urgency || null,
          "aria-current": selected ? "true" : null,
          onclick: () => selectChat(chat.id, { focusInput: true }),
        },
        h(
          "div",
          { class: "row" },
          h("span", { class: "code mono", testid: "chat-item-code" }, chat.code),
          h("span", { class: "name", testid: "chat-item-name" }, customerName(chat)),
          chat.reason && chat.reason !== "客户要求人工服务"
            ? chip(chat.reason, "bad", "chat-item-reason")
            : null,
          h("span", { class: "spacer" }),
          needsReply
            ? h("span", { class: "dot", title: "客户有新消息待回复", testid: "chat-needs-reply" })
            : null,
          chatStateChip(chat),
        ),
        h(
          "div",
          { class: "row" },
          h("span", { class: "preview", testid: "chat-preview" }, preview),
          h(
            "span",
            {
              class: `wait num ${urgency}`.trim(),
              testid: "chat-wait",
              title: chat.state === "waiting" ? `已等待，${since}` : `服务中，${since}`,
            },
            formatAge(minutes),
          ),
        ),
      ),
    );
  }

  function selectChat(chatId, { focusInput = false } = {}) {
    const ib = state.inbox;
    if (ib.selected !== chatId || ib.gone) {
      ib.selected = chatId;
      ib.notice = null;
      history.replaceState(
        null,
        "",
        `${location.pathname}${location.search}#/inbox/${encodeURIComponent(chatId)}`,
      );
      renderChatList();
      renderChatPane();
    }
    const input = $("#chat-input");
    if (focusInput && input && !input.disabled) input.focus();
  }

  function clearSelection(notice) {
    const ib = state.inbox;
    ib.selected = null;
    ib.current = null;
    ib.gone = false;
    ib.notice = notice || null;
    history.replaceState(null, "", `${location.pathname}${location.search}#/inbox`);
    renderChatList();
    renderChatPane();
  }

  // The right pane: built when another chat is selected, updated in place on every poll (so
  // the textarea, its draft, the caret and the scroll position stay as the agent left them).
  function renderChatPane() {
    const ib = state.inbox;
    const pane = $("#chat-pane");
    if (!pane) return;
    const chat = ib.selected ? ib.chats.find((c) => c.id === ib.selected) : null;
    if (!chat) {
      if (ib.selected && ib.current && ib.current.id === ib.selected) {
        markGone("该会话已结束（客户已退出人工服务，或已由同事结束）。");
        return;
      }
      if (ib.selected && ib.loadedAt) {
        ib.selected = null; // an old link: no such open chat
        ib.notice = "该会话已结束或不存在。";
        history.replaceState(null, "", `${location.pathname}${location.search}#/inbox`);
      }
      let hint = "加载中…";
      if (ib.loadedAt) hint = ib.chats.length ? "从左侧选择一位客户开始服务" : "暂无等待的客户";
      const key = `${ib.notice || ""}|${hint}`;
      if (pane.dataset.chatId !== "" || pane.dataset.placeholder !== key) {
        pane.dataset.chatId = "";
        pane.dataset.placeholder = key;
        pane.replaceChildren(
          h(
            "div",
            { class: "chat-placeholder", testid: "chat-placeholder" },
            ib.notice
              ? h("p", { class: "result ok", testid: "chat-pane-notice" }, ib.notice)
              : null,
            h("p", { class: "muted" }, hint),
          ),
        );
      }
      ib.current = null;
      return;
    }
    if (pane.dataset.chatId !== chat.id || ib.gone) {
      ib.gone = false;
      pane.dataset.chatId = chat.id;
      pane.dataset.placeholder = "";
      pane.replaceChildren(...chatPaneParts(chat));
      ib.current = chat;
      updateChat(chat, { scroll: true });
      updateComposer();
      return;
    }
    ib.current = chat;
    updateChat(chat, { scroll: false });
  }

  function chatPaneParts(chat) {
    const staffName = state.user ? state.user.name : "";
    const input = h("textarea", {
      id: "chat-input",
      testid: "chat-input",
      rows: 3,
      placeholder: "输入回复…（Enter 发送，Shift+Enter 换行）",
      "aria-label": `回复客户 ${chat.code}`,
      oninput: (e) => {
        setDraft(chat.id, e.currentTarget.value);
        showChatError("");
        updateComposer();
      },
      onkeydown: (e) => {
        // Enter sends; Shift+Enter is a new line; an input method's Enter picks its candidate.
        if (e.key !== "Enter" || e.shiftKey || e.altKey || e.isComposing || e.keyCode === 229) {
          return;
        }
        e.preventDefault();
        sendReply();
      },
    });
    input.value = drafts.get(chat.id) || "";
    const messages = h("div", {
      class: "chat-messages",
      id: "chat-messages",
      testid: "chat-messages",
      role: "log",
      "aria-live": "polite",
      onscroll: (e) => {
        if (atBottom(e.currentTarget)) $("#chat-new-below").hidden = true;
      },
    });
    return [
      h(
        "header",
        { class: "chat-head", testid: "chat-head", "data-chat-id": chat.id },
        h("span", { class: "code mono", testid: "chat-code" }, chat.code),
        h("span", { class: "name", testid: "chat-name" }, customerName(chat)),
        h("span", { id: "chat-state" }),
        h("span", { class: "faint", id: "chat-since", testid: "chat-since" }),
        h("span", { class: "spacer" }),
        h(
          "button",
          {
            type: "button",
            class: "danger-outline",
            id: "chat-end",
            testid: "chat-end",
            onclick: () => endChat(),
          },
          "结束服务",
        ),
      ),
      h("div", {
        class: "chat-notice",
        id: "chat-notice",
        testid: "chat-notice",
        role: "alert",
        hidden: true,
      }),
      h("div", { class: "chat-context", id: "chat-context", testid: "chat-context" }),
      h(
        "div",
        { class: "chat-scroll" },
        messages,
        h(
          "button",
          {
            type: "button",
            class: "new-below",
            id: "chat-new-below",
            testid: "chat-new-below",
            hidden: true,
            onclick: () => {
              messages.scrollTop = messages.scrollHeight;
              $("#chat-new-below").hidden = true;
            },
          },
          "有新消息 ↓",
        ),
      ),
      h(
        "form",
        {
          class: "composer",
          testid: "chat-composer",
          novalidate: true,
          onsubmit: (e) => {
            e.preventDefault();
            sendReply();
          },
        },
        input,
        h(
          "div",
          { class: "composer-bar" },
          h(
            "span",
            { class: "faint" },
            `Enter 发送 · Shift+Enter 换行 · 客户在微信中看到“【人工客服 ${staffName}】…”`,
          ),
          h("span", { class: "spacer" }),
          h("span", { class: "counter num", id: "chat-counter", testid: "chat-counter" }),
          h(
            "button",
            { type: "submit", class: "primary", id: "chat-send", testid: "chat-send" },
            "发送",
          ),
        ),
        h("div", {
          class: "form-error",
          id: "chat-error",
          testid: "chat-error",
          role: "alert",
          hidden: true,
        }),
      ),
    ];
  }

  function atBottom(box) {
    return box.scrollHeight - box.scrollTop - box.clientHeight < 24;
  }

  // Header, facts and messages of the chat on screen, each redrawn only if it changed.
  function updateChat(chat, { scroll }) {
    $("#chat-state").replaceChildren(chatStateChip(chat));
    const minutes = formatAge(chat.waiting_minutes);
    $("#chat-since").textContent =
      chat.state === "waiting"
        ? `${formatTime(chat.started_at).slice(11)} 转入 · 已等待 ${minutes}`
        : `${formatTime(chat.started_at).slice(11)} 转入 · ${minutes}`;

    const facts = contextFacts(chat);
    const context = $("#chat-context");
    const factsSig = JSON.stringify(facts);
    if (context.dataset.sig !== factsSig) {
      context.dataset.sig = factsSig;
      context.replaceChildren(
        h(
          "dl",
          null,
          facts.map((line) => {
            const pair = /^([^：]{1,8})：([\s\S]*)$/.exec(line);
            return pair
              ? [h("dt", null, pair[1]), h("dd", null, pair[2])]
              : h("dd", { class: "whole" }, line);
          }),
        ),
      );
      context.hidden = !facts.length;
    }

    const box = $("#chat-messages");
    const shown = visibleMessages(chat);
    const sig = JSON.stringify(shown);
    if (box.dataset.sig === sig) return;
    const follow = scroll || !box.dataset.sig || atBottom(box);
    const before = box.scrollTop;
    box.dataset.sig = sig;
    box.replaceChildren(
      ...(shown.length
        ? shown.map(chatBubble)
        : [h("p", { class: "muted chat-none" }, "还没有消息")]),
    );
    if (follow) {
      box.scrollTop = box.scrollHeight;
      $("#chat-new-below").hidden = true;
    } else {
      box.scrollTop = before; // reading further up: stay there, say there is more below
      $("#chat-new-below").hidden = false;
    }
  }

  function chatBubble(m) {
    const out = m.direction === "out";
    const who = !out ? "客户" : m.staff ? `客服 ${m.staff}` : "公众号";
    const kind = MESSAGE_TYPES[m.type] ?? m.type;
    const text = messageText(m);
    const cls = ["msg", out ? "out" : "in", out ? (m.staff ? "staff" : "bot") : ""];
    return h(
      "div",
      {
        class: cls.filter(Boolean).join(" "),
        testid: "chat-message",
        "data-direction": out ? "out" : "in",
        "data-staff": m.staff || null,
      },
      h(
        "span",
        { class: "when", title: formatTime(m.at, { seconds: true }) },
        who,
        " · ",
        shortTime(m.at),
      ),
      h("div", { class: "bubble" }, kind ? chip(kind) : null, text),
    );
  }

  function updateComposer() {
    const ib = state.inbox;
    const input = $("#chat-input");
    if (!input) return;
    const n = charCount(input.value);
    const counter = $("#chat-counter");
    counter.textContent = `${n}/${MAX_CHAT_TEXT}`;
    counter.classList.toggle("over", n > MAX_CHAT_TEXT);
    input.disabled = ib.gone;
    input.readOnly = ib.sending;
    const send = $("#chat-send");
    send.disabled = ib.gone || ib.sending || !input.value.trim() || n > MAX_CHAT_TEXT;
    send.textContent = ib.sending ? "发送中…" : "发送";
    $("#chat-end").disabled = ib.gone || ib.sending;
  }

  function showChatError(text) {
    const box = $("#chat-error");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }

  // The chat on the right has ended (found gone on a refresh, or a 404 from send/end): keep it
  // readable, with what was typed, but nothing more can be sent.
  function markGone(text) {
    const ib = state.inbox;
    ib.gone = true;
    const notice = $("#chat-notice");
    if (!notice || !ib.current) return;
    notice.replaceChildren(
      text,
      " ",
      h(
        "button",
        { type: "button", testid: "chat-close-ended", onclick: () => clearSelection() },
        "关闭",
      ),
    );
    notice.hidden = false;
    $("#chat-state").replaceChildren(chatStateChip(ib.current, true));
    setDraft(ib.current.id, "");
    updateComposer();
  }

  async function sendReply() {
    const ib = state.inbox;
    const chat = ib.current;
    const input = $("#chat-input");
    if (!chat || !input || ib.gone || ib.sending) return;
    const text = input.value.trim();
    if (!text) return;
    const n = charCount(text);
    if (n > MAX_CHAT_TEXT) {
      showChatError(`回复最多 ${MAX_CHAT_TEXT} 字，现在是 ${n} 字。`);
      return;
    }
    showChatError("");
    ib.sending = true;
    updateComposer();
    try {
      await api(`/chats/${encodeURIComponent(chat.id)}/messages`, {
        method: "POST",
        body: { text },
      });
    } catch (err) {
      ib.sending = false;
      if (state.view !== "inbox") return;
      updateComposer();
      if (ib.selected !== chat.id || err.status === 401) return;
      if (err.status === 404) {
        markGone("该会话已结束，消息未发送。");
        loadChats();
      } else if (err.status === 403) showChatError("未发送：您没有回复客户的权限。");
      else if (err.status === 400) showChatError(`未发送：${err.message}`);
      else if (err.status === 0) {
        showChatError(`${err.message}。消息可能未发出：请确认对话里没有这条后再重试。`);
      } else showChatError(`发送失败，请重试：${err.message}`);
      return;
    }
    ib.sending = false;
    // Sent: the draft goes (even if the agent has meanwhile opened another chat).
    if ((drafts.get(chat.id) || "").trim() === text) setDraft(chat.id, "");
    if (state.view !== "inbox") return;
    const box = $("#chat-input");
    if (box && ib.selected === chat.id) {
      box.value = drafts.get(chat.id) || "";
      box.focus();
      const messages = $("#chat-messages");
      messages.scrollTop = messages.scrollHeight; // the reply is the newest message: follow it
    }
    updateComposer();
    loadChats();
  }

  async function endChat() {
    const ib = state.inbox;
    const chat = ib.current;
    if (!chat || ib.gone || ib.sending) return;
    const name = customerName(chat);
    const unsent = ($("#chat-input") || { value: "" }).value.trim();
    const ok = await confirmDialog(
      `结束服务：${chat.code} ${name}`,
      h(
        "div",
        { class: "confirm-summary" },
        h("div", null, `结束与 ${chat.code} ${name} 的人工服务？`),
        h(
          "div",
          { class: "faint" },
          "客户会在微信里收到“本次人工服务已结束”的通知，之后由机器人继续服务。",
        ),
        unsent
          ? h(
              "div",
              { class: "bad", testid: "confirm-unsent" },
              "输入框里还有未发送的内容，结束后不会发送。",
            )
          : null,
      ),
      "结束服务",
      true,
    );
    if (!ok || state.view !== "inbox" || !ib.current || ib.current.id !== chat.id || ib.gone) {
      return;
    }
    try {
      await api(`/chats/${encodeURIComponent(chat.id)}/end`, { method: "POST" });
    } catch (err) {
      if (state.view !== "inbox" || ib.selected !== chat.id || err.status === 401) return;
      if (err.status === 404) {
        markGone("该会话已结束。");
        loadChats();
      } else if (err.status === 403) showChatError("未结束：您没有结束人工服务的权限。");
      else showChatError(`结束失败，请重试：${err.message}`);
      return;
    }
    setDraft(chat.id, "");
    if (state.view !== "inbox") return;
    clearSelection(`已结束与 ${chat.code} ${name} 的服务，客户已收到通知。`);
    loadChats();
  }

  function inboxKey(e) {
    const ib = state.inbox;
    const ids = ib.chats.map((c) => c.id);
    const active = document.activeElement;
    const focused = active && active.dataset ? active.dataset.chatId : null;
    const at = ids.indexOf(focused || ib.selected);
    const move = (to) => {
      const id = ids[Math.max(0, Math.min(ids.length - 1, to))];
      if (!id) return;
      selectChat(id);
      const item = $(`#chat-list [data-chat-id="${CSS.escape(id)}"]`);
      if (item) item.focus();
    };
    if (e.key === "ArrowDown" || e.key === "j") {
      e.preventDefault();
      move(at + 1);
    } else if (e.key === "ArrowUp" || e.key === "k") {
      e.preventDefault();
      move(at < 0 ? 0 : at - 1);
    } else if (e.key === "r") {
      e.preventDefault();
      loadChats();
    } else if (e.key === "i" || e.key === "/") {
      const input = $("#chat-input");
      if (input && !input.disabled) {
        e.preventDefault();
        input.focus();
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Photo viewer: wheel / +/- to zoom, drag to pan, ←/→ to step, Esc to close.

  const viewer = { items: [], index: 0, scale: 1, fit: 1, x: 0, y: 0, drag: null, open: false };

  async function openViewer(index) {
    if (index < 0) return;
    if (Date.now() - state.claimLoadedAt > URL_REFRESH_MS) await refreshUrls();
    viewer.items = photoItems();
    if (!viewer.items.length) return;
    viewer.open = true;
    $("#viewer").hidden = false;
    document.body.style.overflow = "hidden";
    showViewerItem(index);
  }

  function closeViewer() {
    if (!viewer.open) return;
    viewer.open = false;
    $("#viewer").hidden = true;
    $("#viewer-img").removeAttribute("src");
    document.body.style.overflow = "";
  }

  function showViewerItem(index) {
    const n = viewer.items.length;
    viewer.index = ((index % n) + n) % n;
    const item = viewer.items[viewer.index];
    const img = $("#viewer-img");
    const msg = $("#viewer-msg");
    $("#viewer-title").textContent = `${item.title}（${viewer.index + 1}/${n}）`;
    $("#viewer-open").href = item.ref.full_url || item.ref.thumb_url || "#";
    $("#viewer-prev").disabled = n < 2;
    $("#viewer-next").disabled = n < 2;
    $("#viewer-info").replaceChildren(viewerInfo(item.ref));
    msg.hidden = false;
    msg.textContent = "加载中…";
    img.style.visibility = "hidden";
    img.dataset.retried = "";
    img.alt = item.title;
    img.src = item.ref.full_url || item.ref.thumb_url || "";
  }

  function viewerInfo(p) {
    const parts = [];
    const m = (p.qc && p.qc.metrics) || {};
    if (m.width && m.height) parts.push(`${m.width}×${m.height}`);
    if (m.sharpness != null) parts.push(`清晰度 ${formatNumber(m.sharpness, 2)}`);
    if (m.brightness != null) parts.push(`亮度 ${formatNumber(m.brightness, 0)}`);
    if (m.size != null) parts.push(formatBytes(m.size));
    const exif = p.exif || {};
    if (exif.captured_at) parts.push(`拍摄 ${formatTime(exif.captured_at)}`);
    if (exif.device) parts.push(exif.device);
    if (p.received_at) parts.push(`收到 ${formatTime(p.received_at)}`);
    if (p.vin && p.vin.read) parts.push(`车架号 ${p.vin.read}`);
    const reasons = (p.qc && p.qc.reasons) || p.reasons || [];
    if (reasons.length) parts.push(reasons.map((r) => QC_REASONS[r] || r).join("、"));
    return parts.join(" · ");
  }

  function applyTransform() {
    const img = $("#viewer-img");
    img.style.transform = `translate(${viewer.x}px, ${viewer.y}px) scale(${viewer.scale})`;
    $("#viewer-zoom").textContent = `${Math.round(viewer.scale * 100)}%`;
  }

  function fitImage() {
    const img = $("#viewer-img");
    const stage = $("#viewer-stage").getBoundingClientRect();
    const w = img.naturalWidth || 1;
    const hgt = img.naturalHeight || 1;
    viewer.fit = Math.min((stage.width - 24) / w, (stage.height - 24) / hgt, 1);
    viewer.scale = viewer.fit;
    viewer.x = (stage.width - w * viewer.scale) / 2;
    viewer.y = (stage.height - hgt * viewer.scale) / 2;
    applyTransform();
  }

  function zoomAt(factor, cx, cy) {
    const stage = $("#viewer-stage").getBoundingClientRect();
    const px = cx ?? stage.width / 2;
    const py = cy ?? stage.height / 2;
    const next = Math.min(8, Math.max(Math.min(viewer.fit, 1) * 0.5, viewer.scale * factor));
    const ratio = next / viewer.scale;
    viewer.x = px - (px - viewer.x) * ratio;
    viewer.y = py - (py - viewer.y) * ratio;
    viewer.scale = next;
    applyTransform();
  }

  function viewerKey(e) {
    if (e.key === "Escape") closeViewer();
    else if (e.key === "ArrowLeft") showViewerItem(viewer.index - 1);
    else if (e.key === "ArrowRight") showViewerItem(viewer.index + 1);
    else if (e.key === "+" || e.key === "=") zoomAt(1.25);
    else if (e.key === "-" || e.key === "_") zoomAt(0.8);
    else if (e.key === "0") fitImage();
    else return;
    e.preventDefault();
  }

  function wireViewer() {
    const img = $("#viewer-img");
    const stage = $("#viewer-stage");
    img.addEventListener("load", () => {
      $("#viewer-msg").hidden = true;
      img.style.visibility = "visible";
      fitImage();
    });
    img.addEventListener("error", async () => {
      if (!viewer.open || !img.getAttribute("src")) return;
      if (!img.dataset.retried) {
        img.dataset.retried = "1";
        if (await refreshUrls()) {
          viewer.items = photoItems();
          const item = viewer.items[viewer.index];
          if (item) {
            img.src = item.ref.full_url || item.ref.thumb_url || "";
            return;
          }
        }
      }
      $("#viewer-msg").textContent = "图片加载失败，请重新加载赔案后再试。";
      $("#viewer-msg").hidden = false;
    });
    $("#viewer-close").addEventListener("click", closeViewer);
    $("#viewer-prev").addEventListener("click", () => showViewerItem(viewer.index - 1));
    $("#viewer-next").addEventListener("click", () => showViewerItem(viewer.index + 1));
    $("#viewer-in").addEventListener("click", () => zoomAt(1.25));
    $("#viewer-out").addEventListener("click", () => zoomAt(0.8));
    $("#viewer-fit").addEventListener("click", fitImage);
    stage.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const rect = stage.getBoundingClientRect();
        zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - rect.left, e.clientY - rect.top);
      },
      { passive: false },
    );
    stage.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 || e.target.closest("button")) return;
      viewer.drag = { x: e.clientX - viewer.x, y: e.clientY - viewer.y, id: e.pointerId };
      stage.setPointerCapture(e.pointerId);
      stage.classList.add("dragging");
    });
    stage.addEventListener("pointermove", (e) => {
      if (!viewer.drag || viewer.drag.id !== e.pointerId) return;
      viewer.x = e.clientX - viewer.drag.x;
      viewer.y = e.clientY - viewer.drag.y;
      applyTransform();
    });
    const endDrag = () => {
      viewer.drag = null;
      stage.classList.remove("dragging");
    };
    stage.addEventListener("pointerup", endDrag);
    stage.addEventListener("pointercancel", endDrag);
    stage.addEventListener("dblclick", (e) => {
      if (e.target.closest("button")) return;
      const rect = stage.getBoundingClientRect();
      if (viewer.scale > viewer.fit * 1.01) fitImage();
      else zoomAt(1 / viewer.scale, e.clientX - rect.left, e.clientY - rect.top); // 100%
    });
    window.addEventListener("resize", () => {
      if (viewer.open && Math.abs(viewer.scale - viewer.fit) < 1e-6) fitImage();
    });
  }

  // ---------------------------------------------------------------------------------------
  // Keyboard

  function onKey(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (viewer.open) return viewerKey(e);
    if ($("dialog[open]")) return; // the dialog handles its own keys (Esc cancels)
    if (isTyping(e.target)) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    if (e.key === "?") {
      e.preventDefault();
      $("#help").showModal();
      return;
    }
    if (state.view === "queue") queueKey(e);
    else if (state.view === "claim" && state.claim) claimKey(e);
    else if (state.view === "inbox") inboxKey(e);
  }

  // ---------------------------------------------------------------------------------------
  // Start

  function start() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(USER_KEY) || "null");
      if (saved && token()) setUser(saved);
    } catch (err) {
      sessionStorage.removeItem(USER_KEY);
    }
    $("#signout").addEventListener("click", () => signOut());
    $("#help-button").addEventListener("click", () => $("#help").showModal());
    wireViewer();
    document.addEventListener("keydown", onKey);
    window.addEventListener("hashchange", route);
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) return;
      if (state.view === "queue") loadQueue({ quiet: true });
      else if (state.view === "inbox") loadChats({ quiet: true });
      else if (state.view === "claim" && Date.now() - state.claimLoadedAt > URL_REFRESH_MS) {
        refreshUrls();
      }
    });
    // Re-check the signed-in user on start (roles may have changed since the token was saved).
    if (token()) {
      api("/me")
        .then((me) => {
          setUser(me);
          route();
        })
        .catch((err) => {
          if (err.status !== 401) showFatal(err);
        });
    } else {
      route();
    }
  }

  start();
})();
