/*
 * Auskunft – the citizen chat widget of the City of Leipzig.
 *
 * Embed with one tag:  <script src="https://SERVER/widget.js" defer></script>
 * With <div id="auskunft"></div> on the page the widget is rendered there, open; otherwise a floating
 * launcher button opens and closes it. Plain JavaScript, no dependencies, no inline styles (the pages are
 * served with a strict content security policy): everything is styled by classes in widget.css, and
 * everything from the server or the citizen is inserted as text, never as HTML.
 */
(function () {
  'use strict';

  if (window.__auskunftWidget) {
    return;
  }
  window.__auskunftWidget = true;

  // ---------------------------------------------------------------------------------------------------
  // Where the server is: the script's own address.

  var ownScript = document.currentScript;
  var WIDGET_SRC = /\/widget\.js(?:[?#].*)?$/;
  if (!ownScript || !ownScript.src || !WIDGET_SRC.test(ownScript.src)) {
    ownScript = null;
    var scripts = document.getElementsByTagName('script');
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (scripts[i].src && WIDGET_SRC.test(scripts[i].src)) {
        ownScript = scripts[i];
        break;
      }
    }
  }
  var BASE = (function () {
    try {
      var url = new URL(ownScript ? ownScript.src : '/widget.js', window.location.href);
      return url.origin + url.pathname.replace(/\/widget\.js$/, '').replace(/\/+$/, '');
    } catch (e) {
      return '';
    }
  })();

  var STORAGE_SESSION = 'auskunft.session';
  var STORAGE_LANG = 'auskunft.lang';
  var LANGS = ['de', 'en', 'uk', 'ar'];
  var LANG_NAMES = { de: 'Deutsch', en: 'English', uk: 'Українська', ar: 'العربية' };
  var MAX_IMAGE_BYTES = 3 * 1024 * 1024;
  var MAX_IMAGE_WIDTH = 2000;
  var REQUEST_TIMEOUT_MS = 30000;

  // ---------------------------------------------------------------------------------------------------
  // The widget's own words.

  var STRINGS = {
    de: {
      launcher: 'Chat mit der Stadt Leipzig',
      intro: 'Hallo! Ich bin die digitale Auskunft der Stadt Leipzig – ein Computerprogramm, kein Mensch. Ich beantworte Fragen zu Leistungen der Stadt, buche Termine und nehme Meldungen auf.',
      region: 'Chat mit der Stadt Leipzig',
      title: 'Auskunft – Stadt Leipzig',
      language: 'Sprache',
      easy: 'Leichte Sprache',
      messages: 'Nachrichten',
      log: 'Gesprächsverlauf',
      input: 'Ihre Nachricht',
      placeholder: 'Ihre Frage, z. B. „Was kostet ein Personalausweis?“',
      send: 'Senden',
      typing: 'Auskunft schreibt …',
      tools: 'Weitere Möglichkeiten',
      photo: 'Foto senden',
      qr: 'QR-Code scannen',
      location: 'Standort senden',
      you: 'Sie:',
      assistant: 'Auskunft:',
      agent: 'Mitarbeiterin/Mitarbeiter {name}:',
      agentUnknown: 'Mitarbeiterin/Mitarbeiter:',
      choices: 'Auswahl',
      feedback: 'War diese Antwort hilfreich?',
      helpful: 'Hilfreich',
      unhelpful: 'Nicht hilfreich',
      thanks: 'Danke für Ihre Rückmeldung',
      feedbackFailed: 'Ihre Rückmeldung konnte nicht gespeichert werden.',
      errorPrefix: 'Das hat nicht geklappt: ',
      errorGeneric: 'Das hat nicht geklappt. Bitte versuchen Sie es noch einmal.',
      network: 'Das hat nicht geklappt: Es besteht keine Verbindung zum Server. Bitte prüfen Sie Ihre Internetverbindung und senden Sie noch einmal.',
      rateLimited: 'Bitte einen Moment Geduld und dann noch einmal senden.',
      fees: 'Gebühren',
      documents: 'Mitbringen',
      office: 'Zuständig:',
      online: 'Online:',
      source: 'Quelle',
      asOf: 'Stand:',
      newWindow: '(öffnet neues Fenster)',
      photoSent: 'Foto gesendet',
      photoAlt: 'Ihr Foto',
      photoFailed: 'Das Foto konnte nicht gelesen werden. Bitte senden Sie ein Bild im Format PNG oder JPEG.',
      locationSent: 'Standort gesendet',
      locating: 'Ihr Standort wird ermittelt …',
      locationFailed: 'Ihr Standort konnte nicht ermittelt werden. Sie können auch die Adresse schreiben.',
      qrTitle: 'QR-Code scannen',
      qrHint: 'Halten Sie den QR-Code Ihres Bescheids vor die Kamera. Sobald er erkannt ist, wird er gesendet.',
      qrClose: 'Schließen',
      qrFailed: 'Die Kamera konnte nicht gestartet werden. Sie können stattdessen ein Foto senden.',
      qrSent: 'QR-Code gesendet',
      takenOver: 'Eine Mitarbeiterin/ein Mitarbeiter hat das Gespräch übernommen.',
      handedBack: 'Sie sprechen wieder mit Auskunft.'
    },
    en: {
      launcher: 'Chat with the City of Leipzig',
      intro: 'Hello! I am the digital information service of the City of Leipzig – a computer program, not a person. I answer questions about the city\'s services, book appointments and take reports.',
      region: 'Chat with the City of Leipzig',
      title: 'Auskunft – City of Leipzig',
      language: 'Language',
      easy: 'Easy German',
      messages: 'Messages',
      log: 'Conversation',
      input: 'Your message',
      placeholder: 'Your question, e.g. “How much is an identity card?”',
      send: 'Send',
      typing: 'Auskunft is writing …',
      tools: 'More options',
      photo: 'Send photo',
      qr: 'Scan QR code',
      location: 'Send location',
      you: 'You:',
      assistant: 'Auskunft:',
      agent: 'Staff member {name}:',
      agentUnknown: 'Staff member:',
      choices: 'Choices',
      feedback: 'Was this answer helpful?',
      helpful: 'Helpful',
      unhelpful: 'Not helpful',
      thanks: 'Thank you for your feedback',
      feedbackFailed: 'Your feedback could not be saved.',
      errorPrefix: 'That did not work: ',
      errorGeneric: 'That did not work. Please try again.',
      network: 'That did not work: there is no connection to the server. Please check your internet connection and send again.',
      rateLimited: 'Please wait a moment and then send again.',
      fees: 'Fees',
      documents: 'Bring',
      office: 'Where:',
      online: 'Online:',
      source: 'Source',
      asOf: 'As of:',
      newWindow: '(opens in a new window)',
      photoSent: 'Photo sent',
      photoAlt: 'Your photo',
      photoFailed: 'The photo could not be read. Please send a PNG or JPEG image.',
      locationSent: 'Location sent',
      locating: 'Determining your location …',
      locationFailed: 'Your location could not be determined. You can also write the address.',
      qrTitle: 'Scan QR code',
      qrHint: 'Hold the QR code of your notice in front of the camera. It is sent as soon as it is recognised.',
      qrClose: 'Close',
      qrFailed: 'The camera could not be started. You can send a photo instead.',
      qrSent: 'QR code sent',
      takenOver: 'A staff member has taken over the conversation.',
      handedBack: 'You are talking to Auskunft again.'
    },
    uk: {
      launcher: 'Чат із містом Лейпциг',
      intro: 'Вітаємо! Я цифрова довідкова служба міста Лейпциг – комп’ютерна програма, а не людина. Я відповідаю на запитання про послуги міста, записую на прийом і приймаю повідомлення про проблеми.',
      region: 'Чат із містом Лейпциг',
      title: 'Auskunft – місто Лейпциг',
      language: 'Мова',
      easy: 'Leichte Sprache',
      messages: 'Повідомлення',
      log: 'Історія розмови',
      input: 'Ваше повідомлення',
      placeholder: 'Ваше запитання, напр. «Скільки коштує посвідчення особи?»',
      send: 'Надіслати',
      typing: 'Auskunft пише …',
      tools: 'Інші можливості',
      photo: 'Надіслати фото',
      qr: 'Сканувати QR-код',
      location: 'Надіслати місцезнаходження',
      you: 'Ви:',
      assistant: 'Auskunft:',
      agent: 'Співробітник/співробітниця {name}:',
      agentUnknown: 'Співробітник/співробітниця:',
      choices: 'Варіанти',
      feedback: 'Чи була ця відповідь корисною?',
      helpful: 'Корисно',
      unhelpful: 'Не корисно',
      thanks: 'Дякуємо за ваш відгук',
      feedbackFailed: 'Не вдалося зберегти ваш відгук.',
      errorPrefix: 'Не вдалося: ',
      errorGeneric: 'Не вдалося. Будь ласка, спробуйте ще раз.',
      network: 'Не вдалося: немає з’єднання із сервером. Перевірте підключення до інтернету та надішліть ще раз.',
      rateLimited: 'Будь ласка, зачекайте хвилинку й надішліть ще раз.',
      fees: 'Збори',
      documents: 'Взяти з собою',
      office: 'Де:',
      online: 'Онлайн:',
      source: 'Джерело',
      asOf: 'Станом на:',
      newWindow: '(відкривається в новому вікні)',
      photoSent: 'Фото надіслано',
      photoAlt: 'Ваше фото',
      photoFailed: 'Не вдалося прочитати фото. Будь ласка, надішліть зображення у форматі PNG або JPEG.',
      locationSent: 'Місцезнаходження надіслано',
      locating: 'Визначаємо ваше місцезнаходження …',
      locationFailed: 'Не вдалося визначити ваше місцезнаходження. Ви також можете написати адресу.',
      qrTitle: 'Сканувати QR-код',
      qrHint: 'Піднесіть QR-код вашого повідомлення (Bescheid) до камери. Щойно його буде розпізнано, його буде надіслано.',
      qrClose: 'Закрити',
      qrFailed: 'Не вдалося увімкнути камеру. Натомість ви можете надіслати фото.',
      qrSent: 'QR-код надіслано',
      takenOver: 'Розмову перейняв співробітник або співробітниця.',
      handedBack: 'Ви знову спілкуєтеся з Auskunft.'
    },
    ar: {
      launcher: 'محادثة مع مدينة لايبزيغ',
      intro: 'مرحبًا! أنا خدمة الاستعلامات الرقمية لمدينة لايبزيغ – برنامج حاسوبي ولست إنسانًا. أجيب عن الأسئلة المتعلقة بخدمات المدينة، وأحجز المواعيد، وأستقبل البلاغات.',
      region: 'محادثة مع مدينة لايبزيغ',
      title: 'Auskunft – مدينة لايبزيغ',
      language: 'اللغة',
      easy: 'Leichte Sprache',
      messages: 'الرسائل',
      log: 'سجل المحادثة',
      input: 'رسالتك',
      placeholder: 'سؤالك، مثلًا: «كم تكلفة بطاقة الهوية؟»',
      send: 'إرسال',
      typing: 'Auskunft يكتب …',
      tools: 'خيارات أخرى',
      photo: 'إرسال صورة',
      qr: 'مسح رمز QR',
      location: 'إرسال الموقع',
      you: 'أنت:',
      assistant: 'Auskunft:',
      agent: 'الموظف/الموظفة {name}:',
      agentUnknown: 'الموظف/الموظفة:',
      choices: 'خيارات',
      feedback: 'هل كانت هذه الإجابة مفيدة؟',
      helpful: 'مفيد',
      unhelpful: 'غير مفيد',
      thanks: 'شكرًا على ملاحظاتك',
      feedbackFailed: 'تعذّر حفظ ملاحظاتك.',
      errorPrefix: 'لم تنجح العملية: ',
      errorGeneric: 'لم تنجح العملية. يُرجى المحاولة مرة أخرى.',
      network: 'لم تنجح العملية: لا يوجد اتصال بالخادم. يُرجى التحقق من اتصالك بالإنترنت والإرسال مرة أخرى.',
      rateLimited: 'يُرجى الانتظار لحظة ثم الإرسال مرة أخرى.',
      fees: 'الرسوم',
      documents: 'يُرجى إحضار',
      office: 'الجهة المختصة:',
      online: 'عبر الإنترنت:',
      source: 'المصدر',
      asOf: 'آخر تحديث:',
      newWindow: '(يُفتح في نافذة جديدة)',
      photoSent: 'تم إرسال الصورة',
      photoAlt: 'صورتك',
      photoFailed: 'تعذّرت قراءة الصورة. يُرجى إرسال صورة بصيغة PNG أو JPEG.',
      locationSent: 'تم إرسال الموقع',
      locating: 'جارٍ تحديد موقعك …',
      locationFailed: 'تعذّر تحديد موقعك. يمكنك أيضًا كتابة العنوان.',
      qrTitle: 'مسح رمز QR',
      qrHint: 'ضع رمز QR الموجود على الإشعار أمام الكاميرا. يُرسَل تلقائيًا بمجرد التعرّف عليه.',
      qrClose: 'إغلاق',
      qrFailed: 'تعذّر تشغيل الكاميرا. يمكنك إرسال صورة بدلًا من ذلك.',
      qrSent: 'تم إرسال رمز QR',
      takenOver: 'تولّى موظف أو موظفة المحادثة.',
      handedBack: 'أنت تتحدث مجددًا مع Auskunft.'
    }
  };

  // ---------------------------------------------------------------------------------------------------
  // Small helpers.

  function storageGet(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }

  function storageSet(key, value) {
    try {
      if (value === null || value === undefined) {
        window.localStorage.removeItem(key);
      } else {
        window.localStorage.setItem(key, value);
      }
    } catch (e) {
      /* storage may be disabled: the widget works without it */
    }
  }

  var idCounter = 0;
  function uid(name) {
    idCounter += 1;
    return 'ak-' + name + '-' + idCounter + '-' + Math.random().toString(36).slice(2, 7);
  }

  /** Creates an element with classes, attributes and text (always as text, never as HTML). */
  function el(tag, className, attrs, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === true) {
          node.setAttribute(name, '');
        } else if (value !== false && value !== null && value !== undefined) {
          node.setAttribute(name, String(value));
        }
      });
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  /** The language tag of a message: easy German is German; anything else as given. */
  function contentLang(tag) {
    if (typeof tag !== 'string' || !tag) {
      return null;
    }
    var lower = tag.toLowerCase();
    if (lower === 'de-leicht') {
      return 'de';
    }
    return lower;
  }

  function isRtl(tag) {
    var base = (tag || '').split('-')[0];
    return base === 'ar' || base === 'fa' || base === 'he' || base === 'ur';
  }

  function setLangDir(node, tag) {
    if (!tag) {
      return;
    }
    node.setAttribute('lang', tag);
    if (isRtl(tag)) {
      node.setAttribute('dir', 'rtl');
    } else {
      node.removeAttribute('dir');
    }
  }

  /** An address the widget may link to or load: same-server paths and http(s) addresses only. */
  function safeUrl(url) {
    if (typeof url !== 'string' || !url) {
      return null;
    }
    if (url.charAt(0) === '/' && url.charAt(1) !== '/') {
      return BASE + url;
    }
    try {
      var parsed = new URL(url);
      if (parsed.protocol === 'https:' || parsed.protocol === 'http:') {
        return parsed.href;
      }
    } catch (e) {
      /* not an absolute address */
    }
    return null;
  }

  function hostOf(url) {
    try {
      return new URL(url).host.replace(/^www\./, '');
    } catch (e) {
      return '';
    }
  }

  /** "2026-11-23" as "23.11.2026" (English: unchanged ISO date). */
  function formatDate(iso, lang) {
    var match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ''));
    if (!match) {
      return String(iso || '');
    }
    if (lang === 'en') {
      return match[1] + '-' + match[2] + '-' + match[3];
    }
    return match[3] + '.' + match[2] + '.' + match[1];
  }

  function prefersReducedMotion() {
    return !!(window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches);
  }

  function blobToBase64(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        var result = String(reader.result || '');
        var comma = result.indexOf(',');
        resolve(comma >= 0 ? result.slice(comma + 1) : result);
      };
      reader.onerror = function () {
        reject(reader.error || new Error('read failed'));
      };
      reader.readAsDataURL(blob);
    });
  }

  function canvasToBlob(canvas, type, quality) {
    return new Promise(function (resolve, reject) {
      try {
        canvas.toBlob(function (blob) {
          if (blob) {
            resolve(blob);
          } else {
            reject(new Error('canvas is empty'));
          }
        }, type, quality);
      } catch (e) {
        reject(e);
      }
    });
  }

  /** Decodes an image file: an ImageBitmap where supported, otherwise an <img>. */
  function decodeImage(file) {
    if (window.createImageBitmap) {
      return window.createImageBitmap(file).catch(function () {
        return decodeWithElement(file);
      });
    }
    return decodeWithElement(file);
  }

  function decodeWithElement(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        resolve(img);
      };
      img.onerror = function () {
        URL.revokeObjectURL(url);
        reject(new Error('image not readable'));
      };
      img.src = url;
    });
  }

  /**
   * A photo ready to send: PNG or JPEG, at most 3 MB and 2000 px wide (larger ones are scaled down on a
   * canvas, which also drops the camera's metadata).
   */
  function prepareImage(file) {
    var acceptable = file.type === 'image/png' || file.type === 'image/jpeg';
    return decodeImage(file).then(
      function (image) {
        var width = image.naturalWidth || image.width;
        var height = image.naturalHeight || image.height;
        if (acceptable && file.size <= MAX_IMAGE_BYTES && width <= MAX_IMAGE_WIDTH) {
          return { blob: file, contentType: file.type };
        }
        var scale = Math.min(1, MAX_IMAGE_WIDTH / width);
        var attempt = function (factor, tries) {
          var canvas = document.createElement('canvas');
          canvas.width = Math.max(1, Math.round(width * factor));
          canvas.height = Math.max(1, Math.round(height * factor));
          canvas.getContext('2d').drawImage(image, 0, 0, canvas.width, canvas.height);
          var type = file.type === 'image/png' && tries === 0 ? 'image/png' : 'image/jpeg';
          return canvasToBlob(canvas, type, 0.85).then(function (blob) {
            if (blob.size > MAX_IMAGE_BYTES && tries < 6) {
              return attempt(factor * (tries === 0 ? 1 : 0.75), tries + 1);
            }
            return { blob: blob, contentType: type };
          });
        };
        return attempt(scale, 0);
      },
      function (error) {
        if (acceptable && file.size <= MAX_IMAGE_BYTES) {
          return { blob: file, contentType: file.type };
        }
        throw error;
      }
    );
  }

  // ---------------------------------------------------------------------------------------------------
  // State.

  var storedLang = storageGet(STORAGE_LANG);
  var state = {
    sessionId: storageGet(STORAGE_SESSION),
    uiLang: 'de',
    easy: false,
    langChosen: false,
    conversationLang: 'de',
    busy: false,
    events: null,
    eventsFor: null,
    open: false
  };
  if (storedLang) {
    if (storedLang === 'de-leicht') {
      state.uiLang = 'de';
      state.easy = true;
      state.langChosen = true;
    } else if (LANGS.indexOf(storedLang) >= 0) {
      state.uiLang = storedLang;
      state.langChosen = true;
    }
  }
  state.conversationLang = state.uiLang;

  function t(key) {
    var table = STRINGS[state.uiLang] || STRINGS.de;
    return table[key] !== undefined ? table[key] : STRINGS.de[key];
  }

  /** The language sent to the server: null until the citizen chose one. */
  function requestLang() {
    if (!state.langChosen) {
      return null;
    }
    if (state.uiLang === 'de' && state.easy) {
      return 'de-leicht';
    }
    return state.uiLang;
  }

  // Elements whose words follow the interface language: [node, attribute or null for text, key].
  var translated = [];
  function translate(node, attribute, key) {
    translated.push([node, attribute, key]);
    applyTranslation(node, attribute, key);
    return node;
  }

  function applyTranslation(node, attribute, key) {
    if (attribute) {
      node.setAttribute(attribute, t(key));
    } else {
      node.textContent = t(key);
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // The user interface.

  var ui = {};

  function loadStylesheet(done) {
    var href = BASE + '/widget.css';
    var links = document.querySelectorAll('link[rel~="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      if (links[i].href === href) {
        done();
        return;
      }
    }
    var link = el('link', null, { rel: 'stylesheet', href: href });
    var finished = false;
    var finish = function () {
      if (!finished) {
        finished = true;
        done();
      }
    };
    link.addEventListener('load', finish);
    link.addEventListener('error', finish);
    window.setTimeout(finish, 3000);
    (document.head || document.documentElement).appendChild(link);
  }

  function build() {
    var mount = document.getElementById('auskunft');
    var inline = !!mount;

    var section = el('section', 'ak-widget' + (inline ? ' ak-inline' : ' ak-panel'), { id: uid('panel') });
    translate(section, 'aria-label', 'region');
    ui.section = section;

    // Header: title, language, easy German.
    var header = el('div', 'ak-header');
    var title = el('h2', 'ak-title');
    translate(title, null, 'title');
    header.appendChild(title);

    var controls = el('div', 'ak-controls');
    var selectId = uid('lang');
    var langLabel = el('label', 'ak-lang-label', { for: selectId });
    translate(langLabel, null, 'language');
    var select = el('select', 'ak-select', { id: selectId });
    LANGS.forEach(function (code) {
      var option = el('option', null, { value: code, lang: code, dir: isRtl(code) ? 'rtl' : null }, LANG_NAMES[code]);
      select.appendChild(option);
    });
    select.value = state.uiLang;
    var langField = el('div', 'ak-field');
    langField.appendChild(langLabel);
    langField.appendChild(select);
    controls.appendChild(langField);

    var easy = el('button', 'ak-button ak-toggle', { type: 'button', 'aria-pressed': state.easy ? 'true' : 'false' });
    translate(easy, null, 'easy');
    controls.appendChild(easy);
    header.appendChild(controls);
    section.appendChild(header);
    ui.select = select;
    ui.easy = easy;

    // The conversation: earlier history (not announced) and new messages (announced), one scroller.
    var scroller = el('div', 'ak-scroller', { role: 'region', tabindex: '0' });
    translate(scroller, 'aria-label', 'messages');
    var intro = el('p', 'ak-intro');
    translate(intro, null, 'intro');
    scroller.appendChild(intro);
    var history = el('div', 'ak-history');
    var log = el('div', 'ak-log', { role: 'log', 'aria-live': 'polite' });
    translate(log, 'aria-label', 'log');
    scroller.appendChild(history);
    scroller.appendChild(log);
    section.appendChild(scroller);
    ui.scroller = scroller;
    ui.history = history;
    ui.log = log;

    // What is going on (waiting, locating): announced politely.
    var status = el('p', 'ak-status', { role: 'status' });
    section.appendChild(status);
    ui.status = status;

    // The input form.
    var form = el('form', 'ak-form', { novalidate: true });
    var inputId = uid('input');
    var inputLabel = el('label', 'ak-sr-only', { for: inputId });
    translate(inputLabel, null, 'input');
    var textarea = el('textarea', 'ak-input', {
      id: inputId,
      name: 'message',
      rows: '2',
      dir: 'auto',
      autocomplete: 'off',
      enterkeyhint: 'send'
    });
    translate(textarea, 'placeholder', 'placeholder');
    var send = el('button', 'ak-button ak-primary ak-send', { type: 'submit' });
    translate(send, null, 'send');
    var row = el('div', 'ak-input-row');
    row.appendChild(textarea);
    row.appendChild(send);
    form.appendChild(inputLabel);
    form.appendChild(row);

    var tools = el('div', 'ak-tools', { role: 'group' });
    translate(tools, 'aria-label', 'tools');
    var photo = el('button', 'ak-button ak-tool', { type: 'button' });
    photo.appendChild(translate(el('span'), null, 'photo'));
    var file = el('input', null, {
      type: 'file',
      accept: 'image/png,image/jpeg',
      capture: 'environment',
      hidden: true,
      tabindex: '-1'
    });
    translate(file, 'aria-label', 'photo');
    var qr = el('button', 'ak-button ak-tool', { type: 'button', hidden: true });
    qr.appendChild(translate(el('span'), null, 'qr'));
    var locate = el('button', 'ak-button ak-tool', { type: 'button' });
    locate.appendChild(translate(el('span'), null, 'location'));
    tools.appendChild(photo);
    tools.appendChild(file);
    tools.appendChild(qr);
    tools.appendChild(locate);
    form.appendChild(tools);
    section.appendChild(form);

    ui.form = form;
    ui.input = textarea;
    ui.send = send;
    ui.photo = photo;
    ui.file = file;
    ui.qr = qr;
    ui.locate = locate;

    if (!navigator.geolocation) {
      locate.hidden = true;
    }
    if ('BarcodeDetector' in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia &&
        typeof HTMLDialogElement === 'function') {
      qr.hidden = false;
      try {
        if (window.BarcodeDetector.getSupportedFormats) {
          window.BarcodeDetector.getSupportedFormats().then(function (formats) {
            if (formats.indexOf('qr_code') < 0) {
              qr.hidden = true;
            }
          }, function () {
            qr.hidden = true;
          });
        }
      } catch (e) {
        qr.hidden = true;
      }
    }

    if (inline) {
      section.classList.add('ak-root');
      mount.appendChild(section);
      ui.root = section;
      state.open = true;
    } else {
      var aside = el('aside', 'ak-root ak-floating');
      translate(aside, 'aria-label', 'launcher');
      var launcher = el('button', 'ak-button ak-primary ak-launcher', {
        type: 'button',
        'aria-expanded': 'false',
        'aria-controls': section.id
      });
      launcher.appendChild(translate(el('span'), null, 'launcher'));
      section.hidden = true;
      aside.appendChild(section);
      aside.appendChild(launcher);
      document.body.appendChild(aside);
      ui.root = aside;
      ui.launcher = launcher;
      launcher.addEventListener('click', function () {
        setOpen(!state.open);
      });
      section.addEventListener('keydown', function (event) {
        if (event.key === 'Escape' && !event.defaultPrevented && !(ui.dialog && ui.dialog.open)) {
          setOpen(false);
          launcher.focus();
        }
      });
    }

    applyLanguage();
    wire();
  }

  function setOpen(open) {
    state.open = open;
    if (!ui.launcher) {
      return;
    }
    ui.section.hidden = !open;
    ui.launcher.setAttribute('aria-expanded', open ? 'true' : 'false');
    ui.root.classList.toggle('ak-open', open);
    if (open) {
      scrollToEnd(null);
      ui.input.focus();
    }
  }

  function applyLanguage() {
    translated.forEach(function (entry) {
      applyTranslation(entry[0], entry[1], entry[2]);
    });
    var lang = state.uiLang;
    [ui.section, ui.root].forEach(function (node) {
      node.setAttribute('lang', lang);
      node.setAttribute('dir', isRtl(lang) ? 'rtl' : 'ltr');
    });
    ui.easy.hidden = lang !== 'de';
    var groups = ui.section.querySelectorAll('.ak-feedback');
    for (var i = 0; i < groups.length; i++) {
      groups[i].setAttribute('lang', lang);
    }
    ui.easy.setAttribute('aria-pressed', state.easy ? 'true' : 'false');
    if (ui.dialog) {
      setLangDir(ui.dialog, lang);
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Messages.

  function speakerPrefix(role, agentName) {
    var text;
    if (role === 'citizen') {
      text = t('you');
    } else if (role === 'agent') {
      text = agentName ? t('agent').replace('{name}', agentName) : t('agentUnknown');
    } else if (role === 'error' || role === 'assistant') {
      text = t('assistant');
    }
    var span = el('span', 'ak-sr-only ak-speaker', { lang: state.uiLang }, text + ' ');
    if (isRtl(state.uiLang)) {
      span.setAttribute('dir', 'rtl');
    }
    return span;
  }

  /** A message bubble: ak-msg with the role's class, its language and direction, and a spoken prefix. */
  function messageShell(role, lang, agentName) {
    var node = el('div', 'ak-msg ak-' + role);
    setLangDir(node, lang || state.uiLang);
    node.appendChild(speakerPrefix(role, agentName));
    return node;
  }

  /** Text with line breaks kept and web addresses as links. */
  function textBlock(text, className) {
    var block = el('p', className || 'ak-text');
    var value = String(text === undefined || text === null ? '' : text);
    var pattern = /https?:\/\/[^\s<>"“”„]+[^\s<>"“”„.,;:!?)\]]/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(value)) !== null) {
      if (match.index > last) {
        block.appendChild(document.createTextNode(value.slice(last, match.index)));
      }
      block.appendChild(externalLink(match[0], match[0]));
      last = match.index + match[0].length;
    }
    if (last < value.length) {
      block.appendChild(document.createTextNode(value.slice(last)));
    }
    return block;
  }

  function externalLink(url, label) {
    var href = safeUrl(url);
    if (!href) {
      return document.createTextNode(label);
    }
    var link = el('a', 'ak-link', { href: href, target: '_blank', rel: 'noopener noreferrer' });
    link.appendChild(document.createTextNode(label));
    link.appendChild(el('span', 'ak-sr-only', { lang: state.uiLang }, ' ' + t('newWindow')));
    link.appendChild(el('span', 'ak-external', { 'aria-hidden': 'true' }, ' ↗'));
    return link;
  }

  function labelled(label, value, className) {
    var p = el('p', className);
    p.appendChild(el('span', 'ak-card-label', { lang: state.uiLang }, label + ' '));
    p.appendChild(document.createTextNode(value));
    return p;
  }

  function listSection(label, items) {
    var wrapper = el('div', 'ak-card-section');
    wrapper.appendChild(el('h4', 'ak-card-heading', { lang: state.uiLang }, label));
    var list = el('ul', 'ak-card-list');
    items.forEach(function (item) {
      list.appendChild(el('li', null, null, item));
    });
    wrapper.appendChild(list);
    return wrapper;
  }

  function renderCard(card, lang) {
    var node = el('div', 'ak-card');
    node.appendChild(el('h3', 'ak-card-title', null, card.title || ''));
    if (card.passage) {
      node.appendChild(textBlock(card.passage, 'ak-card-passage'));
    }
    if (Array.isArray(card.fees) && card.fees.length) {
      node.appendChild(listSection(t('fees'), card.fees.map(String)));
    }
    if (Array.isArray(card.documents) && card.documents.length) {
      node.appendChild(listSection(t('documents'), card.documents.map(String)));
    }
    if (card.office) {
      node.appendChild(labelled(t('office'), String(card.office), 'ak-card-office'));
    }
    if (card.link && card.link.url) {
      var online = el('p', 'ak-card-online');
      // "Online:" for an online service elsewhere; a file on this server (a calendar file) needs no label.
      if (String(card.link.url).charAt(0) !== '/') {
        online.appendChild(el('span', 'ak-card-label', { lang: state.uiLang }, t('online') + ' '));
      }
      online.appendChild(externalLink(String(card.link.url), String(card.link.label || card.link.url)));
      node.appendChild(online);
    }
    if (card.source_url || card.as_of) {
      var meta = el('p', 'ak-card-meta');
      if (card.source_url) {
        var host = hostOf(safeUrl(String(card.source_url)) || '');
        var sourceLink = externalLink(String(card.source_url), t('source') + (host ? ': ' + host : ''));
        if (sourceLink.setAttribute) {
          sourceLink.setAttribute('lang', state.uiLang);
        }
        meta.appendChild(sourceLink);
      }
      if (card.as_of) {
        if (card.source_url) {
          meta.appendChild(el('span', 'ak-sep', { 'aria-hidden': 'true' }, ' · '));
        }
        var asOf = el('span', 'ak-as-of', { lang: state.uiLang }, t('asOf') + ' ' + formatDate(card.as_of, lang));
        meta.appendChild(asOf);
      }
      node.appendChild(meta);
    }
    return node;
  }

  /** True when the message's text only repeats its card in plain text (the server sends both). */
  function textRepeatsCard(text, card) {
    if (!text || !card || !card.title) {
      return false;
    }
    var trimmed = String(text).trim();
    if (trimmed.indexOf(String(card.title).trim()) !== 0) {
      return false;
    }
    var passage = String(card.passage || '').trim();
    return !passage || trimmed.indexOf(passage.slice(0, 40)) >= 0;
  }

  function renderAssistantMessage(message, lang) {
    var node = messageShell('assistant', lang);
    var card = message && typeof message.card === 'object' && message.card ? message.card : null;
    if (message && message.text && !textRepeatsCard(message.text, card)) {
      node.appendChild(textBlock(message.text));
    }
    if (card) {
      node.appendChild(renderCard(card, lang));
    }
    if (message && message.image && message.image.url) {
      var src = safeUrl(String(message.image.url));
      if (src) {
        var figure = el('div', 'ak-image');
        figure.appendChild(el('img', 'ak-img', { src: src, alt: String(message.image.alt || ''), loading: 'lazy' }));
        node.appendChild(figure);
      }
    }
    if (message && Array.isArray(message.buttons) && message.buttons.length) {
      var group = el('div', 'ak-actions', { role: 'group' });
      translate(group, 'aria-label', 'choices');
      message.buttons.forEach(function (button) {
        if (!button || typeof button.action !== 'string') {
          return;
        }
        var label = String(button.label || button.action);
        var b = el('button', 'ak-button ak-choice', { type: 'button' }, label);
        b.addEventListener('click', function () {
          if (b.disabled || state.busy) {
            return;
          }
          sendMessage({ action: button.action }, { text: label });
        });
        group.appendChild(b);
      });
      node.appendChild(group);
    }
    return node;
  }

  function renderFeedback(turn, sessionId) {
    var group = el('div', 'ak-feedback', { role: 'group', lang: state.uiLang });
    translate(group, 'aria-label', 'feedback');
    var up = el('button', 'ak-button ak-thumb', { type: 'button', 'aria-pressed': 'false' });
    translate(up, 'aria-label', 'helpful');
    up.appendChild(el('span', null, { 'aria-hidden': 'true' }, '👍'));
    var down = el('button', 'ak-button ak-thumb', { type: 'button', 'aria-pressed': 'false' });
    translate(down, 'aria-label', 'unhelpful');
    down.appendChild(el('span', null, { 'aria-hidden': 'true' }, '👎'));
    var status = el('span', 'ak-feedback-status', { role: 'status' });
    group.appendChild(up);
    group.appendChild(down);
    group.appendChild(status);
    var rate = function (rating) {
      if (!sessionId) {
        return;
      }
      up.setAttribute('aria-pressed', rating === 'up' ? 'true' : 'false');
      down.setAttribute('aria-pressed', rating === 'down' ? 'true' : 'false');
      status.textContent = '';
      postJson('/api/v1/feedback', { session_id: sessionId, turn: turn, rating: rating }).then(function (result) {
        status.textContent = result.ok ? t('thanks') : t('feedbackFailed');
      });
    };
    up.addEventListener('click', function () {
      rate('up');
    });
    down.addEventListener('click', function () {
      rate('down');
    });
    return group;
  }

  function systemLine(text) {
    var node = el('p', 'ak-system', { lang: state.uiLang }, text);
    if (isRtl(state.uiLang)) {
      node.setAttribute('dir', 'rtl');
    }
    return node;
  }

  /** Appends new nodes to the announced log and scrolls to the first of them. */
  function appendToLog(nodes) {
    var fragment = document.createDocumentFragment();
    nodes.forEach(function (node) {
      fragment.appendChild(node);
    });
    ui.log.appendChild(fragment);
    scrollToEnd(nodes[0] || null);
  }

  /** Scrolls to the newest messages: to the bottom, or to the start of an answer taller than the view. */
  function scrollToEnd(firstNew) {
    var scroller = ui.scroller;
    if (!scroller) {
      return;
    }
    var behavior = prefersReducedMotion() ? 'auto' : 'smooth';
    var target = scroller.scrollHeight;
    if (firstNew && firstNew.offsetParent === scroller) {
      var start = firstNew.offsetTop - 8;
      if (scroller.scrollHeight - start > scroller.clientHeight) {
        target = start;
      }
    }
    try {
      scroller.scrollTo({ top: target, behavior: behavior });
    } catch (e) {
      scroller.scrollTop = target;
    }
  }

  function citizenMessage(text, lang, imageUrl) {
    var node = messageShell('citizen', lang || state.uiLang);
    if (imageUrl) {
      var figure = el('div', 'ak-image');
      figure.appendChild(el('img', 'ak-img ak-thumb-img', { src: imageUrl, alt: t('photoAlt') }));
      node.appendChild(figure);
    }
    var block = textBlock(text);
    block.setAttribute('dir', 'auto');
    node.appendChild(block);
    return node;
  }

  function errorMessage(text) {
    var node = messageShell('error', state.uiLang);
    node.appendChild(textBlock(text));
    return node;
  }

  /** Only the latest answer's choices can be pressed. */
  function disableOldChoices() {
    var buttons = ui.section.querySelectorAll('.ak-actions button');
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = true;
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Talking to the server.

  function postJson(path, body) {
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () {
      controller.abort();
    }, REQUEST_TIMEOUT_MS) : null;
    return fetch(BASE + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined,
      credentials: 'omit'
    }).then(function (response) {
      if (timer) {
        window.clearTimeout(timer);
      }
      if (response.status === 204) {
        return { ok: true, status: 204, data: null };
      }
      return response.text().then(function (text) {
        var data = null;
        try {
          data = text ? JSON.parse(text) : null;
        } catch (e) {
          data = null;
        }
        return { ok: response.ok, status: response.status, data: data };
      });
    }).catch(function () {
      if (timer) {
        window.clearTimeout(timer);
      }
      return { ok: false, status: 0, data: null };
    });
  }

  function errorText(result) {
    if (result.status === 429) {
      return t('rateLimited');
    }
    if (result.status === 0) {
      return t('network');
    }
    if (result.data && typeof result.data.message === 'string' && result.data.message) {
      return t('errorPrefix') + result.data.message;
    }
    return t('errorGeneric');
  }

  function setBusy(busy) {
    state.busy = busy;
    if (busy) {
      ui.send.setAttribute('aria-disabled', 'true');
      ui.status.textContent = t('typing');
      ui.status.classList.add('ak-typing');
    } else {
      ui.send.removeAttribute('aria-disabled');
      ui.status.textContent = '';
      ui.status.classList.remove('ak-typing');
    }
  }

  function rememberSession(sessionId) {
    if (typeof sessionId !== 'string' || !sessionId) {
      return;
    }
    if (sessionId !== state.sessionId) {
      state.sessionId = sessionId;
      storageSet(STORAGE_SESSION, sessionId);
    }
    openEvents();
  }

  function forgetSession() {
    state.sessionId = null;
    storageSet(STORAGE_SESSION, null);
    closeEvents();
  }

  /**
   * Sends one message: content is {text} | {action} | {image} | {location}; shown is what the citizen's
   * bubble says ({text, imageUrl}). Resolves when the answer (or an error) is shown.
   */
  function sendMessage(content, shown) {
    if (state.busy) {
      return Promise.resolve(false);
    }
    var lang = requestLang();
    var body = { session_id: state.sessionId || null, lang: lang };
    Object.keys(content).forEach(function (key) {
      body[key] = content[key];
    });
    appendToLog([citizenMessage(shown.text, lang ? contentLang(lang) : state.uiLang, shown.imageUrl)]);
    setBusy(true);
    return postJson('/api/v1/chat', body).then(function (result) {
      setBusy(false);
      if (!result.ok || !result.data || !Array.isArray(result.data.messages)) {
        appendToLog([errorMessage(errorText(result))]);
        ui.input.focus();
        return false;
      }
      showAnswer(result.data);
      ui.input.focus();
      return true;
    }).catch(function () {
      setBusy(false);
      appendToLog([errorMessage(t('errorGeneric'))]);
      return false;
    });
  }

  function showAnswer(data) {
    var lang = contentLang(data.lang) || state.uiLang;
    state.conversationLang = lang;
    rememberSession(data.session_id);
    disableOldChoices();
    var nodes = data.messages.map(function (message) {
      return renderAssistantMessage(message, lang);
    });
    if (!nodes.length) {
      nodes.push(messageShell('assistant', lang));
    }
    if (typeof data.turn === 'number' && state.sessionId) {
      nodes[nodes.length - 1].appendChild(renderFeedback(data.turn, state.sessionId));
    }
    appendToLog(nodes);
  }

  function sendText(text) {
    return sendMessage({ text: text }, { text: text });
  }

  // ---------------------------------------------------------------------------------------------------
  // History and agent messages.

  function loadHistory() {
    if (!state.sessionId) {
      return;
    }
    var sessionId = state.sessionId;
    fetch(BASE + '/api/v1/chat/' + encodeURIComponent(sessionId) + '/history', {
      headers: { Accept: 'application/json' },
      credentials: 'omit'
    }).then(function (response) {
      if (response.status === 404) {
        if (state.sessionId === sessionId) {
          forgetSession();
        }
        return null;
      }
      if (!response.ok) {
        return null;
      }
      return response.json();
    }).then(function (data) {
      if (!data || !Array.isArray(data.entries)) {
        return;
      }
      var lang = contentLang(data.lang) || state.uiLang;
      state.conversationLang = lang;
      var fragment = document.createDocumentFragment();
      var lastAssistantOfTurn = {};
      data.entries.forEach(function (entry) {
        if (!entry || typeof entry.text !== 'string') {
          return;
        }
        var node;
        if (entry.role === 'citizen') {
          node = citizenMessage(entry.text, lang);
        } else if (entry.role === 'agent') {
          node = messageShell('agent', lang, entry.agent);
          node.appendChild(textBlock(entry.text));
        } else {
          node = messageShell('assistant', lang);
          node.appendChild(textBlock(entry.text));
          if (typeof entry.turn === 'number') {
            lastAssistantOfTurn[entry.turn] = node;
          }
        }
        fragment.appendChild(node);
      });
      Object.keys(lastAssistantOfTurn).forEach(function (turn) {
        lastAssistantOfTurn[turn].appendChild(renderFeedback(Number(turn), sessionId));
      });
      // History arriving after the citizen already started typing goes before the new messages.
      ui.history.appendChild(fragment);
      scrollToEnd(null);
      if (state.sessionId === sessionId) {
        openEvents();
      }
    }).catch(function () {
      /* no history: the conversation simply starts empty */
    });
  }

  function closeEvents() {
    if (state.events) {
      state.events.close();
    }
    state.events = null;
    state.eventsFor = null;
  }

  function parseEvent(event) {
    try {
      return JSON.parse(event.data);
    } catch (e) {
      return null;
    }
  }

  function openEvents() {
    if (!state.sessionId || typeof window.EventSource !== 'function') {
      return;
    }
    if (state.events && state.eventsFor === state.sessionId && state.events.readyState !== 2) {
      return;
    }
    closeEvents();
    var source;
    try {
      source = new EventSource(BASE + '/api/v1/chat/' + encodeURIComponent(state.sessionId) + '/events');
    } catch (e) {
      return;
    }
    state.events = source;
    state.eventsFor = state.sessionId;
    source.addEventListener('agent', function (event) {
      var data = parseEvent(event);
      if (!data || typeof data.text !== 'string') {
        return;
      }
      var node = messageShell('agent', state.conversationLang, data.agent);
      node.appendChild(textBlock(data.text));
      appendToLog([node]);
    });
    source.addEventListener('status', function (event) {
      var data = parseEvent(event);
      if (!data) {
        return;
      }
      if (data.state === 'taken_over') {
        appendToLog([systemLine(t('takenOver'))]);
      } else if (data.state === 'handed_back') {
        appendToLog([systemLine(t('handedBack'))]);
      }
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Photo, QR code, location.

  function sendPhotoFile(fileObject) {
    if (!fileObject) {
      return;
    }
    prepareImage(fileObject).then(function (prepared) {
      return blobToBase64(prepared.blob).then(function (data) {
        var preview = null;
        try {
          preview = URL.createObjectURL(prepared.blob);
        } catch (e) {
          preview = null;
        }
        return sendMessage(
          { image: { content_type: prepared.contentType, data: data } },
          { text: t('photoSent'), imageUrl: preview }
        );
      });
    }).catch(function () {
      appendToLog([errorMessage(t('photoFailed'))]);
      ui.input.focus();
    });
  }

  function shareLocation() {
    if (state.busy) {
      return;
    }
    if (!navigator.geolocation) {
      appendToLog([errorMessage(t('locationFailed'))]);
      return;
    }
    ui.status.textContent = t('locating');
    try {
      navigator.geolocation.getCurrentPosition(function (position) {
        ui.status.textContent = '';
        sendMessage(
          { location: { latitude: position.coords.latitude, longitude: position.coords.longitude } },
          { text: t('locationSent') }
        );
      }, function () {
        ui.status.textContent = '';
        appendToLog([errorMessage(t('locationFailed'))]);
        ui.input.focus();
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    } catch (e) {
      ui.status.textContent = '';
      appendToLog([errorMessage(t('locationFailed'))]);
    }
  }

  var scanner = { stream: null, timer: null, detector: null, done: false };

  function buildDialog() {
    if (ui.dialog) {
      return ui.dialog;
    }
    var titleId = uid('qr-title');
    var hintId = uid('qr-hint');
    var dialog = el('dialog', 'ak-dialog', { 'aria-labelledby': titleId, 'aria-describedby': hintId });
    setLangDir(dialog, state.uiLang);
    var heading = el('h2', 'ak-dialog-title', { id: titleId });
    translate(heading, null, 'qrTitle');
    var hint = el('p', 'ak-dialog-hint', { id: hintId });
    translate(hint, null, 'qrHint');
    var video = el('video', 'ak-video', { muted: true, playsinline: true, autoplay: true });
    translate(video, 'aria-label', 'qrTitle');
    video.muted = true;
    var message = el('p', 'ak-dialog-status', { role: 'status' });
    var close = el('button', 'ak-button ak-primary', { type: 'button' });
    translate(close, null, 'qrClose');
    dialog.appendChild(heading);
    dialog.appendChild(hint);
    dialog.appendChild(video);
    dialog.appendChild(message);
    dialog.appendChild(close);
    close.addEventListener('click', function () {
      closeScanner();
    });
    dialog.addEventListener('close', function () {
      stopScanner();
      if (!scanner.done) {
        ui.qr.focus();
      }
    });
    // Keep the keyboard inside the dialog (showModal does too; this covers older engines).
    dialog.addEventListener('keydown', function (event) {
      if (event.key === 'Tab') {
        event.preventDefault();
        close.focus();
      }
    });
    ui.section.appendChild(dialog);
    ui.dialog = dialog;
    ui.video = video;
    ui.dialogStatus = message;
    ui.dialogClose = close;
    return dialog;
  }

  function stopScanner() {
    if (scanner.timer) {
      window.clearTimeout(scanner.timer);
      scanner.timer = null;
    }
    if (scanner.stream) {
      scanner.stream.getTracks().forEach(function (track) {
        track.stop();
      });
      scanner.stream = null;
    }
    if (ui.video) {
      ui.video.srcObject = null;
    }
  }

  function closeScanner() {
    if (ui.dialog && ui.dialog.open) {
      ui.dialog.close();
    }
    stopScanner();
  }

  function openScanner() {
    if (state.busy) {
      return;
    }
    var dialog = buildDialog();
    scanner.done = false;
    ui.dialogStatus.textContent = '';
    try {
      dialog.showModal();
    } catch (e) {
      dialog.setAttribute('open', '');
    }
    ui.dialogClose.focus();
    var detector;
    try {
      detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    } catch (e) {
      ui.dialogStatus.textContent = t('qrFailed');
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false }).then(function (stream) {
      if (!dialog.open) {
        stream.getTracks().forEach(function (track) {
          track.stop();
        });
        return;
      }
      scanner.stream = stream;
      ui.video.srcObject = stream;
      var played = ui.video.play();
      if (played && played.catch) {
        played.catch(function () {});
      }
      var tick = function () {
        scanner.timer = null;
        if (!dialog.open || !scanner.stream) {
          return;
        }
        if (ui.video.readyState < 2) {
          scanner.timer = window.setTimeout(tick, 250);
          return;
        }
        detector.detect(ui.video).then(function (codes) {
          if (!dialog.open || !scanner.stream) {
            return;
          }
          var found = (codes || []).some(function (code) {
            return !code.format || code.format === 'qr_code';
          });
          if (!found) {
            scanner.timer = window.setTimeout(tick, 250);
            return;
          }
          var canvas = document.createElement('canvas');
          canvas.width = ui.video.videoWidth;
          canvas.height = ui.video.videoHeight;
          canvas.getContext('2d').drawImage(ui.video, 0, 0, canvas.width, canvas.height);
          scanner.done = true;
          closeScanner();
          canvasToBlob(canvas, 'image/png').then(function (blob) {
            return blobToBase64(blob).then(function (data) {
              return sendMessage(
                { image: { content_type: 'image/png', data: data } },
                { text: t('qrSent') }
              );
            });
          }).catch(function () {
            appendToLog([errorMessage(t('photoFailed'))]);
            ui.input.focus();
          });
        }, function () {
          scanner.timer = window.setTimeout(tick, 500);
        });
      };
      tick();
    }, function () {
      ui.dialogStatus.textContent = t('qrFailed');
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Events.

  function submitInput() {
    if (state.busy) {
      return;
    }
    var text = ui.input.value;
    if (!text.trim()) {
      ui.input.focus();
      return;
    }
    ui.input.value = '';
    sendText(text).then(function (ok) {
      if (!ok && !ui.input.value) {
        ui.input.value = text;
      }
    });
  }

  function wire() {
    ui.form.addEventListener('submit', function (event) {
      event.preventDefault();
      submitInput();
    });
    ui.input.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && !event.altKey && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        submitInput();
      }
    });
    ui.select.addEventListener('change', function () {
      var value = ui.select.value;
      if (LANGS.indexOf(value) < 0) {
        return;
      }
      state.uiLang = value;
      state.langChosen = true;
      storageSet(STORAGE_LANG, requestLang());
      applyLanguage();
    });
    ui.easy.addEventListener('click', function () {
      state.easy = !state.easy;
      state.langChosen = true;
      storageSet(STORAGE_LANG, requestLang());
      applyLanguage();
    });
    ui.photo.addEventListener('click', function () {
      if (state.busy) {
        return;
      }
      ui.file.value = '';
      ui.file.click();
    });
    ui.file.addEventListener('change', function () {
      var chosen = ui.file.files && ui.file.files[0];
      if (chosen) {
        sendPhotoFile(chosen);
      }
    });
    ui.qr.addEventListener('click', openScanner);
    ui.locate.addEventListener('click', shareLocation);
  }

  function start() {
    if (!document.body) {
      return;
    }
    build();
    ui.root.hidden = true;
    loadStylesheet(function () {
      ui.root.hidden = false;
      scrollToEnd(null);
    });
    loadHistory();
  }

  try {
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', function () {
        try {
          start();
        } catch (e) {
          /* never break the host page */
        }
      });
    } else {
      start();
    }
  } catch (e) {
    /* never break the host page */
  }
})();
