// The API client: the token lives in this module's memory only (never in localStorage or a cookie), so closing the
// tab logs out. Every call goes through request(), which turns a problem+json answer into an ApiError.

let session = null; // {token, name, role, hospital, expiresAt}
let expiryTimer = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `request failed (${status})`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** Called with a reason ('expired', 'logout', 'revoked') whenever the session ends. */
export function onSessionEnd(listener) {
  listeners.add(listener);
}

function end(reason) {
  session = null;
  clearTimeout(expiryTimer);
  listeners.forEach((l) => l(reason));
}

export function current() {
  return session;
}

export function logout() {
  end('logout');
}

function claims(token) {
  const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const json = decodeURIComponent(Array.from(atob(payload), (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''));
  return JSON.parse(json);
}

export async function login(email, password) {
  const response = await fetch('/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = await readBody(response);
  if (!response.ok) {
    throw new ApiError(response.status, body);
  }
  const c = claims(body.access_token);
  session = { token: body.access_token, name: c.name, role: c.role, hospital: c.hospital, expiresAt: Date.now() + body.expires_in * 1000 };
  clearTimeout(expiryTimer);
  expiryTimer = setTimeout(() => end('expired'), body.expires_in * 1000);
  return session;
}

async function readBody(response) {
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    return response.json();
  }
  return null;
}

function authorised(headers = {}) {
  if (!session) {
    throw new ApiError(401, { detail: 'You are not logged in.' });
  }
  return { ...headers, Authorization: `Bearer ${session.token}` };
}

/** JSON in, JSON out; resolves to {body, etag}. */
export async function request(method, path, { body, ifMatch } = {}) {
  const headers = authorised({ Accept: 'application/json' });
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (ifMatch) {
    headers['If-Match'] = ifMatch;
  }
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return answer(response);
}

async function answer(response) {
  const body = response.status === 204 ? null : await readBody(response);
  if (response.status === 401 && session) {
    end('expired');
  }
  if (!response.ok) {
    throw new ApiError(response.status, body);
  }
  return { body, etag: response.headers.get('ETag') };
}

/** An image the API serves behind the token, as an object URL the caller revokes. */
export async function imageUrl(path) {
  const response = await fetch(path, { headers: authorised() });
  if (!response.ok) {
    await answer(response);
  }
  return URL.createObjectURL(await response.blob());
}

/** POST /MRI as multipart with upload progress (fetch reports none): onProgress(fraction). */
export function upload(file, fields, onProgress) {
  return new Promise((resolve, reject) => {
    let headers;
    try {
      headers = authorised();
    } catch (e) {
      reject(e);
      return;
    }
    const form = new FormData();
    form.append('file', file, file.name);
    Object.entries(fields).forEach(([k, v]) => v && form.append(k, v));
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/MRI');
    xhr.setRequestHeader('Authorization', headers.Authorization);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch (e) {
        body = null;
      }
      if (xhr.status === 401 && session) {
        end('expired');
      }
      if (xhr.status === 201) {
        resolve(body);
      } else {
        reject(new ApiError(xhr.status, body));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, { detail: 'The server could not be reached.' }));
    xhr.send(form);
  });
}
