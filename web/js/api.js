// @ts-check
// HTTP access to the meldpunt reporter API (PROTOCOL §7, §8, §12) with fetch.
//
// Contract: `base` is the server origin ('' = the page's own origin; Node needs an absolute
// URL). JSON calls send and accept application/json; any non-2xx answer throws ApiError with
// the server's {"error":{"code","message"}}; a request that got no answer at all (fetch itself
// failed: offline, connection reset, blocked) throws NetworkError. No cookies or credentials are sent
// (credentials: 'omit') unless a request asks for `credentials: 'same-origin'`, which only the
// staff client does (its session is an HttpOnly cookie); the reporter's bearer token is only
// ever the b64u auth key derived from the code. A 204 answer gives null.
// Bodies come back as `unknown`: the caller names the wire type it expects (PROTOCOL §7) and
// checks what it relies on.

export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** The request got no HTTP answer (fetch rejected). */
export class NetworkError extends Error {
  /** @param {unknown} cause */
  constructor(cause) {
    super(`network error: ${cause instanceof Error ? cause.message : cause}`, { cause });
    this.name = 'NetworkError';
  }
}

/** @param {Response} response */
async function failure(response) {
  /** @type {{ error?: { code?: string, message?: string } } | null} */
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: keep the status only
  }
  return new ApiError(response.status, body?.error?.code ?? '', body?.error?.message ?? '');
}

/**
 * @typedef {object} RequestOptions
 * @property {'GET' | 'POST'} [method]
 * @property {unknown} [body] sent as JSON
 * @property {string} [token] the bearer token
 * @property {string} [accept] 'application/json' (parsed) or e.g. 'text/plain' (text)
 * @property {Record<string, string>} [extraHeaders]
 * @property {'omit' | 'same-origin'} [credentials] 'omit' unless given (the staff session cookie needs 'same-origin')
 */

export class Api {
  /** @param {string} [base] */
  constructor(base = '') {
    this.base = base.replace(/\/+$/, '');
  }

  /**
   * @param {string} path
   * @param {RequestOptions} [options]
   * @returns {Promise<unknown>}
   */
  async request(path, { method = 'GET', body, token, accept = 'application/json', extraHeaders = {}, credentials = 'omit' } = {}) {
    /** @type {Record<string, string>} */
    const headers = { Accept: accept, ...extraHeaders };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials,
        cache: 'no-store',
        redirect: 'error',
      });
    } catch (e) {
      throw new NetworkError(e);
    }
    if (!response.ok) throw await failure(response);
    if (response.status === 204) return null;
    try {
      return await (accept === 'application/json' ? response.json() : response.text());
    } catch (e) {
      // A body cut off on the way is a network failure; a body that is not JSON is not.
      if (e instanceof SyntaxError) throw e;
      throw new NetworkError(e);
    }
  }

  /** @param {string} path @param {string} [token] */
  getJson(path, token) {
    return this.request(path, { token });
  }

  /** @param {string} path @param {unknown} body @param {string} [token] @param {Record<string, string>} [extraHeaders] */
  postJson(path, body, token, extraHeaders) {
    return this.request(path, { method: 'POST', body, token, extraHeaders });
  }

  /** @param {string} path @returns {Promise<string>} */
  async getText(path) {
    return /** @type {string} */ (await this.request(path, { accept: 'text/plain' }));
  }
}
