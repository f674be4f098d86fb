// The search page: GET /api/v1/search, 20 turns a page, best match first. The matches are
// marked with <mark> elements built from the API's highlight pieces (textContent only). The
// search stays in the address, so a result page can be reloaded or shared.
"use strict";

const PAGE = 20;
const FILTERS = ["q", "speaker", "label", "rep_id", "team_id", "customer_id", "from", "to"];
const searchForm = document.getElementById("search-form");
let offset = 0;

function searchParams() {
  const form = new FormData(searchForm);
  const params = new URLSearchParams();
  for (const name of FILTERS) if (form.get(name)) params.set(name, String(form.get(name)).trim());
  return params;
}

function marked(pieces) {
  const p = el("p", null, "text");
  p.append(...pieces.map((piece) => (piece.match ? el("mark", piece.text) : document.createTextNode(piece.text))));
  return p;
}

function resultItem(item) {
  const li = el("li", null, `result ${item.speaker}`);
  const who = item.speaker === "rep" ? "销售" : item.speaker === "customer" ? "客户" : "未知";
  const title = item.call_title || `通话 #${item.call_id}`;
  const head = el("div", null, "head");
  head.append(link(`${title} · ${clock(item.start)}`, item.link),
              el("span", ` ${who} · ${item.rep || "未指定销售"} · ${localTime(item.happened_at)}`, "muted"));
  li.append(head, marked(item.highlight));
  return li;
}

async function runSearch() {
  const params = searchParams();
  if (!params.get("q")) return;
  history.replaceState(null, "", `?${params}`);
  params.set("limit", PAGE); params.set("offset", offset);
  showStatus("search-status", "正在搜索…");
  const page = await api(`/api/v1/search?${params}`);
  document.getElementById("results").replaceChildren(...page.items.map(resultItem));
  showStatus("search-status", page.total ? `找到 ${page.total} 句` : "没有找到匹配的句子");
  document.getElementById("page-info").textContent =
    page.total ? `第 ${offset + 1}–${Math.min(offset + PAGE, page.total)} 句，共 ${page.total} 句` : "";
  document.getElementById("prev").disabled = offset === 0;
  document.getElementById("next").disabled = offset + PAGE >= page.total;
}

async function fillFilters() {
  const fills = [["search-rep", "/api/v1/reps", (r) => r.name], ["search-team", "/api/v1/teams", (t) => t.name],
                 ["search-customer", "/api/v1/customers", (c) => c.company]];
  await Promise.all(fills.map(async ([id, path, label]) => {
    const select = document.getElementById(id);
    if (select) options(select, await allItems(path), label, (x) => x.id, "全部");
  }));
}

function fromAddress() {
  for (const [name, value] of new URLSearchParams(window.location.search)) {
    const field = searchForm.elements.namedItem(name);
    if (field && FILTERS.includes(name)) field.value = value;
  }
}

const searchFailed = fail("search-status");
searchForm.addEventListener("submit", (e) => { e.preventDefault(); offset = 0; runSearch().catch(searchFailed); });
document.getElementById("prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE); runSearch().catch(searchFailed); });
document.getElementById("next").addEventListener("click", () => { offset += PAGE; runSearch().catch(searchFailed); });
fillFilters().catch(() => {}).finally(() => { fromAddress(); runSearch().catch(searchFailed); });
document.getElementById("q").focus();
