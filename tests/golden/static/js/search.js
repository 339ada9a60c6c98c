// The /busca/ page: Pagefind's search API behind the site's own interface (Portuguese, accessible).
// Loaded only on /busca/; Pagefind and the index files are fetched from the bundle folder when needed.

const root = document.getElementById("busca");
const form = root.querySelector("[data-search-form]");
const fallback = root.querySelector("[data-search-fallback]");
const input = document.getElementById("busca-q");
const tagSelect = document.getElementById("busca-tag");
const authorSelect = document.getElementById("busca-autor");
const orderSelect = document.getElementById("busca-ordem");
const status = document.getElementById("busca-status");
const list = document.getElementById("busca-resultados");
const empty = document.getElementById("busca-vazio");
const more = document.getElementById("busca-mais");

const BASE = root.dataset.base || "/";
const BUNDLE = root.dataset.bundle || BASE + "pagefind/";
const PAGE_SIZE = 10;
const TYPING_DELAY = 250; // ms of quiet typing before a search runs

let pagefindPromise = null;
let pending = [];     // results not shown yet (each has an async data())
let generation = 0;   // bumps on every search, so a slow old search never overwrites a newer one
let typingTimer = 0;

function loadPagefind() {
  if (!pagefindPromise) {
    pagefindPromise = import(BUNDLE + "pagefind.js").then(async (pagefind) => {
      await pagefind.options({ baseUrl: BASE, excerptLength: 30 });
      await pagefind.init();
      return pagefind;
    });
  }
  return pagefindPromise;
}

function plural(n, one, many) {
  return `${n.toLocaleString("pt-BR")} ${n === 1 ? one : many}`;
}

// Pagefind marks matches with <mark>; everything else becomes plain text (nothing else from the index is trusted).
function excerptNodes(html) {
  const holder = document.createElement("template");
  holder.innerHTML = html; // template content is inert: no scripts run, nothing loads
  const out = [];
  for (const node of holder.content.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      out.push(mark);
    } else {
      out.push(document.createTextNode(node.textContent));
    }
  }
  return out;
}

function resultItem(data) {
  const meta = data.meta || {};
  const li = document.createElement("li");
  const article = document.createElement("article");
  article.className = "search-result";
  const heading = document.createElement("h2");
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = meta.title || data.url;
  heading.append(link);
  article.append(heading);
  const info = document.createElement("p");
  info.className = "meta";
  if (meta.data) {
    const time = document.createElement("time");
    if (meta.data_iso) time.dateTime = meta.data_iso;
    time.textContent = meta.data;
    info.append(time);
  }
  const authors = (data.filters && data.filters.autor) || [];
  if (authors.length) {
    info.append(document.createTextNode((info.childNodes.length ? " · " : "") + "Por " + authors.join(", ")));
  }
  if (info.childNodes.length) article.append(info);
  const excerpt = document.createElement("p");
  excerpt.className = "excerpt";
  excerpt.append(...excerptNodes(data.excerpt || ""));
  article.append(excerpt);
  li.append(article);
  return li;
}

async function showMore(gen, moveFocus) {
  const batch = pending.splice(0, PAGE_SIZE);
  const datas = await Promise.all(batch.map((r) => r.data()));
  if (gen !== generation) return;
  const items = datas.map(resultItem);
  list.append(...items);
  more.hidden = pending.length === 0;
  if (moveFocus && items.length) items[0].querySelector("a").focus();
}

function currentState() {
  return {
    q: input.value.trim(),
    tag: tagSelect.value,
    autor: authorSelect.value,
    ordem: orderSelect.value,
  };
}

function remember(state) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state)) if (value) params.set(key, value);
  const query = params.toString();
  history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
}

function describe(state, count) {
  const parts = [];
  if (state.q) parts.push(`para “${state.q}”`);
  if (state.tag) parts.push(`na tag ${state.tag}`);
  if (state.autor) parts.push(`de ${state.autor}`);
  const where = parts.length ? " " + parts.join(" ") : "";
  if (count === 0) return `Nenhum resultado${where}.`;
  return `${plural(count, "resultado", "resultados")}${where}.`;
}

async function runSearch() {
  const gen = ++generation;
  const state = currentState();
  remember(state);
  if (!state.q && !state.tag && !state.autor) {
    pending = [];
    list.replaceChildren();
    more.hidden = true;
    empty.hidden = true;
    status.textContent = "";
    list.removeAttribute("aria-busy");
    return;
  }
  list.setAttribute("aria-busy", "true");
  let search;
  try {
    const pagefind = await loadPagefind();
    const filters = {};
    if (state.tag) filters.tag = state.tag;
    if (state.autor) filters.autor = state.autor;
    let sort;
    if (state.ordem === "recentes" || (!state.q && state.ordem !== "antigos")) sort = { data: "desc" };
    else if (state.ordem === "antigos") sort = { data: "asc" };
    search = await pagefind.search(state.q || null, sort ? { filters, sort } : { filters });
  } catch (error) {
    if (gen === generation) failed(error);
    return;
  }
  if (gen !== generation || !search) return;
  pending = search.results.slice();
  list.replaceChildren();
  await showMore(gen, false);
  if (gen !== generation) return;
  list.removeAttribute("aria-busy");
  empty.hidden = search.results.length !== 0;
  status.textContent = describe(state, search.results.length);
}

function failed(error) {
  console.error("busca:", error);
  list.removeAttribute("aria-busy");
  status.textContent = "Não foi possível carregar a busca. Tente recarregar a página ou use os caminhos abaixo.";
  fallback.hidden = false;
}

function schedule() {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(runSearch, TYPING_DELAY);
}

function start() {
  const params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  for (const [select, key] of [[tagSelect, "tag"], [authorSelect, "autor"], [orderSelect, "ordem"]]) {
    select.value = params.get(key) || "";
    if (select.selectedIndex < 0) select.value = "";
  }
  form.hidden = false;
  fallback.hidden = true;

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typingTimer);
    runSearch();
  });
  input.addEventListener("input", schedule);
  for (const select of [tagSelect, authorSelect, orderSelect]) select.addEventListener("change", runSearch);
  more.addEventListener("click", () => showMore(generation, true));
  // Fetch Pagefind (script, WebAssembly, index metadata) once the reader heads for the form, not before.
  form.addEventListener("focusin", () => loadPagefind().catch(failed), { once: true });

  root.dataset.ready = "true"; // for tests and styles: the form is live
  if (input.value || tagSelect.value || authorSelect.value) runSearch();
}

start();
