import * as api from './api.js';
import { el, field, select, clear, percent, date } from './dom.js';

const main = document.getElementById('main');
const notice = document.getElementById('notice');
const nav = document.getElementById('nav');
// object URLs of the images the current view shows; revoked when the view changes
let urls = [];
// set while the page moves to the login view on its own, so that the move keeps the message that explains it
let keepNotice = false;

const CLASSES = [['', 'any'], ['tumor', 'tumor'], ['healthy', 'healthy']];
const GENDERS = [['female', 'female'], ['male', 'male'], ['other', 'other'], ['unknown', 'unknown']];
const ROLES = [['technician', 'technician'], ['doctor', 'doctor'], ['moderator', 'moderator'], ['admin', 'admin']];

const can = {
  label: (s) => s.role !== 'technician',
  delete: (s) => s.role === 'admin' || s.role === 'moderator',
  users: (s) => s.role === 'admin' || s.role === 'moderator',
  anyHospital: (s) => s.role === 'admin',
};

function say(text, kind = 'info') {
  clear(notice).append(el('p', { class: `msg ${kind}` }, text));
}

function quiet() {
  clear(notice);
}

/** An action's failure; a 401 has already ended the session and said why. */
function failed(error) {
  if (error.status === 401 && !api.current()) {
    return;
  }
  say(problemText(error), 'error');
}

function problemText(error) {
  const fields = (error.problem?.errors || []).map((e) => `${e.field}: ${e.detail || e.message || ''}`);
  return [error.message, ...fields].join(' ');
}

api.onSessionEnd((reason) => {
  nav.hidden = true;
  const text = {
    expired: 'Your session has expired or was ended (for example after a password change). Please log in again.',
    logout: 'You are logged out.',
  }[reason] || 'Please log in again.';
  // the hash change below would clear the message it is about to show
  keepNotice = location.hash !== '#/login';
  location.hash = '#/login';
  render();
  say(text, reason === 'expired' ? 'warn' : 'info');
});

document.getElementById('logout').addEventListener('click', () => api.logout());
window.addEventListener('hashchange', () => {
  if (!keepNotice) {
    quiet();
  }
  keepNotice = false;
  render();
});

function show(view) {
  urls.forEach((u) => URL.revokeObjectURL(u));
  urls = [];
  clear(main).append(view);
  const heading = main.querySelector('h2');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

async function image(path, alt, cls) {
  const img = el('img', { alt, class: cls });
  try {
    const url = await api.imageUrl(path);
    urls.push(url);
    img.src = url;
  } catch (e) {
    img.alt = `${alt} (not available: ${e.message})`;
  }
  return img;
}

function render() {
  const s = api.current();
  if (!s) {
    show(loginView());
    return;
  }
  nav.hidden = false;
  document.getElementById('whoami').textContent = `${s.name} · ${s.role} · ${s.hospital}`;
  nav.querySelectorAll('[data-roles]').forEach((a) => {
    a.hidden = !a.dataset.roles.split(' ').includes(s.role);
  });
  const [, page, arg] = (location.hash || '#/upload').split('?')[0].split('/');
  nav.querySelectorAll('[data-nav]').forEach((a) => a.toggleAttribute('aria-current', a.dataset.nav === page));
  const views = { upload: uploadView, browse: browseView, mri: () => rowView(arg), models: modelsView, users: usersView,
    account: accountView };
  show((views[page] || uploadView)(s));
}

// ---- login ----------------------------------------------------------------------------------------------

function loginView() {
  const email = el('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = el('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const form = el('form', { class: 'card narrow', id: 'login-form' },
    el('h2', {}, 'Log in'),
    field('Email', email),
    field('Password', password),
    el('button', { type: 'submit' }, 'Log in'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api.login(email.value, password.value);
      quiet();
      if (!location.hash || location.hash === '#/login') {
        location.hash = '#/upload';
      }
      render();
    } catch (err) {
      say(err.status === 429 ? `Too many attempts: ${err.message}` : `Login failed: ${err.message}`, 'error');
    }
  });
  return form;
}

// ---- upload ---------------------------------------------------------------------------------------------

function uploadView(s) {
  const gender = select('gender', GENDERS, 'unknown');
  const hospital = el('input', { name: 'hospital', value: s.hospital, required: true, readonly: !can.anyHospital(s) });
  const label = select('class', [['', 'not known'], ['tumor', 'tumor'], ['healthy', 'healthy']], '');
  const files = el('input', { type: 'file', id: 'files', name: 'files', multiple: true, accept: 'image/jpeg,image/png', class: 'visually-hidden' });
  const drop = el('label', { for: 'files', class: 'drop', id: 'drop', tabindex: '0' },
    el('strong', {}, 'Drop MRI slices here'), ' or press Enter to choose files (JPEG or PNG, one or many)');
  const results = el('ul', { class: 'results', id: 'results', 'aria-live': 'polite' });
  // a few at a time: the server bounds each user's uploads in progress (429 beyond), and a queue is kinder anyway
  const send = (list) => Array.from(list).forEach((file) => queue(() =>
    uploadOne(file, { gender: gender.value, hospital: hospital.value, class: label.value }, results)));
  files.addEventListener('change', () => {
    send(files.files);
    files.value = '';
  });
  drop.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      files.click();
    }
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    send(e.dataTransfer.files);
  });
  return el('section', {},
    el('h2', {}, 'Upload and classify'),
    el('div', { class: 'card' },
      el('div', { class: 'row' }, field('Gender', gender), field('Hospital', hospital),
        can.label(s) ? field('Known class', label, 'Only if the diagnosis is confirmed') : null),
      files, drop),
    results);
}

const UPLOADS_AT_ONCE = 3;
const waiting = [];
let running = 0;

function queue(start) {
  waiting.push(start);
  pump();
}

function pump() {
  while (running < UPLOADS_AT_ONCE && waiting.length) {
    running++;
    waiting.shift()().finally(() => {
      running--;
      pump();
    });
  }
}

function uploadOne(file, fields, results) {
  const bar = el('progress', { max: '100', value: '0', 'aria-label': `Upload of ${file.name}` });
  const status = el('span', { class: 'status' }, 'uploading…');
  const item = el('li', { class: 'card result' }, el('h3', {}, file.name), bar, status);
  results.prepend(item);
  return api.upload(file, fields, (f) => {
    bar.value = Math.round(f * 100);
    if (f >= 1) {
      status.textContent = 'classifying…';
    }
  }).then(async (row) => {
    bar.remove();
    status.remove();
    const pictures = el('div', { class: 'pictures' });
    item.append(prediction(row), pictures, el('p', {}, el('a', { href: `#/mri/${row.id}` }, 'Open this row')));
    pictures.append(...await Promise.all([
      image(row.image_url, `Uploaded slice ${file.name}`, 'scan'),
      image(`/MRI/${row.id}/heatmap`, `Heat map of ${file.name}: where the network found evidence of a tumor`, 'heatmap')]));
    // set last: the row is shown whole
    item.dataset.id = row.id;
  }).catch((err) => {
    bar.remove();
    status.textContent = `Not stored: ${problemText(err)}`;
    status.className = 'status error';
  });
}

function prediction(row) {
  return el('dl', { class: 'prediction' },
    el('dt', {}, 'Prediction'), el('dd', { class: `badge ${row.prediction}`, 'data-field': 'prediction' }, row.prediction),
    el('dt', {}, 'Probability of tumor'), el('dd', { 'data-field': 'probability' }, percent(row.probability)),
    el('dt', {}, 'Unfamiliar'),
    el('dd', { 'data-field': 'unfamiliar', class: row.unfamiliar ? 'badge warn' : '' },
      row.unfamiliar ? 'yes: unreliable (unlike the training data, or borderline), have it read' : 'no'));
}

// ---- browse ---------------------------------------------------------------------------------------------

function browseView(s) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const f = {
    class: select('class', [...CLASSES, ['none', 'not labelled']], params.get('class') || ''),
    prediction: select('prediction', CLASSES, params.get('prediction') || ''),
    gender: select('gender', [['', 'any'], ...GENDERS], params.get('gender') || ''),
    from: el('input', { type: 'date', name: 'from', value: params.get('from') || '' }),
    to: el('input', { type: 'date', name: 'to', value: params.get('to') || '' }),
    unfamiliar: select('unfamiliar', [['', 'any'], ['true', 'flagged'], ['false', 'not flagged']], params.get('unfamiliar') || ''),
  };
  const hospital = can.anyHospital(s) ? el('input', { name: 'hospital', value: params.get('hospital') || '' }) : null;
  const form = el('form', { class: 'card filters', id: 'filters' },
    field('Class', f.class), field('Prediction', f.prediction), field('Gender', f.gender),
    field('From', f.from), field('To', f.to), field('Unfamiliar', f.unfamiliar),
    hospital ? field('Hospital', hospital, 'empty: all') : null,
    el('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    Object.entries(f).forEach(([k, c]) => c.value && q.set(k, c.value));
    if (hospital?.value) {
      q.set('hospital', hospital.value);
    }
    location.hash = `#/browse?${q}`;
  });
  const summary = el('div', { class: 'summary', id: 'summary', 'aria-live': 'polite' });
  const list = el('ul', { class: 'grid', id: 'rows' });
  const more = el('button', { type: 'button', id: 'more', hidden: true }, 'Next page');
  const query = new URLSearchParams();
  for (const [k, v] of params) {
    // the dates the user picked are local days
    query.set(k, k === 'from' ? new Date(`${v}T00:00:00`).toISOString() : k === 'to' ? new Date(`${v}T23:59:59.999`).toISOString() : v);
  }
  query.set('limit', '24');
  const load = async (cursor) => {
    if (cursor) {
      query.set('cursor', cursor);
    }
    try {
      const { body } = await api.request('GET', `/MRI?${query}`);
      if (body.summary) {
        clear(summary).append(counts(body.summary));
      }
      list.append(...await Promise.all(body.items.map(tile)));
      if (!body.items.length && !cursor) {
        list.append(el('li', {}, 'No rows match these filters.'));
      }
      more.hidden = !body.next_cursor;
      more.onclick = () => load(body.next_cursor);
    } catch (err) {
      failed(err);
    }
  };
  load(null);
  return el('section', {}, el('h2', {}, 'Data set'), form, summary, list, more);
}

function counts(summary) {
  const entries = (o) => Object.entries(o).map(([k, v]) => el('li', { 'data-count': k }, `${k}: ${v}`));
  return el('div', { class: 'card counts' },
    el('p', {}, el('strong', { id: 'total' }, `${summary.total}`), summary.total === 1 ? ' row matches' : ' rows match'),
    el('div', { class: 'row' },
      el('div', {}, el('h3', {}, 'By class'), el('ul', { id: 'by-class' }, entries(summary.by_class))),
      el('div', {}, el('h3', {}, 'By prediction'), el('ul', { id: 'by-prediction' }, entries(summary.by_prediction)))));
}

async function tile(row) {
  return el('li', { class: 'tile', 'data-id': row.id },
    el('a', { href: `#/mri/${row.id}` },
      await image(row.image_url, `Slice ${row.id.slice(0, 8)}`, 'thumb'),
      el('span', { class: `badge ${row.prediction}` }, row.prediction), ' ', percent(row.probability),
      row.unfamiliar ? el('span', { class: 'badge warn' }, 'unfamiliar') : null,
      el('small', {}, `${row.class ? `class ${row.class}` : 'not labelled'} · ${row.gender} · ${date(row.created_at)}`)));
}

// ---- one row --------------------------------------------------------------------------------------------

function rowView(id) {
  const s = api.current();
  const box = el('section', { id: 'row' }, el('h2', {}, 'MRI row'), el('p', {}, 'Loading…'));
  let etag = null;
  const paint = async () => {
    let row;
    try {
      const answer = await api.request('GET', `/MRI/${encodeURIComponent(id)}`);
      row = answer.body;
      etag = answer.etag;
    } catch (err) {
      clear(box).append(el('h2', {}, 'MRI row'), el('p', { class: 'msg error' }, problemText(err)));
      return;
    }
    const label = select('class', [['tumor', 'tumor'], ['healthy', 'healthy']], row.class || row.prediction);
    const labelForm = can.label(s) ? el('form', { class: 'card', id: 'label-form' },
      el('h3', {}, row.class ? 'Correct the class' : 'Confirm the class'),
      field('Class', label), el('button', { type: 'submit' }, row.class ? 'Save class' : 'Confirm class')) : null;
    labelForm?.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api.request('PATCH', `/MRI/${row.id}`, { body: { class: label.value }, ifMatch: etag });
        say('The class is saved.', 'ok');
        paint();
      } catch (err) {
        if (err.status === 412) {
          const reload = el('button', { type: 'button', id: 'reload' }, 'Reload the row');
          reload.addEventListener('click', () => {
            quiet();
            paint();
          });
          clear(notice).append(el('div', { class: 'msg warn', id: 'stale' },
            el('p', {}, `Someone else changed this row while you had it open: ${err.message}`), reload));
          reload.focus();
        } else {
          failed(err);
        }
      }
    });
    const actions = el('div', { class: 'actions' },
      el('button', { type: 'button', id: 'classify', onclick: async () => {
        try {
          await api.request('POST', `/MRI/${row.id}/classify`);
          say('Classified again with the current model.', 'ok');
          paint();
        } catch (err) {
          failed(err);
        }
      } }, 'Re-classify'),
      can.delete(s) ? el('button', { type: 'button', id: 'delete', class: 'danger', onclick: async () => {
        if (!window.confirm('Delete this row and its image? This cannot be undone.')) {
          return;
        }
        try {
          await api.request('DELETE', `/MRI/${row.id}`, { ifMatch: etag });
          say('The row is deleted.', 'ok');
          location.hash = '#/browse';
        } catch (err) {
          failed(err);
        }
      } }, 'Delete') : null);
    const pictures = await Promise.all([image(row.image_url, 'The stored slice', 'scan'),
      image(`/MRI/${row.id}/heatmap`, 'Heat map: where the network found evidence of a tumor', 'heatmap')]);
    clear(box).append(el('h2', {}, `MRI row ${row.id.slice(0, 8)}`),
      el('div', { class: 'pictures' }, pictures),
      prediction(row),
      el('dl', { class: 'meta' },
        el('dt', {}, 'Class'), el('dd', { 'data-field': 'class' }, row.class || 'not labelled'),
        el('dt', {}, 'Gender'), el('dd', {}, row.gender),
        el('dt', {}, 'Hospital'), el('dd', {}, row.hospital),
        el('dt', {}, 'Model'), el('dd', {}, row.model_version),
        el('dt', {}, 'Uploaded'), el('dd', {}, `${date(row.created_at)} by ${row.created_by}`),
        el('dt', {}, 'Last changed'), el('dd', {}, `${date(row.updated_at)}${row.updated_by ? ` by ${row.updated_by}` : ''}`)),
      labelForm, actions);
    box.dataset.version = row.version;
  };
  paint();
  return box;
}

// ---- model performance ----------------------------------------------------------------------------------

/** An estimate with its 95 % interval, or a dash when there was nothing to measure. */
function estimate(e) {
  return e ? [percent(e.value), el('br'), el('small', { class: 'ci' }, `${percent(e.low)} – ${percent(e.high)}`)] : '–';
}

const FIGURES = [['sensitivity', 'Sensitivity'], ['specificity', 'Specificity'], ['accuracy', 'Accuracy'], ['auc', 'AUC'],
  ['unfamiliar_share', 'Unfamiliar']];

function figuresTable(id, caption, rows) {
  return el('div', { class: 'scroll' }, el('table', { id, class: 'figures' },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, ''), el('th', { scope: 'col' }, 'n'),
      FIGURES.map(([, h]) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map(([name, f]) => el('tr', { 'data-group': name },
      el('th', { scope: 'row' }, name), el('td', { 'data-figure': 'n' }, String(f.n)),
      FIGURES.map(([k]) => el('td', { 'data-figure': k }, ...[estimate(f[k])].flat())))))));
}

function mixTable(id, caption, periods, day) {
  const when = (iso) => (day ? new Date(iso).toLocaleDateString(undefined, { timeZone: 'UTC' })
    : `week of ${new Date(iso).toLocaleDateString(undefined, { timeZone: 'UTC' })}`);
  return el('div', { class: 'scroll' }, el('table', { id, class: 'figures' },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, ['Period (UTC)', 'Rows', 'Predicted tumor', 'Unfamiliar'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, periods.length ? periods.map((p) => el('tr', { 'data-start': p.start },
      el('th', { scope: 'row' }, when(p.start)), el('td', {}, String(p.n)),
      el('td', {}, el('meter', { min: '0', max: '1', value: String(p.tumor_share), 'aria-label': `Tumor share, ${when(p.start)}` }),
        ` ${percent(p.tumor_share)}`),
      el('td', {}, el('meter', { min: '0', max: '1', value: String(p.unfamiliar_share), 'aria-label': `Unfamiliar share, ${when(p.start)}` }),
        ` ${percent(p.unfamiliar_share)}`)))
      : el('tr', {}, el('td', { colspan: '4' }, 'No rows classified by this model match.')))));
}

function modelsView(s) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const version = el('select', { name: 'version' });
  const hospital = el('input', { name: 'hospital', value: can.anyHospital(s) ? (params.get('hospital') || '') : s.hospital,
    readonly: !can.anyHospital(s) });
  const gender = select('gender', [['', 'any'], ...GENDERS], params.get('gender') || '');
  const from = el('input', { type: 'date', name: 'from', value: params.get('from') || '' });
  const to = el('input', { type: 'date', name: 'to', value: params.get('to') || '' });
  const form = el('form', { class: 'card filters', id: 'model-filters' },
    field('Model', version), field('Hospital', hospital, can.anyHospital(s) ? 'empty: all' : 'your hospital'),
    field('Gender', gender), field('From', from), field('To', to),
    el('button', { type: 'submit' }, 'Show'));
  const figures = el('div', { id: 'performance', 'aria-live': 'polite' });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    [['version', version], ['gender', gender], ['from', from], ['to', to]].forEach(([k, c]) => c.value && q.set(k, c.value));
    if (can.anyHospital(s) && hospital.value) {
      q.set('hospital', hospital.value);
    }
    location.hash = `#/models?${q}`;
  });
  const load = async () => {
    try {
      const { body: list } = await api.request('GET', '/models');
      const chosen = params.get('version') || list.items.find((m) => m.active)?.version || list.items[0]?.version;
      clear(version).append(...list.items.map((m) => el('option', { value: m.version, selected: m.version === chosen },
        `${m.version}${m.active ? ' (active)' : ''} · ${m.architecture} · ${m.source}`)));
      if (!chosen) {
        clear(figures).append(el('p', {}, 'No model is registered.'));
        return;
      }
      const query = new URLSearchParams();
      if (can.anyHospital(s) && params.get('hospital')) {
        query.set('hospital', params.get('hospital'));
      }
      if (params.get('gender')) {
        query.set('gender', params.get('gender'));
      }
      // the dates the user picked are local days
      if (params.get('from')) {
        query.set('from', new Date(`${params.get('from')}T00:00:00`).toISOString());
      }
      if (params.get('to')) {
        query.set('to', new Date(`${params.get('to')}T23:59:59.999`).toISOString());
      }
      const { body: report } = await api.request('GET', `/models/${encodeURIComponent(chosen)}/performance?${query}`);
      const c = report.confirmed;
      const entry = list.items.find((m) => m.version === chosen);
      const scope = report.filters.hospital ? `hospital ${report.filters.hospital}` : 'all hospitals';
      clear(figures).append(
        el('div', { class: 'card' },
          el('h3', {}, `Model ${chosen}${entry?.active ? ' (serving now)' : ''}: ${scope}`),
          el('p', {}, 'Measured on the rows this model classified whose class a person confirmed; ',
            'under each figure its 95 % interval (Wilson for proportions, Hanley-McNeil for the AUC).'),
          el('dl', { class: 'meta', id: 'confusion' },
            el('dt', {}, 'Confirmed rows'), el('dd', { 'data-figure': 'n' }, `${c.n} (${c.tumors} tumor, ${c.healthy} healthy)`),
            el('dt', {}, 'Tumors found'), el('dd', {}, `${c.tp} of ${c.tp + c.fn}`),
            el('dt', {}, 'Healthy cleared'), el('dd', {}, `${c.tn} of ${c.tn + c.fp}`)),
          figuresTable('figures-overall', 'All confirmed rows', [['all', c]]),
          figuresTable('figures-hospital', 'Per hospital', Object.entries(c.by_hospital || {})),
          figuresTable('figures-gender', 'Per gender', Object.entries(c.by_gender || {}))),
        el('div', { class: 'card' },
          el('h3', {}, 'Prediction mix over time'),
          el('p', {}, 'Every row this model classified, confirmed or not: a moving tumor or unfamiliar share is drift.'),
          mixTable('mix-week', 'By ISO week', report.prediction_mix.by_week, false),
          mixTable('mix-day', 'By day', report.prediction_mix.by_day, true)));
      figures.dataset.version = chosen;
    } catch (err) {
      clear(figures).append(el('p', { class: 'msg error' }, problemText(err)));
    }
  };
  load();
  return el('section', {}, el('h2', {}, 'Model performance'), form, figures);
}

// ---- users ----------------------------------------------------------------------------------------------

function usersView(s) {
  const box = el('section', {}, el('h2', {}, 'Users'));
  const table = el('table', { id: 'users' });
  const name = el('input', { name: 'user_name', required: true });
  const email = el('input', { name: 'user_email', type: 'email', required: true });
  const password = el('input', { name: 'user_password', type: 'password', minlength: '8', required: true, autocomplete: 'new-password' });
  const hospital = el('input', { name: 'user_hospital', value: s.hospital, readonly: !can.anyHospital(s), required: true });
  const role = select('user_role', s.role === 'admin' ? ROLES : ROLES.filter(([r]) => r !== 'admin'), 'technician');
  const create = el('form', { class: 'card', id: 'create-user' }, el('h3', {}, 'New user'),
    el('div', { class: 'row' }, field('User name', name), field('Email', email), field('Password', password, '8 characters or more'),
      field('Hospital', hospital), field('Role', role)),
    el('button', { type: 'submit' }, 'Create'));
  create.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api.request('POST', '/users', { body: { user_name: name.value, user_email: email.value, user_password: password.value,
        user_hospital: hospital.value, user_role: role.value } });
      say(`User ${name.value} created.`, 'ok');
      create.reset();
      fill();
    } catch (err) {
      failed(err);
    }
  });
  const fill = async () => {
    try {
      const { body } = await api.request('GET', '/users?limit=200');
      clear(table).append(el('caption', {}, `${body.total} users`),
        el('thead', {}, el('tr', {}, ['Name', 'Email', 'Hospital', 'Role', ''].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, body.items.map((u) => userRow(s, u, fill))));
    } catch (err) {
      failed(err);
    }
  };
  fill();
  box.append(create, el('div', { class: 'scroll' }, table));
  return box;
}

function userRow(s, u, refresh) {
  const role = select('user_role', s.role === 'admin' ? ROLES : ROLES.filter(([r]) => r !== 'admin'), u.user_role);
  role.setAttribute('aria-label', `Role of ${u.user_name}`);
  const mine = u.user_name === s.name;
  const editable = !mine && (s.role === 'admin' || u.user_role !== 'admin');
  role.disabled = !editable;
  const save = el('button', { type: 'button', disabled: !editable, onclick: async () => {
    try {
      const { etag } = await api.request('GET', `/users/${encodeURIComponent(u.user_name)}`);
      await api.request('PATCH', `/users/${encodeURIComponent(u.user_name)}`, { body: { user_role: role.value }, ifMatch: etag });
      say(`${u.user_name} is now ${role.value}.`, 'ok');
      refresh();
    } catch (err) {
      failed(err);
    }
  } }, 'Save role');
  const remove = el('button', { type: 'button', class: 'danger', disabled: !editable, onclick: async () => {
    if (!window.confirm(`Delete the user ${u.user_name}?`)) {
      return;
    }
    try {
      await api.request('DELETE', `/users/${encodeURIComponent(u.user_name)}`);
      say(`${u.user_name} deleted.`, 'ok');
      refresh();
    } catch (err) {
      failed(err);
    }
  } }, 'Delete');
  return el('tr', { 'data-user': u.user_name }, el('td', {}, u.user_name), el('td', {}, u.user_email), el('td', {}, u.user_hospital),
    el('td', {}, role), el('td', { class: 'actions' }, save, remove));
}

// ---- own account ----------------------------------------------------------------------------------------

function accountView(s) {
  const currentPassword = el('input', { type: 'password', name: 'current_password', autocomplete: 'current-password', required: true });
  const next = el('input', { type: 'password', name: 'user_password', autocomplete: 'new-password', minlength: '8', required: true });
  const again = el('input', { type: 'password', name: 'again', autocomplete: 'new-password', minlength: '8', required: true });
  const form = el('form', { class: 'card narrow', id: 'password-form' },
    el('h2', {}, 'Change my password'),
    el('p', {}, `Logged in as ${s.name} (${s.role}, ${s.hospital}).`),
    field('Current password', currentPassword), field('New password', next, '8 characters to 72 bytes'), field('New password again', again),
    el('button', { type: 'submit' }, 'Change password'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (next.value !== again.value) {
      say('The two new passwords differ.', 'error');
      return;
    }
    try {
      await api.request('PATCH', `/users/${encodeURIComponent(s.name)}`, { body: { current_password: currentPassword.value, user_password: next.value } });
      api.logout();
      say('Your password is changed. Log in with the new one.', 'ok');
    } catch (err) {
      failed(err);
    }
  });
  return form;
}

render();
