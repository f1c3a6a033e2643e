// The console's JSON API at <root>/console/api, with the Bearer token kept in sessionStorage.
import { signal } from "@preact/signals";

export const ROOT = location.pathname.replace(/\/+$/, ""); // "/console" or "/<stage>/console"
export const API = `${ROOT}/api`;
export const TOKEN_KEY = "claimbot.console.token";

/** How many requests are under way (the progress bar shows while it is above zero). */
export const inFlight = signal(0);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }

  /** The `reason` code some refusals carry (sign-in). */
  get reason(): string | undefined {
    const body = this.body as { reason?: unknown } | null;
    return typeof body?.reason === "string" ? body.reason : undefined;
  }
}

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value: string): void {
  sessionStorage.setItem(TOKEN_KEY, value);
}

let onUnauthorized: (message: string) => void = () => undefined;

/** What happens when the server no longer accepts the token (the session signs out). */
export function whenUnauthorized(handler: (message: string) => void): void {
  onUnauthorized = handler;
}

export interface ApiOptions {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  body?: unknown;
  auth?: boolean;
  /** No progress bar: background polls every few seconds would make it flicker. */
  quiet?: boolean;
}

export async function api<T>(path: string, options: ApiOptions = {}): Promise<T> {
  const { method = "GET", body, auth = true, quiet = false } = options;
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const bearer = token();
  if (auth && bearer) headers.Authorization = `Bearer ${bearer}`;
  const shown = quiet ? 0 : 1;
  inFlight.value += shown;
  let res: Response;
  try {
    res = await fetch(API + path, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "无法连接服务器，请检查网络后重试", null);
  } finally {
    inFlight.value = Math.max(0, inFlight.value - shown);
  }
  const data: unknown = await res.json().catch(() => null);
  if (res.status === 401 && auth) {
    onUnauthorized("登录已过期或无效，请重新登录");
    throw new ApiError(401, "sign in", data);
  }
  if (!res.ok) {
    const error = (data as { error?: unknown } | null)?.error;
    throw new ApiError(res.status, typeof error === "string" ? error : `HTTP ${res.status}`, data);
  }
  return data as T;
}

/** A file the API makes (CSV, a printable page) opened with the token, as a blob URL. */
export async function fetchDocument(path: string): Promise<Blob> {
  const headers: Record<string, string> = {};
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  inFlight.value += 1;
  try {
    const res = await fetch(API + path, { headers, cache: "no-store" });
    if (res.status === 401) {
      onUnauthorized("登录已过期或无效，请重新登录");
      throw new ApiError(401, "sign in", null);
    }
    if (!res.ok) {
      const data: unknown = await res.json().catch(() => null);
      const error = (data as { error?: unknown } | null)?.error;
      throw new ApiError(res.status, typeof error === "string" ? error : `HTTP ${res.status}`, data);
    }
    return await res.blob();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(0, "无法连接服务器，请检查网络后重试", null);
  } finally {
    inFlight.value = Math.max(0, inFlight.value - 1);
  }
}

/** The message to show for a failed request. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
