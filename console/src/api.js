// GraphQL over HTTP and over WebSocket (graphql-transport-ws), with the session in sessionStorage.
import { createClient } from 'graphql-ws';

export const GRAPHQL_PATH = '/graphql';
const SESSION_KEY = 'ehy.session';

// ---------------------------------------------------------------- session

export function getSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    if (s && s.token && (!s.expiresAt || new Date(s.expiresAt) > new Date())) return s;
  } catch {
    /* a damaged entry is no session */
  }
  return null;
}

export function setSession(login) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(login));
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

// ---------------------------------------------------------------- errors

export class GraphQLRequestError extends Error {
  constructor(message, code, errors) {
    super(message);
    this.code = code;
    this.errors = errors || [];
  }
}

function toError(errors, status) {
  const first = (errors && errors[0]) || {};
  const code = (first.extensions && first.extensions.code) || (status >= 500 ? 'INTERNAL' : 'ERROR');
  return new GraphQLRequestError(first.message || `请求失败(HTTP ${status})`, code, errors);
}

/** Tell the app the token no longer works: it shows the sign-in page again. */
export function sessionExpired() {
  clearSession();
  window.dispatchEvent(new CustomEvent('ehy:session-expired'));
}

// ---------------------------------------------------------------- HTTP

export async function gql(query, variables = {}, { token, signal } = {}) {
  const tok = token === undefined ? getSession()?.token : token;
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  if (tok) headers.authorization = `Bearer ${tok}`;
  let response;
  try {
    response = await fetch(GRAPHQL_PATH, { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new GraphQLRequestError('网络不可用,请稍后重试', 'NETWORK');
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    throw new GraphQLRequestError(`服务器响应无效(HTTP ${response.status})`, 'BAD_RESPONSE');
  }
  if (body.errors && body.errors.length) {
    const err = toError(body.errors, response.status);
    if (err.code === 'UNAUTHENTICATED' && tok && !/login\s*\(/.test(query)) sessionExpired();
    throw err;
  }
  return body.data;
}

/**
 * A GraphQL multipart request (jaydenseric's spec): `files` maps a variables path such as
 * "i.photos.0" to a File. The GraphQL-Preflight header is the server's CSRF guard.
 */
export async function gqlUpload(query, variables, files, { token } = {}) {
  const tok = token === undefined ? getSession()?.token : token;
  const map = {};
  const form = new FormData();
  const keys = Object.keys(files);
  keys.forEach((path, i) => {
    map[String(i)] = [`variables.${path}`];
  });
  form.append('operations', JSON.stringify({ query, variables }));
  form.append('map', JSON.stringify(map));
  keys.forEach((path, i) => form.append(String(i), files[path], files[path].name || `photo-${i}`));
  const headers = { 'GraphQL-Preflight': '1', accept: 'application/graphql-response+json, application/json' };
  if (tok) headers.authorization = `Bearer ${tok}`;
  let response;
  try {
    response = await fetch(GRAPHQL_PATH, { method: 'POST', headers, body: form });
  } catch {
    throw new GraphQLRequestError('网络不可用,请稍后重试', 'NETWORK');
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new GraphQLRequestError(`上传失败(HTTP ${response.status})`, 'BAD_RESPONSE');
  }
  if (body.errors && body.errors.length) throw toError(body.errors, response.status);
  return body.data;
}

// ---------------------------------------------------------------- WebSocket

export function wsUrl() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${GRAPHQL_PATH}`;
}

/**
 * One graphql-ws client per page: stays connected (lazy: false) and retries for ever with a
 * short back-off. A dead link is noticed three ways: the socket closes; the browser reports it
 * is offline; or a ping (every 5 s) gets no pong within 4 s. In the last two cases the socket is
 * terminated at once (graphql-ws `terminate()`: no waiting for a closing handshake that cannot
 * happen) and the retry loop takes over. `onStatus` gets 'connecting' (before the first
 * connection), 'online', or 'offline' (lost, reconnecting). A 4403 close means the token is no
 * longer valid: no retry, back to sign-in.
 */
export function createLiveClient(token, { onStatus = () => {}, pingMs = 5_000, pongTimeoutMs = 4_000 } = {}) {
  let pongTimer = null;
  let expired = false;
  let everConnected = false;
  let connected = false;
  let client = null;
  const terminate = () => {
    clearTimeout(pongTimer);
    if (client && connected) client.terminate();
  };
  client = createClient({
    url: wsUrl(),
    lazy: false,
    keepAlive: pingMs,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: (e) => !(e && e.code === 4403),
    // Back-off up to 4 s, cut short when the browser says the network is back.
    retryWait: (retries) => new Promise((resolve) => {
      const ms = Math.min(400 * 2 ** retries, 4_000) + Math.floor(Math.random() * 300);
      const done = () => {
        clearTimeout(timer);
        window.removeEventListener('online', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      window.addEventListener('online', done);
    }),
    connectionParams: () => (token ? { Authorization: `Bearer ${token}` } : {}),
    onNonLazyError: () => {},
    on: {
      connecting: () => onStatus(everConnected ? 'offline' : 'connecting'),
      connected: () => {
        connected = true;
        everConnected = true;
        onStatus('online');
      },
      closed: (event) => {
        connected = false;
        clearTimeout(pongTimer);
        if (event && event.code === 4403 && token && !expired) {
          expired = true;
          sessionExpired();
        }
        onStatus(everConnected ? 'offline' : 'connecting');
      },
      ping: (received) => {
        if (received) return;
        clearTimeout(pongTimer);
        pongTimer = setTimeout(terminate, pongTimeoutMs);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
    },
  });
  window.addEventListener('offline', terminate);
  const dispose = client.dispose.bind(client);
  client.dispose = () => {
    window.removeEventListener('offline', terminate);
    clearTimeout(pongTimer);
    return dispose();
  };
  return client;
}

/**
 * Subscribe with resume: the payload's `variables.after` is read each time graphql-ws sends the
 * subscribe message — on the first connect and again on every reconnect — so the server is
 * always asked for what came after the last cursor this page received (SPEC §8). No gap, no
 * duplicate, no refetch.
 */
export function liveSubscribe(client, query, variables, { cursor, onEvent, onError }) {
  const payload = {
    query,
    get variables() {
      return { ...variables, after: cursor.current ?? null };
    },
  };
  return client.subscribe(payload, {
    next: (result) => {
      if (result.errors && result.errors.length) {
        onError && onError(toError(result.errors, 200));
        return;
      }
      const event = result.data && Object.values(result.data)[0];
      if (!event) return;
      if (event.cursor != null) {
        const prev = cursor.current == null ? -1 : Number(cursor.current);
        if (Number(event.cursor) > prev) cursor.current = event.cursor;
      }
      onEvent(event);
    },
    error: (err) => {
      if (Array.isArray(err)) onError && onError(toError(err, 200));
      else onError && onError(err instanceof Error ? err : new GraphQLRequestError('实时连接中断', 'WS_CLOSED'));
    },
    complete: () => {},
  });
}

// ---------------------------------------------------------------- formatting (Asia/Shanghai)

const TZ = 'Asia/Shanghai';
const fmtTime = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const fmtDateTime = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
const fmtFull = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
const fmtYmd = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });

export const time = (iso) => (iso ? fmtTime.format(new Date(iso)) : '—');
export const dateTime = (iso) => (iso ? fmtDateTime.format(new Date(iso)) : '—');
export const fullDateTime = (iso) => (iso ? fmtFull.format(new Date(iso)) : '—');

/** Midnight today in Shanghai as an ISO string with its offset. */
export function startOfTodayShanghai(now = new Date()) {
  return `${fmtYmd.format(now)}T00:00:00+08:00`;
}

/** "3 分钟前" / "剩 1 小时 20 分" style relative labels. */
export function relative(iso, now = Date.now()) {
  if (!iso) return '';
  const diff = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(diff);
  let label;
  if (abs < 60) label = `${abs} 秒`;
  else if (abs < 3600) label = `${Math.floor(abs / 60)} 分钟`;
  else if (abs < 86400) label = `${Math.floor(abs / 3600)} 小时 ${Math.floor((abs % 3600) / 60)} 分`;
  else label = `${Math.floor(abs / 86400)} 天 ${Math.floor((abs % 86400) / 3600)} 小时`;
  return diff >= 0 ? `剩 ${label}` : `超 ${label}`;
}

/** A <input type="datetime-local"> value read as Shanghai time. */
export function shanghaiLocalToIso(value) {
  if (!value) return null;
  return `${value.length === 16 ? `${value}:00` : value}+08:00`;
}
