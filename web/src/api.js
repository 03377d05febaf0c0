// api.js: the JSON API (/api/v1). Changes carry the session's CSRF token; every error comes
// back in one shape, {"error": {"code", "message"}}, and is thrown as an ApiError.

let csrf = '';

export class ApiError extends Error {
  constructor(status, code, message, detail) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = detail || {}; // the whole error object: some carry more (a diary value's field and max)
  }
}

export function setCsrf(token) {
  csrf = token || '';
}

let onSignedOut = () => {};
// Called with the error when the server says the session is gone (expired, disabled).
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

export async function call(method, path, body) {
  const headers = {Accept: 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin', cache: 'no-store'});
  } catch (e) {
    throw new ApiError(0, 'network', 'The console cannot be reached. Is it still running?');
  }
  let data = null;
  try {
    data = await res.json();
  } catch (e) {
    data = null;
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : {code: 'http_' + res.status, message: 'The console answered ' + res.status};
    const e = new ApiError(res.status, err.code, err.message, err);
    // Any 401 but a refused sign-in means the session is gone.
    if (res.status === 401 && !(method === 'POST' && path === '/api/v1/session')) onSignedOut(e);
    throw e;
  }
  return data;
}

export const get = (path) => call('GET', path);
export const post = (path, body) => call('POST', path, body);
export const del = (path) => call('DELETE', path);
