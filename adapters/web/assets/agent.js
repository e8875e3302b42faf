// Auskunft – Agentenkonsole: login, knowledge search, handoff queue and editors' feedback.
// Plain JavaScript, no dependencies. Every text from the server or from citizens is inserted with
// textContent (never innerHTML); highlighting builds DOM nodes.
'use strict';

(function () {
  const API = '/api/v1';
  const QUEUE_POLL_MS = 2000; // queue tab visible
  const QUEUE_BACKGROUND_MS = 15000; // other tab: keeps the badge roughly current
  const CONVERSATION_POLL_MS = 2000;

  const state = {
    name: null,
    csrf: null,
    tab: 'search',
    searchController: null,
    searchSeq: 0,
    detailSlug: null,
    detailButton: null,
    plainAnswer: '',
    queue: [],
    queueTimer: null,
    conv: null, // {channel, conversation}
    convGone: false,
    convData: null,
    convTimer: null,
    convGeneration: 0,
    feedbackController: null,
  };

  const $ = (id) => document.getElementById(id);
  const el = {};

  // ---------------------------------------------------------------- helpers

  /**
   * Wraps a loader so that at most one call runs at a time; a call while one runs schedules exactly one
   * more run after it (so an action's refresh is never lost to a poll that started just before).
   */
  function serial(load) {
    let running = null;
    let queued = null;
    return function refresh() {
      if (!running) {
        running = Promise.resolve()
          .then(load)
          .catch(() => {})
          .finally(() => {
            running = null;
          });
        return running;
      }
      if (!queued) {
        queued = running.then(() => {
          queued = null;
          return refresh();
        });
      }
      return queued;
    };
  }

  class HttpError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  class Unauthorized extends Error {}

  /** Calls the API; JSON in and out. A 401 (outside login) returns to the login view. */
  async function api(method, path, body, options) {
    const opts = options || {};
    const headers = { Accept: 'application/json' };
    const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
    if (opts.signal) init.signal = opts.signal;
    let response;
    try {
      response = await fetch(API + path, init);
    } catch (error) {
      if (error && error.name === 'AbortError') throw error;
      throw new HttpError(0, 'network', 'Der Server ist nicht erreichbar. Bitte Verbindung prüfen.');
    }
    if (response.status === 401 && !opts.allow401) {
      sessionEnded();
      throw new Unauthorized('401');
    }
    if (response.status === 204) return null;
    let data = null;
    const text = await response.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (_) {
        data = null;
      }
    }
    if (!response.ok) {
      let message = data && typeof data.message === 'string' ? data.message : '';
      if (!message) message = 'Fehler ' + response.status + (response.statusText ? ' ' + response.statusText : '');
      if (response.status === 429) {
        const retry = response.headers.get('Retry-After');
        if (retry) message += ' (erneut versuchen in ' + retry + ' s)';
      }
      throw new HttpError(response.status, data && data.code, message);
    }
    return data;
  }

  function isQuiet(error) {
    return error instanceof Unauthorized || (error && error.name === 'AbortError');
  }

  let errorSource = null;

  /** Shows an error in the alert; `source` names what failed so its next success can clear it. */
  function showError(error, source) {
    if (isQuiet(error)) return;
    const message = typeof error === 'string' ? error : (error && error.message) || 'Unbekannter Fehler';
    errorSource = source || null;
    if (el.error.textContent !== message) el.error.textContent = message;
  }

  /** Clears the alert; with a source, only an error that source showed. */
  function clearError(source) {
    if (source && errorSource !== source) return;
    errorSource = null;
    if (el.error.textContent) el.error.textContent = '';
  }

  function announce(text) {
    // Re-set so the same message is announced again.
    el.announce.textContent = '';
    window.setTimeout(() => {
      el.announce.textContent = text;
    }, 50);
  }

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function safeUrl(url) {
    if (typeof url !== 'string') return null;
    try {
      const parsed = new URL(url, window.location.href);
      if (parsed.protocol === 'https:' || parsed.protocol === 'http:') return parsed.href;
    } catch (_) {
      /* not a URL */
    }
    return null;
  }

  function link(url, label) {
    const href = safeUrl(url);
    if (!href) return make('span', null, label || url);
    const a = make('a', null, label || url);
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }

  function parseTime(value) {
    if (!value) return null;
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? null : date;
  }

  function hhmm(value) {
    const date = parseTime(value);
    if (!date) return '';
    return date.toLocaleTimeString('de-DE', { hour: '2-digit', minute: '2-digit' });
  }

  function dateTime(value) {
    const date = parseTime(value);
    if (!date) return value || '';
    return date.toLocaleString('de-DE', {
      day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit',
    });
  }

  function isoDate(value) {
    const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value || '');
    return match ? match[3] + '.' + match[2] + '.' + match[1] : value || '';
  }

  const LANGS = { de: 'Deutsch', en: 'Englisch', 'de-leicht': 'Leichte Sprache', uk: 'Ukrainisch', ar: 'Arabisch' };
  function langName(tag) {
    return tag ? LANGS[tag] || tag : '–';
  }

  const CHANNELS = { web: 'Web-Chat', telegram: 'Telegram', whatsapp: 'WhatsApp', sms: 'SMS', email: 'E-Mail', phone: 'Telefon' };
  function channelName(channel) {
    return CHANNELS[channel] || channel || '–';
  }

  function reasonText(reason) {
    if (reason === 'asked') return 'hat nach einer Person gefragt';
    if (reason === 'failures') return 'Bot kam nicht weiter';
    return reason || '';
  }

  function convPath(channel, conversation) {
    return '/agent/conversations/' + encodeURIComponent(channel) + '/' + encodeURIComponent(conversation);
  }

  function isTypingTarget(target) {
    if (!target || !(target instanceof Element)) return false;
    if (target.isContentEditable) return true;
    const tag = target.tagName;
    if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
    if (tag === 'INPUT') {
      const type = (target.getAttribute('type') || 'text').toLowerCase();
      return !['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file', 'image'].includes(type);
    }
    return false;
  }

  // ------------------------------------------------------------ highlighting

  /**
   * Folds text for matching: lower case, diacritics removed (ä → a), ß → ss, and ae/oe/ue → a/o/u so that
   * "Buergerbuero" finds "Bürgerbüro". Returns the folded string and, for each folded character, the range
   * of the original text it came from.
   */
  function fold(text) {
    const chars = [];
    const starts = [];
    const ends = [];
    let index = 0;
    for (const ch of text) {
      const width = ch.length;
      let folded = ch.toLowerCase();
      if (folded === 'ß') folded = 'ss';
      else folded = folded.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      if (!folded) folded = ch; // keep positions stable for lone combining marks
      for (const f of folded) {
        chars.push(f);
        starts.push(index);
        ends.push(index + width);
      }
      index += width;
    }
    const out = [];
    const outStarts = [];
    const outEnds = [];
    for (let i = 0; i < chars.length; i += 1) {
      const c = chars[i];
      if ((c === 'a' || c === 'o' || c === 'u') && chars[i + 1] === 'e') {
        out.push(c);
        outStarts.push(starts[i]);
        outEnds.push(ends[i + 1]);
        i += 1;
      } else {
        out.push(c);
        outStarts.push(starts[i]);
        outEnds.push(ends[i]);
      }
    }
    return { text: out.join(''), starts: outStarts, ends: outEnds };
  }

  function queryWords(query) {
    const words = (query || '').split(/[^\p{L}\p{N}]+/u).filter((w) => [...w].length >= 2);
    const folded = new Set();
    for (const word of words) {
      const f = fold(word).text;
      if (f.length >= 2) folded.add(f);
    }
    return [...folded];
  }

  /** Fills `node` with `text`, wrapping the matches of the query's words in <mark>. */
  function highlight(node, text, words) {
    clear(node);
    const source = text || '';
    if (!words.length || !source) {
      node.textContent = source;
      return;
    }
    const folded = fold(source);
    const ranges = [];
    for (const word of words) {
      let from = 0;
      for (;;) {
        const at = folded.text.indexOf(word, from);
        if (at < 0) break;
        ranges.push([folded.starts[at], folded.ends[at + word.length - 1]]);
        from = at + word.length;
      }
    }
    if (!ranges.length) {
      node.textContent = source;
      return;
    }
    ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    const merged = [];
    for (const range of ranges) {
      const last = merged[merged.length - 1];
      if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
      else merged.push([range[0], range[1]]);
    }
    let position = 0;
    for (const [start, end] of merged) {
      if (start > position) node.appendChild(document.createTextNode(source.slice(position, start)));
      node.appendChild(make('mark', null, source.slice(start, end)));
      position = end;
    }
    if (position < source.length) node.appendChild(document.createTextNode(source.slice(position)));
  }

  // ------------------------------------------------------------------ login

  function showLogin(message) {
    stopQueuePolling();
    stopConversationPolling();
    abortSearch();
    if (state.name && !el.loginName.value) el.loginName.value = state.name;
    state.name = null;
    state.csrf = null;
    el.session.hidden = true;
    el.nav.hidden = true;
    el.consoleView.hidden = true;
    el.loginView.hidden = false;
    clearError();
    el.loginError.textContent = '';
    el.loginInfo.textContent = message || '';
    el.agentName.textContent = '';
    el.loginPassword.value = '';
    resetConsole();
    document.title = 'Anmeldung – Auskunft – Agentenkonsole';
    (el.loginName.value ? el.loginPassword : el.loginName).focus();
  }

  function sessionEnded() {
    if (!el.loginView.hidden) return;
    showLogin('Die Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.');
  }

  function showConsole(me) {
    state.name = me.name;
    state.csrf = me.csrf_token;
    el.agentName.textContent = me.name;
    el.loginError.textContent = '';
    el.loginInfo.textContent = '';
    el.loginView.hidden = true;
    el.session.hidden = false;
    el.nav.hidden = false;
    el.consoleView.hidden = false;
    document.title = 'Auskunft – Agentenkonsole';
    selectTab('search', false);
    el.searchInput.focus();
    refreshQueue();
    scheduleQueuePolling();
  }

  function resetConsole() {
    el.searchInput.value = '';
    clear(el.results);
    delete el.results.dataset.query;
    delete el.results.dataset.renderedAt;
    el.searchStatus.textContent = '';
    closeDetail(false);
    closeConversation(false);
    clear(el.queueList);
    state.queue = [];
    updateQueueCount(0);
    el.unansweredBody.textContent = '';
    el.ratedDownBody.textContent = '';
  }

  async function onLogin(event) {
    event.preventDefault();
    const name = el.loginName.value.trim();
    const password = el.loginPassword.value;
    if (!name || !password) {
      el.loginError.textContent = 'Bitte Name und Passwort eingeben.';
      (name ? el.loginPassword : el.loginName).focus();
      return;
    }
    el.loginError.textContent = '';
    el.loginInfo.textContent = '';
    el.loginSubmit.disabled = true;
    try {
      const me = await api('POST', '/agent/login', { name, password }, { allow401: true });
      showConsole(me);
    } catch (error) {
      let message = error && error.message ? error.message : 'Anmeldung fehlgeschlagen.';
      if (error instanceof HttpError && error.status === 401) {
        message = 'Anmeldung fehlgeschlagen: Name oder Passwort falsch. (' + error.message + ')';
      } else if (error instanceof HttpError && error.status === 429) {
        message = 'Zu viele Fehlversuche: ' + error.message;
      } else {
        message = 'Anmeldung fehlgeschlagen: ' + message;
      }
      el.loginError.textContent = message;
      el.loginPassword.select();
      el.loginPassword.focus();
    } finally {
      el.loginSubmit.disabled = false;
    }
  }

  async function onLogout() {
    try {
      await api('POST', '/agent/logout', undefined, { allow401: true });
    } catch (error) {
      if (!(error instanceof HttpError && error.status === 401)) {
        showError(error);
        return;
      }
    }
    showLogin('Sie wurden abgemeldet.');
  }

  async function start() {
    try {
      const me = await api('GET', '/agent/me', undefined, { allow401: true });
      showConsole(me);
    } catch (error) {
      if (error instanceof HttpError && error.status === 401) showLogin('');
      else {
        showLogin('');
        el.loginError.textContent = error.message;
      }
    }
  }

  // ------------------------------------------------------------------- tabs

  const TABS = ['search', 'queue', 'feedback'];

  function selectTab(name, focus) {
    state.tab = name;
    for (const tab of TABS) {
      const button = $('tab-' + tab);
      const panel = $('panel-' + tab);
      const selected = tab === name;
      button.setAttribute('aria-selected', selected ? 'true' : 'false');
      button.tabIndex = selected ? 0 : -1;
      panel.hidden = !selected;
    }
    if (focus) $('tab-' + name).focus();
    if (name === 'queue') {
      refreshQueue();
      if (state.conv) refreshConversation();
    }
    if (name === 'feedback') loadFeedback();
    scheduleQueuePolling();
    scheduleConversationPolling();
  }

  function onTabKey(event) {
    const index = TABS.indexOf(state.tab);
    let next = null;
    if (event.key === 'ArrowRight') next = TABS[(index + 1) % TABS.length];
    else if (event.key === 'ArrowLeft') next = TABS[(index + TABS.length - 1) % TABS.length];
    else if (event.key === 'Home') next = TABS[0];
    else if (event.key === 'End') next = TABS[TABS.length - 1];
    if (next) {
      event.preventDefault();
      selectTab(next, true);
    }
  }

  // ----------------------------------------------------------------- search

  function abortSearch() {
    if (state.searchController) state.searchController.abort();
    state.searchController = null;
  }

  async function onSearchInput() {
    const started = performance.now();
    const query = el.searchInput.value;
    const seq = ++state.searchSeq;
    abortSearch();
    if (!query.trim()) {
      clearError('search');
      clear(el.results);
      el.results.dataset.query = '';
      el.results.dataset.renderedAt = String(performance.now());
      el.searchStatus.textContent = '';
      return;
    }
    const controller = new AbortController();
    state.searchController = controller;
    const params = new URLSearchParams({ q: query, lang: 'de', limit: '10' });
    try {
      const data = await api('GET', '/search?' + params.toString(), undefined, { signal: controller.signal });
      if (seq !== state.searchSeq) return;
      clearError('search');
      renderResults(query, data && Array.isArray(data.hits) ? data.hits : []);
      const rendered = performance.now();
      el.results.dataset.query = query;
      el.results.dataset.renderedAt = String(rendered);
      const count = el.results.children.length;
      el.searchStatus.textContent =
        count + ' Treffer in ' + Math.max(0, rendered - started).toFixed(0) + ' ms';
    } catch (error) {
      if (seq !== state.searchSeq || isQuiet(error)) return;
      el.searchStatus.textContent = 'Suche fehlgeschlagen';
      showError(error, 'search');
    } finally {
      if (state.searchController === controller) state.searchController = null;
    }
  }

  function renderResults(query, hits) {
    const words = queryWords(query);
    const fragment = document.createDocumentFragment();
    hits.forEach((hit) => {
      const item = make('li', 'result');
      const button = make('button', 'result-button');
      button.type = 'button';
      button.dataset.slug = hit.slug;
      const title = make('span', 'result-title');
      highlight(title, hit.title, words);
      const summary = make('span', 'result-summary');
      highlight(summary, hit.summary, words);
      button.appendChild(title);
      button.appendChild(summary);
      if (hit.leika) {
        const leika = make('span', 'result-leika', 'LeiKa ' + hit.leika);
        button.appendChild(leika);
      }
      if (hit.slug === state.detailSlug) button.setAttribute('aria-current', 'true');
      item.appendChild(button);
      fragment.appendChild(item);
    });
    clear(el.results);
    el.results.appendChild(fragment);
  }

  function resultButtons() {
    return Array.from(el.results.querySelectorAll('button.result-button'));
  }

  function onSearchKey(event) {
    if (event.key === 'ArrowDown') {
      const first = resultButtons()[0];
      if (first) {
        event.preventDefault();
        first.focus();
      }
    }
  }

  function onResultsKey(event) {
    const buttons = resultButtons();
    const index = buttons.indexOf(document.activeElement);
    if (index < 0) return;
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      if (index < buttons.length - 1) buttons[index + 1].focus();
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      if (index > 0) buttons[index - 1].focus();
      else el.searchInput.focus();
    } else if (event.key === 'Home') {
      event.preventDefault();
      buttons[0].focus();
    } else if (event.key === 'End') {
      event.preventDefault();
      buttons[buttons.length - 1].focus();
    }
  }

  function onResultsClick(event) {
    const button = event.target.closest('button.result-button');
    if (!button || !el.results.contains(button)) return;
    openService(button.dataset.slug, button);
  }

  // ----------------------------------------------------------------- detail

  let detailController = null;

  async function openService(slug, button) {
    if (!slug) return;
    if (detailController) detailController.abort();
    const controller = new AbortController();
    detailController = controller;
    clearError();
    try {
      const record = await api('GET', '/services/' + encodeURIComponent(slug) + '?lang=de', undefined, {
        signal: controller.signal,
      });
      if (detailController !== controller) return;
      state.detailSlug = slug;
      state.detailButton = button || null;
      for (const other of resultButtons()) {
        if (other.dataset.slug === slug) other.setAttribute('aria-current', 'true');
        else other.removeAttribute('aria-current');
      }
      renderDetail(record);
      el.detail.hidden = false;
      el.detailTitle.focus();
      if (typeof el.detail.scrollIntoView === 'function' && window.matchMedia('(max-width: 60rem)').matches) {
        el.detail.scrollIntoView({ block: 'start', behavior: reducedMotion() ? 'auto' : 'smooth' });
      }
    } catch (error) {
      if (!isQuiet(error)) showError(error);
    } finally {
      if (detailController === controller) detailController = null;
    }
  }

  function reducedMotion() {
    return window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  }

  function closeDetail(restoreFocus) {
    state.detailSlug = null;
    el.detail.hidden = true;
    clear(el.detailBody);
    el.detailTitle.textContent = '';
    el.answerText.value = '';
    el.copyStatus.textContent = '';
    state.plainAnswer = '';
    if (restoreFocus) focusResultList();
    state.detailButton = null;
  }

  function focusResultList() {
    const buttons = resultButtons();
    let target = null;
    if (state.detailButton && el.results.contains(state.detailButton)) target = state.detailButton;
    if (!target && state.detailSlug) target = buttons.find((b) => b.dataset.slug === state.detailSlug) || null;
    if (!target) target = buttons[0] || null;
    (target || el.searchInput).focus();
  }

  function listOf(items, ordered) {
    const list = make(ordered ? 'ol' : 'ul', 'detail-list');
    for (const item of items) list.appendChild(make('li', null, item));
    return list;
  }

  function section(title, content) {
    const wrap = make('section', 'detail-section');
    const id = 'detail-' + title.toLowerCase().replace(/[^a-z0-9]+/g, '-') + '-' + Math.random().toString(36).slice(2, 7);
    const heading = make('h3', null, title);
    heading.id = id;
    wrap.setAttribute('aria-labelledby', id);
    wrap.appendChild(heading);
    if (typeof content === 'string') wrap.appendChild(make('p', null, content));
    else if (content) wrap.appendChild(content);
    el.detailBody.appendChild(wrap);
    return wrap;
  }

  function nonEmpty(list) {
    return Array.isArray(list) ? list.filter((x) => typeof x === 'string' && x.trim()) : [];
  }

  function feeLine(fee) {
    if (!fee) return '';
    const label = (fee.label || '').trim();
    const text = (fee.text || '').trim();
    if (label && text) return label + ': ' + text;
    return label || text;
  }

  function officeHours(office) {
    return office.opening_hours_note || office.opening_hours || '';
  }

  function renderDetail(record) {
    clear(el.detailBody);
    el.detailTitle.textContent = record.name || record.slug || '';
    const meta = [];
    if (record.leika) meta.push('LeiKa ' + record.leika);
    if (record.area) meta.push(record.area);
    if (record.city_service === false) meta.push('keine Leistung der Stadt Leipzig');
    if (record.bookable) meta.push('Termin buchbar');
    if (record.lang && record.lang !== 'de') meta.push('Text auf ' + langName(record.lang));
    el.detailMeta.textContent = meta.join(' · ');

    if (record.answer) section('Kurzantwort', record.answer).classList.add('detail-answer');
    if (record.full_text) section('Beschreibung', record.full_text);

    const fees = Array.isArray(record.fees) ? record.fees.map(feeLine).filter(Boolean) : [];
    if (fees.length || record.fee_note) {
      const box = document.createDocumentFragment();
      if (fees.length) {
        const list = make('ul', 'detail-list');
        for (const fee of record.fees) {
          const li = make('li');
          const label = (fee.label || '').trim();
          if (label) {
            li.appendChild(make('span', 'fee-label', label + ': '));
          }
          li.appendChild(document.createTextNode((fee.text || '').trim()));
          list.appendChild(li);
        }
        box.appendChild(list);
      }
      if (record.fee_note) box.appendChild(make('p', null, record.fee_note));
      section('Gebühren', box);
    }
    const documents = nonEmpty(record.documents);
    if (documents.length) section('Unterlagen', listOf(documents, false));
    const prerequisites = nonEmpty(record.prerequisites);
    if (prerequisites.length) section('Voraussetzungen', listOf(prerequisites, false));
    const procedure = nonEmpty(record.procedure);
    if (procedure.length) section('Ablauf', listOf(procedure, true));
    if (record.deadlines) section('Fristen', record.deadlines);
    if (record.processing_time) section('Bearbeitungsdauer', record.processing_time);

    const offices = Array.isArray(record.offices) ? record.offices : [];
    if (offices.length) {
      const list = make('ul', 'office-list');
      for (const office of offices) {
        const li = make('li', 'office');
        li.appendChild(make('strong', 'office-name', office.name || ''));
        if (office.address) li.appendChild(make('span', 'office-line', office.address));
        const hours = officeHours(office);
        if (hours) li.appendChild(make('span', 'office-line', 'Öffnungszeiten: ' + hours));
        if (office.phone) li.appendChild(make('span', 'office-line', 'Telefon: ' + office.phone));
        if (office.email) li.appendChild(make('span', 'office-line', 'E-Mail: ' + office.email));
        if (office.transit) li.appendChild(make('span', 'office-line', 'Anfahrt: ' + office.transit));
        if (office.url && safeUrl(office.url)) {
          const line = make('span', 'office-line');
          line.appendChild(link(office.url, 'Webseite: ' + (office.name || office.url)));
          li.appendChild(line);
        }
        list.appendChild(li);
      }
      section('Zuständige Stellen', list);
    }
    if (record.online_service && record.online_service.url) {
      const p = make('p');
      p.appendChild(link(record.online_service.url, record.online_service.label || record.online_service.url));
      section('Online-Dienst', p);
    }
    const legal = nonEmpty(record.legal_basis);
    if (legal.length) section('Rechtsgrundlage', listOf(legal, false));
    if (record.notes) section('Hinweise', record.notes);

    const related = Array.isArray(record.related) ? record.related.filter((r) => r && r.slug) : [];
    if (related.length) {
      const list = make('ul', 'related-list');
      for (const item of related) {
        const li = make('li');
        const button = make('button', 'link-button', item.title || item.slug);
        button.type = 'button';
        button.dataset.slug = item.slug;
        li.appendChild(button);
        list.appendChild(li);
      }
      section('Verwandte Leistungen', list);
    }

    const source = make('p', 'detail-source');
    if (record.source_url) {
      source.appendChild(document.createTextNode('Quelle: '));
      source.appendChild(link(record.source_url, record.source_url));
    }
    if (record.as_of) {
      if (record.source_url) source.appendChild(document.createTextNode(' · '));
      source.appendChild(document.createTextNode('Stand: ' + isoDate(record.as_of)));
    }
    if (source.childNodes.length) section('Quelle', source);

    state.plainAnswer = plainAnswer(record);
    el.answerText.value = state.plainAnswer;
    el.copyStatus.textContent = '';
  }

  /** The answer an agent reads out or pastes: name, answer, fees, documents, offices, source. */
  function plainAnswer(record) {
    const lines = [];
    lines.push(record.name || '');
    if (record.answer) lines.push('', record.answer.trim());
    const fees = Array.isArray(record.fees) ? record.fees.map(feeLine).filter(Boolean) : [];
    if (fees.length || record.fee_note) {
      lines.push('', 'Gebühren:');
      for (const fee of fees) lines.push('- ' + fee);
      if (record.fee_note) lines.push(record.fee_note.trim());
    }
    const documents = nonEmpty(record.documents);
    if (documents.length) {
      lines.push('', 'Unterlagen:');
      for (const doc of documents) lines.push('- ' + doc.trim());
    }
    const offices = Array.isArray(record.offices) ? record.offices : [];
    if (offices.length) {
      lines.push('', 'Zuständig:');
      for (const office of offices) {
        let line = '- ' + (office.name || '');
        if (office.address && office.address !== office.name) line += ', ' + office.address;
        const hours = officeHours(office);
        if (hours) line += '; Öffnungszeiten: ' + hours;
        if (office.phone) line += '; Telefon: ' + office.phone;
        lines.push(line);
      }
    }
    if (record.online_service && record.online_service.url) {
      lines.push('', 'Online: ' + (record.online_service.label ? record.online_service.label + ': ' : '') + record.online_service.url);
    }
    if (record.source_url || record.as_of) {
      let line = 'Quelle: ' + (record.source_url || '–');
      if (record.as_of) line += ' (Stand ' + isoDate(record.as_of) + ')';
      lines.push('', line);
    }
    return lines.join('\n');
  }

  async function copyAnswer() {
    const text = state.plainAnswer || el.answerText.value;
    if (!text) return;
    let ok = false;
    if (navigator.clipboard && typeof navigator.clipboard.writeText === 'function' && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        ok = true;
      } catch (_) {
        ok = false;
      }
    }
    if (!ok) ok = copyFallback(text);
    el.copyStatus.textContent = '';
    window.setTimeout(() => {
      el.copyStatus.textContent = ok
        ? 'Antworttext kopiert'
        : 'Kopieren nicht möglich – bitte den Text im Feld „Antworttext“ markieren und kopieren.';
    }, 30);
    if (!ok) {
      el.answerText.focus();
      el.answerText.select();
    }
  }

  function copyFallback(text) {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.setAttribute('aria-hidden', 'true');
    area.tabIndex = -1;
    area.className = 'offscreen';
    document.body.appendChild(area);
    const previous = document.activeElement;
    area.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch (_) {
      ok = false;
    }
    document.body.removeChild(area);
    if (previous && typeof previous.focus === 'function') previous.focus();
    return ok;
  }

  function onDetailKey(event) {
    if (event.key === 'Escape') {
      event.preventDefault();
      focusResultList();
    }
  }

  function onDetailClick(event) {
    const button = event.target.closest('button.link-button[data-slug]');
    if (button && el.detail.contains(button)) openService(button.dataset.slug, null);
  }

  // ------------------------------------------------------------------ queue

  function updateQueueCount(count) {
    el.queueCount.textContent = String(count);
    el.queueCount.classList.toggle('badge-active', count > 0);
    el.queueCountLabel.textContent = count === 1 ? ' wartendes Gespräch' : ' wartende Gespräche';
  }

  function queueKey(item) {
    return item.channel + '\u0000' + item.conversation;
  }

  const refreshQueue = serial(async () => {
    if (!state.csrf) return;
    try {
      const data = await api('GET', '/agent/queue');
      const list = data && Array.isArray(data.conversations) ? data.conversations : [];
      state.queue = list;
      clearError('queue');
      renderQueue(list);
      renderDuty(data || {});
      el.queueUpdated.textContent = 'Aktualisiert um ' + new Date().toLocaleTimeString('de-DE');
    } catch (error) {
      showError(error, 'queue');
    }
  });

  // Who is on duty: outside the duty hours the assistant hands nothing off.
  function renderDuty(data) {
    const hours = typeof data.duty_hours === 'string' ? data.duty_hours : '';
    const online = Array.isArray(data.agents_online) ? data.agents_online : [];
    const status = data.on_duty ? 'Dienstzeit' : 'Außerhalb der Dienstzeit: der Assistent übergibt nichts';
    const who = online.length ? 'Angemeldet: ' + online.join(', ') : 'Niemand angemeldet';
    el.queueDuty.textContent = status + (hours ? ' (' + hours + ')' : '') + ' · ' + who;
  }

  function waitingCount(list) {
    return list.filter((item) => !item.taken_by).length;
  }

  function renderQueue(list) {
    updateQueueCount(waitingCount(list));
    el.queueEmpty.hidden = list.length > 0;
    const existing = new Map();
    for (const li of Array.from(el.queueList.children)) existing.set(li.dataset.key, li);
    const wanted = [];
    list.forEach((item) => {
      const key = queueKey(item);
      let li = existing.get(key);
      if (!li) li = createQueueItem(item);
      existing.delete(key);
      updateQueueItem(li, item);
      wanted.push(li);
    });
    for (const li of existing.values()) {
      if (li.contains(document.activeElement)) el.queueList.focus();
      li.remove();
    }
    // Reorder only when needed, so a focused button keeps its focus.
    const current = Array.from(el.queueList.children);
    const same = current.length === wanted.length && current.every((li, i) => li === wanted[i]);
    if (!same) {
      for (const li of wanted) el.queueList.appendChild(li);
    }
  }

  let queueItemCounter = 0;

  function createQueueItem(item) {
    const li = make('li', 'queue-item');
    li.dataset.key = queueKey(item);
    li.dataset.channel = item.channel;
    li.dataset.conversation = item.conversation;
    const id = 'queue-item-' + ++queueItemCounter;
    const head = make('p', 'queue-head');
    head.id = id;
    const info = make('p', 'queue-info');
    const last = make('p', 'queue-last');
    const button = make('button', 'button queue-open', 'Öffnen');
    button.type = 'button';
    button.setAttribute('aria-describedby', id);
    li.append(head, info, last, button);
    return li;
  }

  function updateQueueItem(li, item) {
    const [head, info, last] = li.children;
    const headText = channelName(item.channel) + ' · ' + langName(item.lang) + ' · ' + reasonText(item.reason);
    if (head.textContent !== headText) head.textContent = headText;
    const infoText = 'wartet seit ' + (hhmm(item.since) || '–') + ' · ' +
      (item.taken_by ? 'übernommen von ' + item.taken_by : 'nicht übernommen');
    if (info.textContent !== infoText) info.textContent = infoText;
    const lastText = item.last_text ? '„' + item.last_text + '“' : '';
    if (last.textContent !== lastText) last.textContent = lastText;
    last.hidden = !lastText;
    li.classList.toggle('queue-item-taken', !!item.taken_by);
    const open = !!state.conv && queueKey(state.conv) === queueKey(item);
    li.classList.toggle('queue-item-open', open);
    if (open) li.setAttribute('aria-current', 'true');
    else li.removeAttribute('aria-current');
  }

  function onQueueClick(event) {
    const button = event.target.closest('button.queue-open');
    if (!button) return;
    const li = button.closest('li');
    openConversation(li.dataset.channel, li.dataset.conversation);
  }

  function stopQueuePolling() {
    if (state.queueTimer) window.clearTimeout(state.queueTimer);
    state.queueTimer = null;
  }

  function scheduleQueuePolling() {
    stopQueuePolling();
    if (!state.csrf || document.visibilityState === 'hidden') return;
    const delay = state.tab === 'queue' ? QUEUE_POLL_MS : QUEUE_BACKGROUND_MS;
    state.queueTimer = window.setTimeout(async () => {
      state.queueTimer = null;
      await refreshQueue();
      scheduleQueuePolling();
    }, delay);
  }

  // ----------------------------------------------------------- conversation

  async function openConversation(channel, conversation) {
    clearError();
    state.conv = { channel, conversation };
    state.convGone = false;
    state.convData = null;
    state.convGeneration += 1;
    clear(el.convEntries);
    el.convStatus.textContent = '';
    el.convTitle.textContent = 'Gespräch ' + channelName(channel) + ' · ' + conversation;
    el.convState.textContent = 'Wird geladen …';
    el.conversation.hidden = false;
    el.conversation.dataset.channel = channel;
    el.conversation.dataset.conversation = conversation;
    renderQueue(state.queue);
    el.convTitle.focus();
    await refreshConversation();
    scheduleConversationPolling();
  }

  function closeConversation(restoreFocus) {
    const previous = state.conv;
    state.conv = null;
    state.convData = null;
    state.convGeneration += 1;
    stopConversationPolling();
    el.conversation.hidden = true;
    clear(el.convEntries);
    el.replyForm.hidden = true;
    el.replyText.value = '';
    el.convStatus.textContent = '';
    delete el.conversation.dataset.channel;
    delete el.conversation.dataset.conversation;
    if (state.queue.length) renderQueue(state.queue);
    if (restoreFocus) {
      let target = null;
      if (previous) {
        const li = Array.from(el.queueList.children).find((x) => x.dataset.key === queueKey(previous));
        if (li) target = li.querySelector('button.queue-open');
      }
      if (!target) target = el.queueList.querySelector('button.queue-open');
      (target || $('tab-queue')).focus();
    }
  }

  const refreshConversation = serial(async () => {
    if (!state.conv) return;
    const conv = state.conv;
    const generation = state.convGeneration;
    try {
      const data = await api('GET', convPath(conv.channel, conv.conversation));
      if (generation !== state.convGeneration) return;
      state.convData = data;
      clearError('conversation');
      renderConversation(data);
    } catch (error) {
      if (generation !== state.convGeneration) return;
      if (error instanceof HttpError && error.status === 404) {
        el.convState.textContent = 'Dieses Gespräch gibt es nicht mehr.';
        state.convGone = true;
        stopConversationPolling();
        return;
      }
      showError(error, 'conversation');
    }
  });

  function roleLabel(entry) {
    if (entry.role === 'citizen') return 'Bürger/in';
    if (entry.role === 'assistant') return 'Auskunft';
    if (entry.role === 'agent') return 'Agent ' + (entry.agent || '');
    return entry.role || '';
  }

  function entryKey(entry) {
    return [entry.role, entry.at, entry.turn, entry.agent, entry.text].join('\u0000');
  }

  function createEntry(entry) {
    const li = make('li', 'entry entry-' + (entry.role || 'other'));
    li.dataset.key = entryKey(entry);
    const head = make('p', 'entry-head');
    head.appendChild(make('span', 'entry-role', roleLabel(entry)));
    const time = make('time', 'entry-time', hhmm(entry.at));
    if (entry.at) time.dateTime = entry.at;
    head.appendChild(document.createTextNode(' '));
    head.appendChild(time);
    li.appendChild(head);
    li.appendChild(make('p', 'entry-text', entry.text || ''));
    return li;
  }

  function renderConversation(data) {
    const entries = Array.isArray(data.entries) ? data.entries : [];
    const current = Array.from(el.convEntries.children);
    let prefix = 0;
    while (prefix < current.length && prefix < entries.length && current[prefix].dataset.key === entryKey(entries[prefix])) prefix += 1;
    if (prefix < current.length) {
      for (const li of current.slice(prefix)) li.remove();
    }
    const nearBottom = el.convLog.scrollHeight - el.convLog.scrollTop - el.convLog.clientHeight < 40;
    for (const entry of entries.slice(prefix)) el.convEntries.appendChild(createEntry(entry));
    if (entries.length > prefix && (nearBottom || prefix === 0)) el.convLog.scrollTop = el.convLog.scrollHeight;

    const mine = !!data.taken_by && data.taken_by === state.name;
    const parts = [langName(data.lang)];
    if (!data.open) parts.push('an den Bot zurückgegeben');
    else if (data.taken_by) parts.push(mine ? 'von Ihnen übernommen' : 'übernommen von ' + data.taken_by);
    else parts.push('wartet auf Übernahme');
    el.convState.textContent = parts.join(' · ');

    el.convTake.hidden = !data.open || !!data.taken_by;
    el.convTake.disabled = !data.open;
    el.convRelease.hidden = !data.open || (!!data.taken_by && !mine);
    const showReply = data.open && mine;
    if (el.replyForm.hidden === showReply) el.replyForm.hidden = !showReply;
    el.conversation.dataset.takenBy = data.taken_by || '';
    el.conversation.dataset.open = data.open ? 'true' : 'false';
  }

  async function takeConversation() {
    if (!state.conv) return;
    const conv = state.conv;
    clearError();
    el.convStatus.textContent = '';
    el.convTake.disabled = true;
    try {
      await api('POST', convPath(conv.channel, conv.conversation) + '/take');
      await refreshConversation();
      refreshQueue();
      el.convStatus.textContent = 'Gespräch übernommen';
      if (!el.replyForm.hidden) el.replyText.focus();
    } catch (error) {
      if (error instanceof HttpError && error.status === 409) {
        let who = '';
        try {
          const data = await api('GET', convPath(conv.channel, conv.conversation));
          who = data && data.taken_by ? data.taken_by : '';
          if (state.conv === conv) renderConversation(data);
        } catch (_) {
          /* keep the message without the name */
        }
        showError(who ? 'Bereits von ' + who + ' übernommen' : 'Bereits von einer anderen Person übernommen');
      } else {
        showError(error);
      }
    } finally {
      el.convTake.disabled = false;
    }
  }

  async function sendReply(event) {
    if (event) event.preventDefault();
    if (!state.conv) return;
    const text = el.replyText.value.trim();
    if (!text) {
      el.convStatus.textContent = 'Bitte eine Antwort eingeben.';
      el.replyText.focus();
      return;
    }
    const conv = state.conv;
    clearError();
    el.replySend.disabled = true;
    try {
      await api('POST', convPath(conv.channel, conv.conversation) + '/messages', { text });
      if (state.conv === conv) {
        el.replyText.value = '';
        el.convStatus.textContent = 'Nachricht gesendet';
        await refreshConversation();
      }
    } catch (error) {
      if (error instanceof HttpError && error.status === 409) {
        showError('Nicht gesendet: Das Gespräch ist nicht von Ihnen übernommen. (' + error.message + ')');
        refreshConversation();
      } else {
        showError(error);
      }
    } finally {
      el.replySend.disabled = false;
      el.replyText.focus();
    }
  }

  async function releaseConversation() {
    if (!state.conv) return;
    const conv = state.conv;
    clearError();
    el.convRelease.disabled = true;
    try {
      await api('POST', convPath(conv.channel, conv.conversation) + '/release');
      state.queue = state.queue.filter((item) => queueKey(item) !== queueKey(conv));
      closeConversation(false);
      renderQueue(state.queue);
      announce('Gespräch an den Bot zurückgegeben');
      await refreshQueue();
      const first = el.queueList.querySelector('button.queue-open');
      (first || $('tab-queue')).focus();
    } catch (error) {
      showError(error);
    } finally {
      el.convRelease.disabled = false;
    }
  }

  function stopConversationPolling() {
    if (state.convTimer) window.clearTimeout(state.convTimer);
    state.convTimer = null;
  }

  function scheduleConversationPolling() {
    stopConversationPolling();
    if (!state.conv || state.convGone || !state.csrf || state.tab !== 'queue' || document.visibilityState === 'hidden') return;
    state.convTimer = window.setTimeout(async () => {
      state.convTimer = null;
      await refreshConversation();
      scheduleConversationPolling();
    }, CONVERSATION_POLL_MS);
  }

  // --------------------------------------------------------------- feedback

  async function loadFeedback() {
    if (!state.csrf) return;
    if (state.feedbackController) state.feedbackController.abort();
    const controller = new AbortController();
    state.feedbackController = controller;
    const days = el.feedbackDays.value;
    el.feedbackStatus.textContent = 'Wird geladen …';
    try {
      const data = await api('GET', '/agent/feedback?days=' + encodeURIComponent(days), undefined, {
        signal: controller.signal,
      });
      if (state.feedbackController !== controller) return;
      clearError('feedback');
      const unanswered = data && Array.isArray(data.unanswered) ? data.unanswered : [];
      const ratedDown = data && Array.isArray(data.rated_down) ? data.rated_down : [];
      fillTable(el.unansweredBody, unanswered, 3, (row) => [row.text, dateTime(row.at), langName(row.lang)]);
      fillTable(el.ratedDownBody, ratedDown, 4, (row) => [row.question, row.answer, row.service || '–', dateTime(row.at)]);
      el.feedbackStatus.textContent =
        unanswered.length + ' unbeantwortete Fragen, ' + ratedDown.length + ' negativ bewertete Antworten';
    } catch (error) {
      if (isQuiet(error)) return;
      el.feedbackStatus.textContent = '';
      showError(error, 'feedback');
    } finally {
      if (state.feedbackController === controller) state.feedbackController = null;
    }
  }

  function fillTable(body, rows, columns, cells) {
    const fragment = document.createDocumentFragment();
    if (!rows.length) {
      const tr = make('tr', 'empty-row');
      const td = make('td', null, 'Keine Einträge im gewählten Zeitraum.');
      td.colSpan = columns;
      tr.appendChild(td);
      fragment.appendChild(tr);
    }
    for (const row of rows) {
      const tr = make('tr');
      for (const value of cells(row)) tr.appendChild(make('td', null, value === null || value === undefined ? '' : value));
      fragment.appendChild(tr);
    }
    clear(body);
    body.appendChild(fragment);
  }

  // ------------------------------------------------------------------ setup

  function onGlobalKey(event) {
    if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
    if (el.consoleView.hidden || isTypingTarget(event.target)) return;
    event.preventDefault();
    if (state.tab !== 'search') selectTab('search', false);
    el.searchInput.focus();
    el.searchInput.select();
  }

  function onVisibility() {
    if (!state.csrf) return;
    if (document.visibilityState === 'visible') {
      refreshQueue();
      if (state.conv && state.tab === 'queue') refreshConversation();
    }
    scheduleQueuePolling();
    scheduleConversationPolling();
  }

  function init() {
    Object.assign(el, {
      error: $('error'),
      announce: $('announce'),
      session: $('session'),
      agentName: $('agent-name'),
      logout: $('logout'),
      nav: $('nav'),
      tablist: $('tablist'),
      loginView: $('login-view'),
      loginForm: $('login-form'),
      loginName: $('login-name'),
      loginPassword: $('login-password'),
      loginError: $('login-error'),
      loginInfo: $('login-info'),
      loginSubmit: $('login-submit'),
      consoleView: $('console-view'),
      searchInput: $('search-input'),
      searchStatus: $('search-status'),
      results: $('results'),
      detail: $('detail'),
      detailTitle: $('detail-title'),
      detailMeta: $('detail-meta'),
      detailBody: $('detail-body'),
      copyButton: $('copy-answer'),
      copyStatus: $('copy-status'),
      answerText: $('answer-text'),
      queueCount: $('queue-count'),
      queueCountLabel: $('queue-count-label'),
      queueList: $('queue-list'),
      queueEmpty: $('queue-empty'),
      queueUpdated: $('queue-updated'),
      queueDuty: $('queue-duty'),
      conversation: $('conversation'),
      convTitle: $('conv-title'),
      convState: $('conv-state'),
      convLog: $('conv-log'),
      convEntries: $('conv-entries'),
      convTake: $('conv-take'),
      convRelease: $('conv-release'),
      convClose: $('conv-close'),
      convStatus: $('conv-status'),
      replyForm: $('reply-form'),
      replyText: $('reply-text'),
      replySend: $('reply-send'),
      feedbackDays: $('feedback-days'),
      feedbackStatus: $('feedback-status'),
      unansweredBody: $('table-unanswered').tBodies[0],
      ratedDownBody: $('table-rated-down').tBodies[0],
    });
    el.queueList.tabIndex = -1;

    el.loginForm.addEventListener('submit', onLogin);
    el.logout.addEventListener('click', onLogout);
    for (const tab of TABS) {
      $('tab-' + tab).addEventListener('click', () => selectTab(tab, false));
    }
    el.tablist.addEventListener('keydown', onTabKey);
    el.searchInput.addEventListener('input', onSearchInput);
    el.searchInput.addEventListener('keydown', onSearchKey);
    el.results.addEventListener('keydown', onResultsKey);
    el.results.addEventListener('click', onResultsClick);
    el.detail.addEventListener('keydown', onDetailKey);
    el.detail.addEventListener('click', onDetailClick);
    el.copyButton.addEventListener('click', copyAnswer);
    el.queueList.addEventListener('click', onQueueClick);
    el.convTake.addEventListener('click', takeConversation);
    el.convRelease.addEventListener('click', releaseConversation);
    el.convClose.addEventListener('click', () => closeConversation(true));
    el.conversation.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !isTypingTarget(event.target)) {
        event.preventDefault();
        closeConversation(true);
      }
    });
    el.replyForm.addEventListener('submit', sendReply);
    el.replyText.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        sendReply();
      }
    });
    el.feedbackDays.addEventListener('change', loadFeedback);
    document.addEventListener('keydown', onGlobalKey);
    document.addEventListener('visibilitychange', onVisibility);
    start();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
