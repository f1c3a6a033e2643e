// Claims console: sign-in, the review queue, a claim's photo packet and the decision panel.
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
  const QUEUE_REFRESH_MS = 30_000;
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
    ["reported", "已报案（未传照片）"],
    ["decided", "已处理"],
  ];
  const STATUS_TONE = {
    reported: "",
    survey_received: "accent",
    under_review: "info",
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
    qc_warning: ["质检提示", "warn"],
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
  };
  const MAX_AMOUNT = 1_000_000;
  const MAX_TEXT = 200;

  // ---------------------------------------------------------------------------------------
  // State

  const state = {
    user: null,
    view: null, // "signin" | "queue" | "claim" | "forbidden"
    timers: [], // cleared when the view changes
    queue: { status: "waiting", flag: "", claims: [], loadedAt: null, seq: 0 },
    lastClaimNo: null, // focused again when coming back to the queue
    claim: null, // the claim detail as loaded (its version is what a decision sends)
    claimNo: null,
    claimLoadedAt: 0,
    action: null, // the selected action tab
    result: null, // the last decision's outcome, shown in the action panel
    sending: false,
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

  async function api(path, { method = "GET", body, auth = true } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (auth && token()) headers.Authorization = `Bearer ${token()}`;
    let res;
    busy(+1);
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
      busy(-1);
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
    showBanner("");
    $("#topnav").hidden = !(state.user && hasRole(...CLAIM_ROLES));
    for (const a of $$("#topnav a")) a.classList.toggle("active", name === "queue");
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

  async function route() {
    closeViewer();
    captureHostedUiToken();
    if (!token()) return showSignIn();
    if (!state.user) {
      try {
        setUser(await api("/me"));
      } catch (err) {
        if (err.status !== 401) showFatal(err);
        return;
      }
    }
    if (!hasRole(...CLAIM_ROLES)) return showForbidden();
    const { parts, params } = parseHash();
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
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
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
      status.textContent = "请通过公司统一登录进入。";
      status.dataset.testid = "sso-required";
      if (config.login_url) {
        const link = h(
          "a",
          { href: config.login_url, class: "button primary", testid: "sso-link" },
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
      if (!parts.length || parts[0] === "signin") location.hash = "#/queue";
      await route();
    } catch (err) {
      showBanner(`登录失败：${err.message}`);
      if (button) button.disabled = false;
    }
  }

  // A hosted-UI (Cognito) sign-in comes back with the token in the fragment.
  function captureHostedUiToken() {
    if (!/(^#|&)(id_token|access_token)=/.test(location.hash)) return;
    const frag = new URLSearchParams(location.hash.replace(/^#/, ""));
    const got = frag.get("id_token") || frag.get("access_token");
    history.replaceState(null, "", `${location.pathname}${location.search}#/queue`);
    if (!got) return;
    sessionStorage.setItem(TOKEN_KEY, got);
    state.user = null; // whoever this token names, /me says
  }

  // ----- no access -----

  function showForbidden() {
    setView("forbidden");
    setMain(
      h(
        "section",
        { class: "panel signin", testid: "forbidden-view" },
        h("h2", null, "没有权限"),
        h(
          "div",
          { class: "panel-body" },
          h(
            "p",
            null,
            `${state.user ? state.user.name : "您"}（${rolesText(state.user && state.user.roles)}）`,
            "没有查看赔案的权限。如需开通，请联系理赔主管。",
          ),
          h("button", { type: "button", onclick: () => signOut() }, "换一个账号登录"),
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
    let data;
    try {
      data = await api(`/claims/${encodeURIComponent(claimNo)}`);
    } catch (err) {
      if (state.view !== "claim" || state.claimNo !== claimNo) return;
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
    if (state.view !== "claim" || state.claimNo !== claimNo) return;
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
            class: "photo missing",
            testid: `photo-slot-${slot}`,
            "data-slot": slot,
            style: "margin:0",
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
        { class: cls, testid: `photo-slot-${slot}`, "data-slot": slot, style: "margin:0" },
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
            { class: "other", style: "margin:0", testid: "other-photo" },
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
          h("dd", { style: "white-space:pre-wrap" }, a.description || "—"),
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
      h("div", { class: "panel-body" }, note, tabs, form, result),
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
        field("备注", reasonArea("approve-note", "可选：给理赔记录的说明", false)),
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
  }

  // ---------------------------------------------------------------------------------------
  // Start

  function start() {
    captureHostedUiToken();
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
