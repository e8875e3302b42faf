// The Telegram Bot API for the adapter's end-to-end tests: npm's telegram-test-api (4.2.1) keeps the
// users' and the bot's messages (its TelegramServer, in this process); this front answers the Bot API
// methods the adapter (teloxide 0.17) calls, in the shapes teloxide expects, because the package's own
// routes do not (see ../shared/docs/test-peers.md): getMe lacks fields, getUpdates ignores `timeout`,
// answerCallbackQuery answers null, getWebhookInfo/getFile/sendPhoto/sendDocument and file downloads are
// missing, dates are in milliseconds, callback queries lack chat_instance.
//
//   node emulator.mjs PORT [TOKEN]   → prints "listening PORT" when ready
//
// Bot API:   POST /bot<TOKEN>/<method>   (JSON or multipart), GET /file/bot<TOKEN>/<path>
// Test side: POST /client/sendMessage {botToken, chatId, text?, location?, photoBase64?, languageCode?}
//            POST /client/sendCallback {botToken, chatId, messageId, data}
//            POST /client/messages {botToken, chatId} → the bot's messages to that chat, oldest first
//            POST /client/failNext {method, count, retryAfter} → the next calls answer 429
//            GET  /client/file/<file_id> → a file the bot sent
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2] || 0);
// The one bot token the emulated Telegram knows (others get 401 Unauthorized, as Telegram answers).
const knownToken = process.argv[3] || null;
// The package's server is not started: only its storage and update numbering are used.
const telegram = new TelegramServer({ port: 0, storeTimeout: 3600 });

const BOT = {
  id: 7000001, is_bot: true, first_name: 'Auskunft', username: 'auskunft_test_bot',
  can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false,
  has_main_web_app: false, can_connect_to_business: false,
};
const files = new Map(); // file_id → { bytes, mime, name }
let nextFile = 1;
const failures = new Map(); // method → { count, retryAfter }
const seconds = () => Math.floor(Date.now() / 1000);

function user(chatId, languageCode) {
  return { id: Number(chatId), is_bot: false, first_name: 'Erika', language_code: languageCode || 'de' };
}

function storeFile(bytes, mime, name) {
  const id = `file-${nextFile++}`;
  files.set(id, { bytes, mime, name });
  return id;
}

// A message the bot sent, as the Bot API returns it.
function botMessage(stored) {
  const m = stored.message;
  const out = {
    message_id: stored.messageId,
    date: Math.floor(stored.time / 1000),
    from: BOT,
    chat: { id: Number(m.chat_id), type: 'private', first_name: 'Erika' },
  };
  for (const key of ['text', 'caption', 'photo', 'document', 'reply_markup', 'parse_mode']) {
    if (m[key] !== undefined) out[key] = m[key];
  }
  if (out.reply_markup && !('inline_keyboard' in out.reply_markup)) delete out.reply_markup;
  return out;
}

function addBotMessage(body, token) {
  telegram.addBotMessage(body, token);
  return botMessage(telegram.storage.botMessages[telegram.storage.botMessages.length - 1]);
}

// An update for the bot, in the Bot API's shape.
function formatUpdate(update) {
  if ('callbackQuery' in update) {
    const q = update.callbackQuery;
    return {
      update_id: update.updateId,
      callback_query: {
        id: String(update.callbackId), from: q.from, message: q.message, data: q.data,
        chat_instance: `ci-${q.message.chat.id}`,
      },
    };
  }
  const { botToken: _token, ...message } = update.message;
  return { update_id: update.updateId, message: { ...message, message_id: update.messageId } };
}

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const buffer = Buffer.concat(chunks);
  const type = request.headers['content-type'] || '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://local/', { method: 'POST', headers: { 'content-type': type }, body: buffer }).formData();
    const body = {};
    for (const [key, value] of form.entries()) {
      body[key] = typeof value === 'string' ? value : { file: Buffer.from(await value.arrayBuffer()), name: value.name, type: value.type };
    }
    return body;
  }
  if (type.startsWith('application/json') && buffer.length) return JSON.parse(buffer.toString('utf8'));
  if (type.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(buffer.toString('utf8')));
  return {};
}

function json(response, status, value) {
  const text = JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

const ok = (response, result) => json(response, 200, { ok: true, result });

// A file the bot sends: an upload (multipart), or a URL the front fetches (as Telegram would).
async function inputFile(value, fallbackName) {
  if (value && value.file) return { bytes: value.file, mime: value.type || 'application/octet-stream', name: value.name || fallbackName };
  if (typeof value === 'string' && /^https?:\/\//.test(value)) {
    const fetched = await fetch(value);
    if (!fetched.ok) throw new Error(`Bad Request: failed to get HTTP URL content (${fetched.status})`);
    const disposition = /filename="?([^";]+)"?/.exec(fetched.headers.get('content-disposition') || '');
    const name = disposition ? disposition[1] : (new URL(value).pathname.split('/').pop() || fallbackName);
    return { bytes: Buffer.from(await fetched.arrayBuffer()), mime: fetched.headers.get('content-type') || 'application/octet-stream', name };
  }
  throw new Error('Bad Request: there is no file in the request');
}

const markup = (value) => (typeof value === 'string' ? JSON.parse(value) : value);

async function botMethod(token, method, body, response) {
  if (knownToken && token !== knownToken) {
    return json(response, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
  }
  const failure = failures.get(method);
  if (failure && failure.count > 0) {
    failure.count -= 1;
    return json(response, 429, {
      ok: false, error_code: 429, description: `Too Many Requests: retry after ${failure.retryAfter}`,
      parameters: { retry_after: failure.retryAfter },
    });
  }
  switch (method) {
    case 'getMe': return ok(response, BOT);
    case 'getWebhookInfo': return ok(response, { url: '', has_custom_certificate: false, pending_update_count: 0 });
    case 'deleteWebhook': case 'setWebhook': case 'setMyCommands': case 'answerCallbackQuery': case 'sendChatAction':
      return ok(response, true);
    case 'getUpdates': {
      const deadline = Date.now() + Math.min(Number(body.timeout || 0), 10) * 1000;
      for (;;) {
        const pending = telegram.storage.userMessages.filter((u) => u.botToken === token && !u.isRead);
        if (pending.length || Date.now() >= deadline) {
          const limit = Number(body.limit || 100);
          const taken = pending.slice(0, limit);
          for (const u of taken) u.isRead = true;
          return ok(response, taken.map(formatUpdate));
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    case 'sendMessage':
      return ok(response, addBotMessage({ chat_id: body.chat_id, text: body.text, parse_mode: body.parse_mode, reply_markup: markup(body.reply_markup) }, token));
    case 'sendPhoto': {
      const file = await inputFile(body.photo, 'photo.png');
      const id = storeFile(file.bytes, file.mime, file.name);
      return ok(response, addBotMessage({
        chat_id: body.chat_id, caption: body.caption, parse_mode: body.parse_mode, reply_markup: markup(body.reply_markup),
        photo: [{ file_id: id, file_unique_id: id, width: 1, height: 1, file_size: file.bytes.length }],
      }, token));
    }
    case 'sendDocument': {
      const file = await inputFile(body.document, 'document');
      const id = storeFile(file.bytes, file.mime, file.name);
      return ok(response, addBotMessage({
        chat_id: body.chat_id, caption: body.caption, parse_mode: body.parse_mode, reply_markup: markup(body.reply_markup),
        document: { file_id: id, file_unique_id: id, file_name: file.name, mime_type: file.mime, file_size: file.bytes.length },
      }, token));
    }
    case 'getFile': {
      const file = files.get(body.file_id);
      if (!file) return json(response, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' });
      return ok(response, { file_id: body.file_id, file_unique_id: body.file_id, file_size: file.bytes.length, file_path: `files/${body.file_id}` });
    }
    default:
      return json(response, 404, { ok: false, error_code: 404, description: `Not Found: method ${method} not found` });
  }
}

async function clientCall(path, body, response) {
  switch (path) {
    case '/client/sendMessage': {
      const message = { botToken: body.botToken, date: seconds(), from: user(body.chatId, body.languageCode), chat: { id: Number(body.chatId), type: 'private', first_name: 'Erika' } };
      if (body.text !== undefined) {
        message.text = body.text;
        if (body.text.startsWith('/')) {
          message.entities = [{ type: 'bot_command', offset: 0, length: body.text.split(/\s/)[0].length }];
        }
      }
      if (body.location) message.location = body.location;
      if (body.photoBase64) {
        const id = storeFile(Buffer.from(body.photoBase64, 'base64'), 'image/png', 'photo.png');
        message.photo = [{ file_id: id, file_unique_id: id, width: 600, height: 600, file_size: files.get(id).bytes.length }];
      }
      await telegram.addUserMessage(message);
      return ok(response, true);
    }
    case '/client/sendCallback': {
      const stored = telegram.storage.botMessages.find((m) => m.messageId === Number(body.messageId) && String(m.message.chat_id) === String(body.chatId));
      if (!stored) return json(response, 404, { ok: false, description: 'no such bot message' });
      await telegram.addUserCallback({ botToken: body.botToken, from: user(body.chatId), message: botMessage(stored), data: body.data });
      return ok(response, true);
    }
    case '/client/messages':
      return ok(response, telegram.storage.botMessages
        .filter((m) => m.botToken === body.botToken && String(m.message.chat_id) === String(body.chatId))
        .map(botMessage));
    case '/client/failNext':
      failures.set(body.method, { count: Number(body.count || 1), retryAfter: Number(body.retryAfter || 1) });
      return ok(response, true);
    default:
      return json(response, 404, { ok: false, description: 'unknown test call' });
  }
}

const server = http.createServer(async (request, response) => {
  try {
    const url = new URL(request.url, 'http://local');
    // teloxide percent-encodes the file path's slash.
    const file = url.pathname.match(/^\/file\/bot[^/]+\/(.+)$/) || url.pathname.match(/^\/client\/file\/(.+)$/);
    if (file) {
      const stored = files.get(decodeURIComponent(file[1]).replace(/^files\//, ''));
      if (!stored) return json(response, 404, { ok: false, description: 'Not Found' });
      response.writeHead(200, { 'content-type': stored.mime, 'content-length': stored.bytes.length });
      return response.end(stored.bytes);
    }
    const body = await readBody(request);
    const bot = url.pathname.match(/^\/bot([^/]+)\/([A-Za-z]+)$/);
    // Bot API method names are case-insensitive (teloxide sends "GetMe").
    if (bot) return await botMethod(bot[1], bot[2][0].toLowerCase() + bot[2].slice(1), body, response);
    return await clientCall(url.pathname, body, response);
  } catch (error) {
    return json(response, 400, { ok: false, error_code: 400, description: String(error.message || error) });
  }
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
