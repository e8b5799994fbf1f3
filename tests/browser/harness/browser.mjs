// Debian's Chromium driven by playwright-core (never a downloaded browser), and helpers that read
// and drive the demo chat page the way a person would: the state badge, the list, the input.
import fs from 'node:fs';

export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps calling Google's hosts, which this
// machine's closed network refuses; the rest keep a headless run quiet and reproducible.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium() {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (error) {
    throw new Error(`playwright-core is not installed: run \`npm ci\` in tests/browser (${error.message})`);
  }
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: apt-get install -y --no-install-recommends chromium`);
  }
  // launch() gives every run a fresh, throwaway user-data-dir of its own.
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    timeout: 20_000,
  });
}

// One chat page in its own browser context (its own cookies and connection), with every console
// error and uncaught exception recorded, and the responses it loaded.
export async function openChatPage(browser, url, name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems = [];
  const loaded = [];
  page.on('console', (message) => {
    if (message.type() === 'error') {
      problems.push({ kind: 'console', text: message.text(), location: message.location() });
    }
  });
  page.on('pageerror', (error) => problems.push({ kind: 'pageerror', text: String(error.stack || error) }));
  page.on('response', (response) => loaded.push({ url: response.url(), status: response.status() }));
  await page.goto(url, { waitUntil: 'load' });
  return { name, page, context, problems, loaded };
}

export async function waitForState(chat, wanted, timeout = 10_000) {
  try {
    await chat.page.waitForFunction(
      (text) => document.getElementById('state').textContent === text, wanted, { timeout });
  } catch (error) {
    const state = await chat.page.textContent('#state').catch(() => '?');
    throw new Error(`${chat.name}: state stayed '${state}', expected '${wanted}' within ${timeout} ms`);
  }
}

export async function stateOf(chat) {
  return chat.page.textContent('#state');
}

// The chat messages shown, in order: { topic, offset, text } (the text without the meta label).
export async function chatMessages(chat) {
  return chat.page.$$eval('#messages li.message', (items) => items.map((item) => ({
    topic: item.dataset.topic,
    offset: Number(item.dataset.offset),
    text: item.lastChild ? item.lastChild.textContent : '',
  })));
}

// Every line of the list as a person reads it, for failure messages.
export async function transcript(chat) {
  return chat.page.$$eval('#messages li', (items) => items.map((item) =>
    `${item.className}: ${Array.from(item.childNodes, (node) => node.textContent).join(' ')}`));
}

export async function waitForMessages(chat, texts, timeout = 10_000) {
  try {
    await chat.page.waitForFunction((wanted) => {
      const shown = new Set(Array.from(document.querySelectorAll('#messages li.message'),
        (item) => item.lastChild && item.lastChild.textContent));
      return wanted.every((text) => shown.has(text));
    }, texts, { timeout });
  } catch (error) {
    throw new Error(`${chat.name}: did not show ${JSON.stringify(texts)} within ${timeout} ms; it shows:\n` +
      (await transcript(chat)).join('\n'));
  }
}

// Types the line and presses Enter, as a person does.
export async function say(chat, text) {
  await chat.page.waitForFunction(() => !document.getElementById('text').disabled);
  await chat.page.fill('#text', text);
  await chat.page.press('#text', 'Enter');
}
